"""The admin page every tabular import uses: upload, dry run, apply (lms.core.tabular).

An import's page is a subclass of ``TabularImportView`` that names its permission, title,
limits, help text and how to run the import::

    class OrgImportView(TabularImportView):
        importer = importers.ORG_IMPORT           # a lms.core.tabular.TableImport
        permission_required = "people.change_user"
        page_title = gettext_lazy("Import people")
        url_name = "people_import_org"            # the page's own URL name
        help_template_name = "people/includes/import_org_help.html"
        success_message = gettext_lazy("People imported: %s.")

The flow: the upload form takes a CSV or Excel file (at most ``max_bytes``) with "Dry run"
ticked by default. A dry run shows the summary and, if anything would change, an "Import now"
button that posts the file back (``Table.text``: CSV text, or a workbook in base64); applying
reads and checks it
all again inside the import's transaction, so nothing changed meanwhile goes unnoticed. Problems
are shown as a headline and a table of row, column and message. The template is
``core/tabular_import.html``. Hooks for imports that need more: ``read_table`` (other
formats, e.g. JSON), ``run_import`` (gets the uploaded file's name, e.g. as the KPI records'
source), ``upload_form_class``/``apply_form_class``, ``apply_initial`` (what "Import now"
posts back) and ``summary_template_name`` (shown under
the table of rows).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.core.tabular import CSV, XLSX, Table, TableError, TableImport

MAX_FILE_BYTES = 2 * 1024 * 1024


class PermissionAdminView(WagtailAdminTemplateMixin, TemplateView):
    """An admin page for users with `permission_required` (one permission codename)."""

    permission_required: str = ""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(self.permission_required):
            # Wagtail's admin turns this into its "no permission" redirect.
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]


class PermissionMenuItem(MenuItem):
    """An admin menu item shown to users with ``permission`` (one permission codename)."""

    def __init__(self, *args, permission: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request) -> bool:
        return request.user.has_perm(self.permission)


def _too_large(max_bytes: int, command: str) -> forms.ValidationError:
    return forms.ValidationError(
        _("The file is larger than %(size)s MB; import it with the %(command)s command.")
        % {"size": max_bytes // (1024 * 1024), "command": command}
    )


class TabularUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        help_text=gettext_lazy(
            "CSV (UTF-8; commas, semicolons or tabs) or Excel (.xlsx), with a header row."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Only show what would change; store nothing."),
    )

    def __init__(self, *args, max_bytes: int = MAX_FILE_BYTES, command: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes, self.command = max_bytes, command

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise _too_large(self.max_bytes, self.command)
        self.cleaned_data["data"] = upload.read()
        # Where the file came from, for imports that store it (e.g. the KPI records' source).
        self.cleaned_data["source"] = (upload.name or "")[: TabularApplyForm.MAX_SOURCE]
        return upload


class TabularApplyForm(forms.Form):
    """The file of a successful dry run (``Table.text``), posted again to apply it."""

    MAX_SOURCE = 100

    content = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"hidden": True, "aria-hidden": "true"}),
    )
    file_format = forms.ChoiceField(
        choices=[(CSV, "CSV"), (XLSX, "Excel")], required=False, widget=forms.HiddenInput
    )
    # The uploaded file's name.
    source = forms.CharField(max_length=MAX_SOURCE, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, max_bytes: int = MAX_FILE_BYTES, command: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes, self.command = max_bytes, command

    def clean(self):
        cleaned = super().clean()
        if "content" not in cleaned:
            return cleaned
        size = len(cleaned["content"].encode())
        if cleaned.get("file_format") == XLSX:
            size = size * 3 // 4  # base64
        if size > self.max_bytes:
            self.add_error("content", _too_large(self.max_bytes, self.command))
            return cleaned
        # Read again by the view; TableError (e.g. damaged base64) is shown like any other.
        self.cleaned_data["data"] = (cleaned["content"], cleaned.get("file_format") or CSV)
        return cleaned


class TabularImportView(PermissionAdminView):
    """Upload → dry run → apply for one import; subclasses configure it (see the module)."""

    template_name = "core/tabular_import.html"
    header_icon = "upload"
    importer: TableImport
    url_name = ""
    help_template_name = ""
    success_message = gettext_lazy("Imported: %s.")
    nothing_to_do_message = gettext_lazy("Nothing would change: every row already matches.")
    max_bytes = MAX_FILE_BYTES
    upload_form_class = TabularUploadForm
    apply_form_class = TabularApplyForm
    # Shown below the table of rows, e.g. totals per group (optional).
    summary_template_name = ""

    def run_import(self, table: Table, *, dry_run: bool, source: str):
        """Run the import on ``table``; ``source`` is the uploaded file's name."""
        return self.importer.run(table=table, dry_run=dry_run)

    def read_table(self, data: bytes | tuple[str, str]) -> Table:
        """The table in an upload (bytes) or in a dry run posted back (text and format)."""
        if isinstance(data, tuple):
            data = Table.posted(*data)
        return self.importer.spec.read(data)

    def apply_initial(self, table: Table, *, source: str) -> dict:
        """What the "Import now" form posts back: the file, its format and name."""
        return {"content": table.text, "file_format": table.file_format, "source": source}

    def form_kwargs(self) -> dict:
        return {"max_bytes": self.max_bytes, "command": self.importer.command}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.upload_form_class(**self.form_kwargs()))
        context = super().get_context_data(**kwargs)
        context["columns"] = self.importer.spec.columns
        context["max_megabytes"] = self.max_bytes // (1024 * 1024)
        context["action_url"] = reverse(self.url_name)
        context["help_template_name"] = self.help_template_name
        context["key_label"] = self.importer.key_label
        context["nothing_to_do_message"] = self.nothing_to_do_message
        context["summary_template_name"] = self.summary_template_name
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        applying = "content" in request.POST
        if applying:
            form = self.apply_form_class(request.POST, **self.form_kwargs())
        else:
            form = self.upload_form_class(request.POST, request.FILES, **self.form_kwargs())
        if not form.is_valid():
            if applying:
                errors = [error for errors in form.errors.values() for error in errors]
                return self.render_to_response(self.get_context_data(form_errors=errors))
            return self.render_to_response(self.get_context_data(form=form))
        dry_run = not applying and form.cleaned_data["dry_run"]
        try:
            table = self.read_table(form.cleaned_data["data"])
            source = form.cleaned_data.get("source") or ""
            summary = self.run_import(table, dry_run=dry_run, source=source)
        except TableError as error:
            return self.render_to_response(
                self.get_context_data(
                    import_errors=error.errors, import_error_message=error.headline
                )
            )
        context = {"summary": summary}
        if dry_run and summary.changes:
            context["apply_form"] = self.apply_form_class(
                initial=self.apply_initial(table, source=source), **self.form_kwargs()
            )
        if not dry_run:
            messages.success(request, self.success_message % summary.totals())
        return self.render_to_response(self.get_context_data(**context))
