"""The Wagtail admin pages that import people from a CSV and unlock locked-out sign-ins."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from lms.core.admin_views import (
    PermissionAdminView,
    TabularApplyForm,
    TabularImportView,
    TabularUploadForm,
)
from lms.core.tabular import CSV, XLSX, Table
from lms.people import hr_formats, hr_import, importers, selectors, services

PERMISSION = "people.change_user"

FORMAT_CHOICES = [
    (hr_formats.AUTO, gettext_lazy("Recognise it")),
    (hr_formats.LMS, gettext_lazy("LMS org CSV (username, name, email, department, manager)")),
    (hr_formats.PERSONIO, gettext_lazy("Personio (CSV or Excel export, or the API's JSON)")),
    (hr_formats.SUCCESSFACTORS, gettext_lazy("SAP SuccessFactors (user data file)")),
    (hr_formats.BAMBOOHR, gettext_lazy("BambooHR (directory or report: CSV, Excel or JSON)")),
]


class _OrgOptions:
    """The file of an upload or of a posted-back dry run, and how to import it."""

    def __init__(self, data, hr_format: str, deactivate_missing: bool) -> None:
        self.data, self.hr_format, self.deactivate_missing = data, hr_format, deactivate_missing


class OrgUploadForm(TabularUploadForm):
    file = forms.FileField(
        label=gettext_lazy("CSV, Excel or JSON file"),
        help_text=gettext_lazy(
            "The LMS's org CSV, or an HR system's employee export as downloaded (CSV, .xlsx "
            "or JSON)."
        ),
    )
    hr_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=FORMAT_CHOICES,
        initial=hr_formats.AUTO,
        required=False,
    )
    deactivate_missing = forms.BooleanField(
        label=gettext_lazy("Deactivate people missing from the export"),
        required=False,
        help_text=gettext_lazy(
            "Only for a full export of an HR system: active people with an employee ID who are "
            "not in it are deactivated (never deleted; superusers and you stay active)."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if "data" in cleaned and "hr_format" in cleaned:
            cleaned["data"] = _OrgOptions(
                cleaned["data"],
                cleaned["hr_format"] or hr_formats.AUTO,
                cleaned.get("deactivate_missing", False),
            )
        return cleaned


class OrgApplyForm(TabularApplyForm):
    file_format = forms.ChoiceField(
        choices=[(CSV, "CSV"), (XLSX, "Excel"), (hr_formats.JSON, "JSON")],
        required=False,
        widget=forms.HiddenInput,
    )
    hr_format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, widget=forms.HiddenInput)
    deactivate_missing = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "data" in cleaned:
            cleaned["data"] = _OrgOptions(
                cleaned["data"],
                cleaned.get("hr_format") or hr_formats.AUTO,
                cleaned.get("deactivate_missing", False),
            )
        return cleaned


class OrgImportView(TabularImportView):
    """The LMS's org CSV and the HR systems' exports (lms.people.hr_formats)."""

    importer = importers.ORG_IMPORT
    permission_required = PERMISSION
    page_title = gettext_lazy("Import people")
    header_icon = "group"
    url_name = "people_import_org"
    help_template_name = "people/includes/import_org_help.html"
    summary_template_name = "people/includes/hr_import_summary.html"
    success_message = gettext_lazy("People imported: %s.")
    upload_form_class = OrgUploadForm
    apply_form_class = OrgApplyForm
    deactivate_missing = False

    def read_table(self, data: _OrgOptions):
        self.deactivate_missing = data.deactivate_missing
        source = data.data
        if isinstance(source, tuple):
            source = hr_formats.export_of_posted(*source)
        return hr_formats.read_org_file(source, hr_format=data.hr_format)

    def run_import(self, table, *, dry_run: bool, source: str):
        if isinstance(table, hr_formats.HrExport):
            return hr_import.import_hr(
                export=table,
                dry_run=dry_run,
                deactivate_missing=self.deactivate_missing,
                acting_user=self.request.user,
            )
        if self.deactivate_missing:
            raise importers.OrgImportError(
                _(
                    "“Deactivate people missing from the export” needs an HR system's full "
                    "export; this is the LMS's own CSV."
                )
            )
        return importers.import_org(table=table, dry_run=dry_run)

    def apply_initial(self, table, *, source: str) -> dict:
        initial = super().apply_initial(table, source=source)
        if isinstance(table, Table):
            initial["hr_format"] = hr_formats.LMS
        else:
            initial["hr_format"] = table.hr_format
            initial["deactivate_missing"] = self.deactivate_missing
        return initial


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
