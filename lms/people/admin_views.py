"""The Wagtail admin pages that import people from a CSV and unlock locked-out sign-ins."""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from lms.admin_views import ApplyDryRunForm, PermissionAdminView
from lms.people import selectors, services
from lms.people.importers import (
    COLUMNS,
    MAX_FILE_BYTES,
    OrgImportError,
    import_org_csv,
    read_csv_text,
)

PERMISSION = "people.change_user"
MAX_MEGABYTES = MAX_FILE_BYTES // (1024 * 1024)


def _too_large() -> forms.ValidationError:
    return forms.ValidationError(
        _("The file is larger than %(size)s MB; import it with the import_org command.")
        % {"size": MAX_MEGABYTES}
    )


class OrgUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8, with a header row; columns separated by commas or semicolons."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Only show what would change; store nothing."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise _too_large()
        try:
            self.cleaned_data["text"] = read_csv_text(upload)
        except OrgImportError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class OrgApplyForm(ApplyDryRunForm):
    max_bytes = MAX_FILE_BYTES

    def too_large(self) -> forms.ValidationError:
        return _too_large()


class OrgImportView(PermissionAdminView):
    template_name = "people/import_org.html"
    page_title = gettext_lazy("Import people")
    header_icon = "group"
    permission_required = PERMISSION

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", OrgUploadForm())
        context = super().get_context_data(**kwargs)
        context["columns"] = COLUMNS
        context["max_megabytes"] = MAX_MEGABYTES
        context["action_url"] = reverse("people_import_org")
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        applying = "content" in request.POST
        form = (
            OrgApplyForm(request.POST) if applying else OrgUploadForm(request.POST, request.FILES)
        )
        if not form.is_valid():
            if applying:
                return self.render_to_response(
                    self.get_context_data(form_errors=form.errors.get("content", []))
                )
            return self.render_to_response(self.get_context_data(form=form))
        text = form.cleaned_data["text"]
        dry_run = not applying and form.cleaned_data["dry_run"]
        try:
            summary = import_org_csv(file=io.StringIO(text), dry_run=dry_run)
        except OrgImportError as error:
            return self.render_to_response(
                self.get_context_data(
                    import_errors=error.errors,
                    import_error_message=str(error).splitlines()[0],
                )
            )
        context = {"summary": summary}
        if dry_run and summary.changes:
            context["apply_form"] = OrgApplyForm(initial={"content": text})
        if not dry_run:
            messages.success(request, _("People imported: %s.") % summary.totals())
        return self.render_to_response(self.get_context_data(**context))


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
