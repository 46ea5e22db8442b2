"""Wagtail admin pages for KPI data: uploading a CSV/JSON file and issuing integration tokens.

The import's parsing and checks live in lms/kpis/importers.py; the tokens are Wagtail's API
tokens of service users (lms/kpis/services.py), which Settings › API tokens lists as well.
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
from wagtail.models import APIToken

from lms.admin_views import ApplyDryRunForm, PermissionAdminView
from lms.core.input_safety import MalformedInput, NotUtf8, decode_text
from lms.kpis import selectors, services
from lms.kpis.importers import (
    COLUMNS,
    MAX_SOURCE,
    KpiImportError,
    import_kpi_records,
    parse_kpi_csv,
    parse_kpi_json,
)
from lms.kpis.models import INTEGRATIONS_GROUP, IntegrationToken
from lms.people.models import User

PERMISSION = "kpis.add_kpirecord"
# The content of a dry run travels with the page for "Import now"; larger files belong on the
# command line.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_MEGABYTES = MAX_FILE_BYTES // (1024 * 1024)
CSV, JSON = "csv", "json"


def _too_large() -> forms.ValidationError:
    return forms.ValidationError(
        _("The file is larger than %(size)s MB; import it with the import_kpis command.")
        % {"size": MAX_MEGABYTES}
    )


def _guess_format(name: str, data: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return JSON
    if lowered.endswith(".csv"):
        return CSV
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return JSON if start in (b"[", b"{") else CSV


class KpiUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or JSON file"),
        help_text=gettext_lazy(
            "A CSV (UTF-8, header row, commas or semicolons) or a JSON list of records."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Only check the file and show what would be imported."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise _too_large()
        data = upload.read()
        file_format = _guess_format(upload.name or "", data)
        try:
            text = decode_text(data)
        except NotUtf8 as error:
            message = (
                _(
                    "The file is not UTF-8 (byte %(byte)s). In Excel, save it as "
                    "“CSV UTF-8 (comma delimited)”."
                )
                if file_format == CSV
                else _("The JSON is not UTF-8 (byte %(byte)s).")
            )
            raise forms.ValidationError(message % {"byte": error.byte}) from None
        except MalformedInput as error:
            raise forms.ValidationError(error.message) from None
        self.cleaned_data["text"] = text
        self.cleaned_data["format"] = file_format
        self.cleaned_data["source"] = (upload.name or _("admin upload"))[:MAX_SOURCE]
        return upload


class KpiApplyForm(ApplyDryRunForm):
    max_bytes = MAX_FILE_BYTES

    file_format = forms.ChoiceField(
        choices=[(CSV, "CSV"), (JSON, "JSON")], widget=forms.HiddenInput
    )
    source = forms.CharField(max_length=MAX_SOURCE, required=False, widget=forms.HiddenInput)

    def too_large(self) -> forms.ValidationError:
        return _too_large()

    def clean(self):
        cleaned = super().clean()
        cleaned["text"] = cleaned.get("content", "")
        cleaned["format"] = cleaned.get("file_format", CSV)
        return cleaned


class _KpiAdminView(PermissionAdminView):
    permission_required = PERMISSION


class KpiImportView(_KpiAdminView):
    template_name = "kpis/admin/import.html"
    page_title = gettext_lazy("Import KPIs")
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", KpiUploadForm())
        context = super().get_context_data(**kwargs)
        context["columns"] = COLUMNS
        context["max_megabytes"] = MAX_MEGABYTES
        context["action_url"] = reverse("rollout_kpi_import")
        context["token_url"] = reverse("rollout_kpi_token_new")
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        applying = "content" in request.POST
        form = (
            KpiApplyForm(request.POST) if applying else KpiUploadForm(request.POST, request.FILES)
        )
        if not form.is_valid():
            if applying:
                errors = [error for errors in form.errors.values() for error in errors]
                return self.render_to_response(self.get_context_data(form_errors=errors))
            return self.render_to_response(self.get_context_data(form=form))
        text, file_format = form.cleaned_data["text"], form.cleaned_data["format"]
        source = form.cleaned_data["source"]
        dry_run = not applying and form.cleaned_data["dry_run"]
        try:
            records = parse_kpi_csv(text) if file_format == CSV else parse_kpi_json(text)
            summary = import_kpi_records(records=records, source=source, dry_run=dry_run)
        except KpiImportError as error:
            return self.render_to_response(
                self.get_context_data(
                    import_errors=error.errors, import_error_message=error.headline
                )
            )
        context = {"summary": summary}
        if dry_run and summary.created:
            context["apply_form"] = KpiApplyForm(
                initial={"content": text, "file_format": file_format, "source": source}
            )
        if not dry_run:
            messages.success(request, _("KPIs imported: %s.") % summary.totals())
        return self.render_to_response(self.get_context_data(**context))


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=MAX_SOURCE,
        help_text=gettext_lazy("Which system uses the token, e.g. “CRM (Salesforce)”."),
    )
    user = forms.ModelChoiceField(
        label=gettext_lazy("Service user"),
        queryset=User.objects.none(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.service_users()
        self.fields["user"].help_text = _(
            "The user the system acts as. It needs the permission “Can send KPI records "
            "through the API”: put it in the group “%(group)s”."
        ) % {"group": INTEGRATIONS_GROUP}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if selectors.token_name_taken(name):
            raise forms.ValidationError(_("There is already a token with this name."))
        return name


class TokenCreateView(_KpiAdminView):
    template_name = "kpis/admin/tokens.html"
    page_title = gettext_lazy("Issue an integration token")
    header_icon = "key"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", TokenForm())
        context = super().get_context_data(**kwargs)
        context["action_url"] = reverse("rollout_kpi_token_new")
        context["import_url"] = reverse("rollout_kpi_import")
        context["api_url"] = self.request.build_absolute_uri(reverse("api_kpis"))
        context["docs_url"] = reverse("openapi-view")
        context["schema_url"] = self.request.build_absolute_uri(reverse("openapi-json"))
        context["group_name"] = INTEGRATIONS_GROUP
        context["tokens"] = selectors.integration_tokens()
        context["legacy_tokens"] = selectors.legacy_tokens()
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        token, raw = services.issue_token(
            name=form.cleaned_data["name"], user=form.cleaned_data["user"], by=request.user
        )
        response = self.render_to_response(self.get_context_data(token=token, raw_token=raw))
        # The raw token is shown this once; no cache may keep it.
        add_never_cache_headers(response)
        return response


def _deactivate(request: HttpRequest, model, pk: int, action) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("rollout_kpi_token_new")
    queryset = selectors.integration_tokens() if model is APIToken else model.objects.all()
    token = get_object_or_404(queryset, pk=pk)
    if action(token):
        messages.success(request, _("The token “%(name)s” is deactivated.") % {"name": token.name})
    return redirect("rollout_kpi_token_new")


def deactivate_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a service user's API token."""
    return _deactivate(
        request, APIToken, pk, lambda token: services.revoke_token(token, by=request.user)
    )


def deactivate_legacy_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate an integration token of the previous release."""
    return _deactivate(request, IntegrationToken, pk, services.deactivate_legacy_token)
