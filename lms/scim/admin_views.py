"""Settings › SCIM tokens: issue the directory's bearer token (shown once), list, revoke.

Only users with ``scim.add_scimtoken`` (Admins) see and use it; the check is made on the
server for every request (PermissionAdminView, and in ``revoke_token``).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from lms.core.admin_views import PermissionAdminView
from lms.scim import selectors, services
from lms.scim.models import PROVISIONING_GROUP, SERVICE_USERNAME

PERMISSION = "scim.add_scimtoken"


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=255,
        help_text=gettext_lazy("Which directory uses the token, e.g. “Microsoft Entra ID”."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if selectors.scim_tokens().filter(name__iexact=name, revoked_at__isnull=True).exists():
            raise forms.ValidationError(_("There is already an active SCIM token with this name."))
        return name


class ScimTokensView(PermissionAdminView):
    permission_required = PERMISSION
    template_name = "scim/admin/tokens.html"
    page_title = gettext_lazy("SCIM tokens")
    header_icon = "key"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ScimTokenForm())
        context = super().get_context_data(**kwargs)
        context["action_url"] = reverse("scim_tokens")
        context["scim_url"] = self.request.build_absolute_uri(reverse("scim_root"))
        context["tokens"] = selectors.scim_tokens()
        context["service_username"] = SERVICE_USERNAME
        context["group_name"] = PROVISIONING_GROUP
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = ScimTokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        token, raw = services.issue_token(name=form.cleaned_data["name"], by=request.user)
        response = self.render_to_response(self.get_context_data(token=token, raw_token=raw))
        # The raw token is shown this once; no cache may keep it.
        add_never_cache_headers(response)
        return response


def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("scim_tokens")
    token = get_object_or_404(selectors.scim_tokens(), pk=pk)
    if services.revoke_token(token, by=request.user):
        messages.success(request, _("The SCIM token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("scim_tokens")
