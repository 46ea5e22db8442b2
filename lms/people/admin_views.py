"""The Wagtail admin pages that import people from a CSV and unlock locked-out sign-ins."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from lms.core.admin_views import PermissionAdminView, TabularImportView
from lms.people import importers, selectors, services

PERMISSION = "people.change_user"


class OrgImportView(TabularImportView):
    importer = importers.ORG_IMPORT
    permission_required = PERMISSION
    page_title = gettext_lazy("Import people")
    header_icon = "group"
    url_name = "people_import_org"
    help_template_name = "people/includes/import_org_help.html"
    success_message = gettext_lazy("People imported: %s.")


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=255)
    # Empty: every address this username failed from.
    ip_address = forms.GenericIPAddressField(required=False)


class LockoutsView(PermissionAdminView):
    """Usernames locked out after failed sign-ins, per client address, with an unlock."""

    template_name = "people/lockouts.html"
    page_title = gettext_lazy("Sign-in lockouts")
    header_icon = "lock"
    permission_required = PERMISSION

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lockouts"] = selectors.current_lockouts()
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["lockout_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        context["action_url"] = reverse("people_lockouts")
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = UnlockForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a lockout from the list to unlock."))
            return HttpResponseRedirect(reverse("people_lockouts"))
        username = form.cleaned_data["username"]
        ip_address = form.cleaned_data["ip_address"] or None
        removed = services.unlock_sign_in(
            username=username, ip_address=ip_address, unlocked_by=request.user
        )
        if removed:
            messages.success(
                request, _("“%(username)s” can sign in again.") % {"username": username}
            )
        else:
            messages.warning(
                request,
                _("“%(username)s” was not locked out (any more).") % {"username": username},
            )
        return HttpResponseRedirect(reverse("people_lockouts"))
