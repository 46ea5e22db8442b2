"""Wagtail admin pages for KPI data: uploading a CSV, Excel or JSON file, issuing tokens.

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

from lms.core.admin_views import (
    PermissionAdminView,
    TabularApplyForm,
    TabularImportView,
    TabularUploadForm,
)
from lms.core.tabular import CSV, XLSX, Table
from lms.kpis import selectors, services
from lms.kpis.importers import JSON, KPI_IMPORT, MAX_SOURCE, import_kpi_table, json_table
from lms.kpis.models import INTEGRATIONS_GROUP, IntegrationToken
from lms.people.models import User

PERMISSION = "kpis.add_kpirecord"


def _is_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")


class KpiUploadForm(TabularUploadForm):
    file = forms.FileField(
        label=gettext_lazy("CSV, Excel or JSON file"),
        help_text=gettext_lazy(
            "CSV (UTF-8; commas, semicolons or tabs) or Excel (.xlsx) with a header row, "
            "or a JSON list of records."
        ),
    )


class KpiApplyForm(TabularApplyForm):
    file_format = forms.ChoiceField(
        choices=[(CSV, "CSV"), (XLSX, "Excel"), (JSON, "JSON")],
        required=False,
        widget=forms.HiddenInput,
    )


class _KpiAdminView(PermissionAdminView):
    permission_required = PERMISSION


class KpiImportView(TabularImportView):
    """The shared tabular import page (lms.core.admin_views), which also takes JSON files."""

    importer = KPI_IMPORT
    permission_required = PERMISSION
    page_title = gettext_lazy("Import KPIs")
    url_name = "rollout_kpi_import"
    help_template_name = "kpis/admin/import_help.html"
    summary_template_name = "kpis/admin/import_departments.html"
    success_message = gettext_lazy("KPIs imported: %s.")
    nothing_to_do_message = gettext_lazy(
        "Nothing would be stored: every record has been imported before."
    )
    upload_form_class = KpiUploadForm
    apply_form_class = KpiApplyForm

    def read_table(self, data: bytes | tuple[str, str]) -> Table:
        if isinstance(data, tuple) and data[1] == JSON:
            return json_table(data[0])
        if isinstance(data, bytes) and _is_json(data):
            return json_table(data)
        return super().read_table(data)

    def run_import(self, table: Table, *, dry_run: bool, source: str):
        source = (source or _("admin upload"))[:MAX_SOURCE]
        return import_kpi_table(table=table, dry_run=dry_run, source=source)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token_url"] = reverse("rollout_kpi_token_new")
        return context


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
