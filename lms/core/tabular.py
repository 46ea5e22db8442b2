"""Tabular imports: one reader for CSV and Excel files, row checks with Django forms, summaries.

Every import of a table (people, quiz questions, KPI figures) goes through here, so that
encoding, delimiter, limits and the wording of problems are the same everywhere.

How an import uses it::

    SPEC = TableSpec(columns=("username", "name", ...), required=(...), error_class=MyError)

    def import_things(*, table: Table, dry_run=False) -> ImportSummary:
        errors: list[RowError] = []
        rows = check_rows(table, MyRowForm, errors, context=...)   # one Django form per row
        ...cross-row checks (duplicates, loops, stored values) append RowError(rows, column, text)
        if errors:
            raise MyError(errors=errors)
        summary = ImportSummary(dry_run=dry_run)
        with transaction.atomic():              # apply: everything or nothing
            ...summary.rows.append(RowChange(row, key, CREATE|UPDATE|UNCHANGED, description))

    THINGS = TableImport(SPEC, import_things, command="import_things", key_label=gettext_lazy("Name"))
    THINGS.from_file(file, dry_run=True)         # a path's file, bytes or text; raises MyError

Reading (``TableSpec.read``):

* A file that starts like a zip archive is an Excel workbook (``.xlsx``, read with openpyxl):
  its first worksheet is the table. Formula cells are read as the value Excel stored with them
  (what the person saw); a formula without a stored value is refused as a row error. Nothing is
  ever evaluated. Numbers that are whole read as "3", dates as "2025-03-01", booleans as
  "true"/"false". An old binary ``.xls`` is refused with a hint.
* Anything else is CSV text: UTF-8 with or without byte order mark, or UTF-16 with a byte
  order mark (Excel's "Unicode text"). Other encodings (Windows-1252, Latin-1) are refused with
  a clear message rather than guessed: a wrong guess would silently store wrong names. A NUL
  character (a damaged or binary file) is refused naming its line.
* The delimiter is found in the header row: comma, semicolon or tab, whichever splits it into
  the most columns (comma on a tie).
* The header names the columns (any order, any case); unknown, doubled and missing required
  columns are reported together as one problem in row 1. Rows are numbered as a spreadsheet
  shows them (the header is row 1); blank rows are skipped; a row with more cells than the
  header is an error. Cells are stripped; a missing optional column reads as "".
* Limits: ``max_rows`` per spec, and what a workbook may unpack to. The size of an upload is
  limited by the admin page (``TabularImportView.max_bytes``); commands read files of any size.

Checking (``check_rows``): each row's values are the data of one Django form, so field errors
come in the active language; each becomes a ``RowError`` naming the row and the column (the
form field's name; errors of ``clean()`` without a field have no column). Every row comes back
as a ``CheckedRow`` with its raw ``values`` and, if valid, the form's ``cleaned`` data, so the
cross-row checks can still look at rows that have errors.

Errors: ``TableError`` is either one message (the file cannot be read at all: encoding, size,
format; ``errors`` is empty) or a headline with one line per ``RowError``. Each import
subclasses it to word the headline (``headline_for``) and the lines (``line``); ``headline`` is
the first line, which the admin page shows above the table of errors.

Summaries: ``ImportSummary`` holds one ``RowChange`` per row (created, updated or unchanged,
with a description); the admin page and the commands show it. An import may return its own
summary class if it offers ``dry_run``, ``rows``, ``changes``, ``totals()`` and ``lines()``.

The admin page for all imports is ``lms.core.admin_views.TabularImportView``.

JSON records (lms/kpis: uploads, ``--format json`` and the API) do not need the reader: each
is a ``Row`` (number = its position) of a ``Table`` whose ``text`` is the JSON, so they go
through the same row form; their errors (``KpiError``) say "record N", and the KPI
admin page overrides ``TabularImportView.read_table`` to read a JSON upload that way.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.core.input_safety import MalformedInput, NotUtf8, check_text, decode_text

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
CSV, XLSX = "csv", "xlsx"
DELIMITERS = (",", ";", "\t")
MAX_ROWS = 100_000
# What the parts of a workbook may unpack to: a few MB of .xlsx are tens of MB of XML.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_COLUMNS = 200
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Office formats (.xls)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class RowError:
    """One problem: the rows it concerns (1 is the header), the column (or ""), the message."""

    rows: tuple[int, ...]
    column: str
    message: str

    def place(self, *, column: bool = True) -> str:
        """“row 3, email”, “rows 2, 4, username”, or without the column “row 3”."""
        label = ngettext("row %(rows)s", "rows %(rows)s", len(self.rows)) % {
            "rows": ", ".join(str(row) for row in self.rows)
        }
        return f"{label}, {self.column}" if column and self.column else label

    def __str__(self) -> str:
        return f"{self.place()}: {self.message}"


class TableError(Exception):
    """Input that cannot be imported: one ``message``, or ``errors`` under a headline.

    Subclasses word the text of a list of errors: ``headline_for(count)`` and ``line(error)``.
    """

    def __init__(self, message: str | None = None, *, errors: Sequence[RowError] = ()) -> None:
        self.errors = sorted(errors, key=lambda error: error.rows)
        super().__init__(message if message is not None else self.text())

    def headline_for(self, count: int) -> str:
        return ngettext(
            "The CSV has %(count)s error; nothing was imported.",
            "The CSV has %(count)s errors; nothing was imported.",
            count,
        ) % {"count": count}

    def line(self, error: RowError) -> str:
        return str(error)

    def text(self) -> str:
        return "\n".join([self.headline_for(len(self.errors)), *map(self.line, self.errors)])

    @property
    def headline(self) -> str:
        return str(self).splitlines()[0] if str(self) else ""

    @classmethod
    def like(cls, error: TableError) -> TableError:
        """The same problem as another import's (or the reader's) error, worded by ``cls``."""
        if error.errors:
            return cls(errors=error.errors)
        return cls(str(error))


@dataclass
class Row:
    """One row of a table: its number as a spreadsheet shows it, and its cells by column."""

    number: int
    values: dict[str, str]
    cells: int
    # More cells than the header has columns (non-empty ones beyond the last column).
    overflow: bool = False


@dataclass
class Table:
    """The header (lower-cased column names as in the file) and the non-blank rows.

    ``text`` is what the admin page posts back to apply a dry run: a CSV's own text, or a
    workbook's bytes in base64 (``file_format`` says which: CSV or XLSX).
    """

    header: list[str]
    rows: list[Row]
    text: str
    file_format: str = "csv"

    def source(self) -> str | bytes:
        """The file again, for ``TableSpec.read``."""
        if self.file_format != XLSX:
            return self.text
        try:
            return base64.b64decode(self.text, validate=True)
        except (binascii.Error, ValueError):
            raise TableError(_unreadable()) from None

    @staticmethod
    def posted(text: str, file_format: str) -> str | bytes:
        """What ``text`` and ``file_format`` posted back stand for, for ``TableSpec.read``."""
        return Table([], [], text, file_format).source()


@dataclass
class CheckedRow:
    """A row after its form ran: the raw values, the cleaned data (empty if not valid)."""

    number: int
    values: dict[str, str]
    cleaned: dict[str, Any]
    valid: bool


@dataclass(frozen=True)
class TableSpec:
    """What one import reads: its columns, which are required, its error class, its limits."""

    columns: tuple[str, ...]
    # Columns the header must have; None: all of them.
    required: tuple[str, ...] | None = None
    error_class: type[TableError] = TableError
    max_rows: int = MAX_ROWS

    @property
    def header_row(self) -> str:
        return ",".join(self.columns)

    def read(self, file: IO[str] | IO[bytes] | str | bytes) -> Table:
        """The table in ``file`` (a CSV or .xlsx file, its bytes, or CSV text).

        Raises ``error_class`` for a file that is no such table.
        """
        try:
            cells, text, file_format = read_cells(file, max_rows=self.max_rows)
            return self._table(cells, text, file_format)
        except TableError as error:
            raise self.error_class.like(error) from None

    def _table(self, cells: list[list[str]], text: str, file_format: str) -> Table:
        if not any(cell.strip() for row in cells for cell in row):
            raise TableError(
                errors=[
                    RowError(
                        (1,),
                        "",
                        _("the file is empty; it needs the header row %s") % self.header_row,
                    )
                ]
            )
        if len(cells) - 1 > self.max_rows:
            raise TableError(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": self.max_rows}
            )
        header = [cell.strip().lower() for cell in cells[0]]
        self._check_header(header)
        rows = []
        for number, row_cells in enumerate(cells[1:], start=2):
            if not any(cell.strip() for cell in row_cells):
                continue
            values = dict.fromkeys(self.columns, "")
            values.update(
                {name: cell.strip() for name, cell in zip(header, row_cells, strict=False)}
            )
            overflow = any(cell.strip() for cell in row_cells[len(header) :])
            rows.append(Row(number, values, len(row_cells), overflow))
        return Table(header, rows, text, file_format)

    def _check_header(self, header: list[str]) -> None:
        problems = []
        unknown = [name for name in header if name not in self.columns]
        if unknown:
            problems.append(_("unknown column(s) %(unknown)s") % {"unknown": ", ".join(unknown)})
        doubled = sorted({name for name in header if name and header.count(name) > 1})
        if doubled:
            problems.append(
                _("the column(s) %(doubled)s appear twice") % {"doubled": ", ".join(doubled)}
            )
        required = self.columns if self.required is None else self.required
        missing = [name for name in required if name not in header]
        if missing:
            problems.append(
                _("the column(s) %(missing)s are missing") % {"missing": ", ".join(missing)}
            )
        if problems:
            hint = _("The header row must be: %s") % self.header_row
            raise TableError(errors=[RowError((1,), "", f"{'; '.join(problems)}. {hint}")])


def read_cells(
    file: IO[str] | IO[bytes] | str | bytes, *, max_rows: int = MAX_ROWS
) -> tuple[list[list[str]], str, str]:
    """Every row of a CSV or .xlsx file as a list of cell texts, for readers whose header is
    not one row of known columns (e.g. the HR exports of lms.people.hr_formats).

    Returns ``(cells, text, file_format)``, where ``text`` and ``file_format`` are what
    ``Table.text`` and ``Table.file_format`` hold. The same reading and limits as
    ``TableSpec.read`` (which uses it); raises TableError.
    """
    data = file if isinstance(file, str | bytes) else file.read()
    if isinstance(data, bytes) and data.startswith(_ZIP):
        return _read_workbook(data, max_rows), base64.b64encode(data).decode(), XLSX
    if isinstance(data, bytes) and data.startswith(_OLE):
        raise TableError(
            _(
                "This is an old Excel file (.xls). In Excel, save it as “Excel "
                "workbook (.xlsx)” or as “CSV UTF-8 (comma delimited)”."
            )
        )
    text = _decode(data)
    return _read_csv(text, max_rows), text, CSV


@dataclass(frozen=True)
class TableImport:
    """One import: the table it reads, the function that checks and stores a table, the
    management command for files too large for the admin, and what its summary's key
    column holds (e.g. "Username")."""

    spec: TableSpec
    # run(table=Table, dry_run=bool) -> summary; raises spec.error_class.
    run: Callable[..., Any]
    command: str
    key_label: str = ""

    def from_file(self, file: IO[str] | IO[bytes] | str | bytes, *, dry_run: bool = False):
        """Read ``file`` (CSV or .xlsx) and run the import on it."""
        return self.run(table=self.spec.read(file), dry_run=dry_run)


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes) and data.startswith(_UTF16_BOMS):
        try:
            data = data.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError(_("The file is damaged: it is not valid UTF-16 text.")) from None
    try:
        return decode_text(data)
    except NotUtf8 as error:
        raise TableError(
            _(
                "The file is not UTF-8 (byte %(byte)s). In Excel, save it as "
                "“CSV UTF-8 (comma delimited)”."
            )
            % {"byte": error.byte}
        ) from None
    except MalformedInput as error:
        raise TableError(error.message) from None


def _delimiter(header_line: str) -> str:
    """Comma, semicolon or tab: whichever splits the header row into the most columns."""

    def columns(delimiter: str) -> int:
        try:
            return max(len(row) for row in csv.reader([header_line], delimiter=delimiter))
        except (csv.Error, ValueError):  # e.g. a cell beyond csv's field size limit
            return header_line.count(delimiter) + 1

    return max(DELIMITERS, key=columns)  # max keeps the first (the comma) on a tie


def _read_csv(text: str, max_rows: int) -> list[list[str]]:
    if not text.strip():
        return []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.splitlines()[0]))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > max_rows + 1:
                break
    except csv.Error as error:
        raise TableError(
            errors=[
                RowError(
                    (reader.line_num,), "", _("the CSV is malformed (%(error)s)") % {"error": error}
                )
            ]
        ) from None
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _read_workbook(data: bytes, max_rows: int) -> list[list[str]]:
    """The first worksheet's cells as text."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError(_unreadable()) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(
            _("The Excel file unpacks to more than %(size)s MB; split it into smaller files.")
            % {"size": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        cells, errors = _workbook_cells(data, max_rows)
    except TableError:
        raise
    except Exception as error:
        # A damaged workbook makes openpyxl (or the zip and XML parsers) raise all kinds of
        # errors; none of them is a fault of ours.
        if isinstance(error, zipfile.BadZipFile | KeyError | ValueError | TypeError | OSError):
            raise TableError(_unreadable()) from None
        if type(error).__module__.split(".")[0] in {"openpyxl", "xml", "defusedxml"}:
            raise TableError(_unreadable()) from None
        raise
    if errors:
        raise TableError(errors=errors)
    for number, row in enumerate(cells, start=1):
        for cell in row:
            try:  # openpyxl turns "_x0000_" into a NUL character
                check_text(cell, where=_("Line %(line)s of the file") % {"line": number})
            except MalformedInput as error:
                raise TableError(error.message) from None
    return cells


def _unreadable() -> str:
    return _(
        "The Excel file cannot be read. Save it again as “Excel workbook (.xlsx)” or as "
        "“CSV UTF-8 (comma delimited)”."
    )


def _workbook_cells(data: bytes, max_rows: int) -> tuple[list[list[str]], list[RowError]]:
    # openpyxl is needed for workbooks only; importing it takes time at start-up.
    from openpyxl import load_workbook

    # Two views of the first sheet: the values Excel stored, and the cells as written, where a
    # formula is its text. openpyxl evaluates nothing.
    stored_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    written_book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        pairs = zip(
            stored_book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True),
            written_book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True),
            strict=False,
        )
        cells: list[list[str]] = []
        errors: list[RowError] = []
        for number, (stored, written) in enumerate(pairs, start=1):
            row = [_cell_text(value) for value in stored]
            for index, (value, formula) in enumerate(zip(stored, written, strict=False)):
                if value is None and formula is not None:
                    header = cells[0] if cells else []
                    column = header[index].strip().lower() if index < len(header) else ""
                    errors.append(
                        RowError(
                            (number,),
                            column,
                            _(
                                "the cell holds a formula without a stored result; open the "
                                "file in Excel and save it again, or type in the value"
                            ),
                        )
                    )
            while row and not row[-1]:
                row.pop()
            cells.append(row)
            if len(cells) > max_rows + 1:
                break
    finally:
        stored_book.close()
        written_book.close()
    return cells, errors


def check_rows(
    table: Table,
    form_class: type[forms.Form],
    errors: list[RowError],
    **form_kwargs: Any,
) -> list[CheckedRow]:
    """Run ``form_class`` on every row; append each field error to ``errors``.

    A row with more cells than the header is reported here and left out.
    """
    checked = []
    for row in table.rows:
        if row.overflow:
            errors.append(
                RowError(
                    (row.number,),
                    "",
                    _("has %(cells)s cells but the header has %(columns)s columns")
                    % {"cells": row.cells, "columns": len(table.header)},
                )
            )
            continue
        form = form_class(data=row.values, **form_kwargs)
        valid = form.is_valid()
        for name, messages in form.errors.items():
            column = "" if name == NON_FIELD_ERRORS else name
            errors.extend(RowError((row.number,), column, message) for message in messages)
        checked.append(
            CheckedRow(row.number, row.values, form.cleaned_data if valid else {}, valid)
        )
    return checked


@dataclass
class RowChange:
    """What one row does (or would do): create, update or leave unchanged its record."""

    row: int
    key: str
    action: str  # CREATE, UPDATE or UNCHANGED
    description: str
    # For updates: (field, before, after).
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return _("row %(row)s: %(description)s") % {
            "row": self.row,
            "description": self.description,
        }


@dataclass
class ImportSummary:
    """Per row what changed (or would change), with counts."""

    dry_run: bool = False
    rows: list[RowChange] = field(default_factory=list)

    def _count(self, action: str) -> int:
        return sum(1 for change in self.rows if change.action == action)

    @property
    def created(self) -> int:
        return self._count(CREATE)

    @property
    def updated(self) -> int:
        return self._count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def changes(self) -> list[RowChange]:
        return [change for change in self.rows if change.action != UNCHANGED]

    def totals(self) -> str:
        return row_totals(self.created, self.updated, self.unchanged, dry_run=self.dry_run)

    def lines(self) -> list[str]:
        lines = [str(change) for change in self.rows]
        lines.append(self.totals())
        if self.dry_run:
            lines.append(_("Dry run: nothing was stored."))
        return lines


def row_totals(created: int, updated: int, unchanged: int, *, dry_run: bool) -> str:
    counts = {"created": created, "updated": updated, "unchanged": unchanged}
    if dry_run:
        return (
            _("%(created)s would be created, %(updated)s would be updated, %(unchanged)s unchanged")
            % counts
        )
    return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % counts
