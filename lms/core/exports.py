"""CSV downloads, streamed: a company-wide export has tens of thousands of rows.

Every CSV the project writes goes through this module (tests/test_export_safety.py
checks that no other module calls csv.writer), because a spreadsheet runs any cell
that starts like a formula. Names, titles and notes come from imports and from
people's own account pages, so a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with an apostrophe in front (OWASP's
advice on CSV injection): Excel and LibreOffice then show it as text.

Numbers stay numbers: an int, float or Decimal our code writes is not text and is
written as it is, so a real ``-3`` stays a number a spreadsheet can add up. Text that
merely looks like a number (``"-3"``) is neutralised like any other text: write
numbers as numbers.

The apostrophe is reversible: a text cell that already starts with apostrophes
followed by one of those characters gets one more, and ``restore_cell`` takes one
away, so a file exported for editing (quiz questions) imports again unchanged.

Downloads for people (the team's assignments, the sign-off reports) are described once
as an ``ExportSpec`` (its columns: label and kind) and rendered by ``export_response``
either as CSV or as an .xlsx workbook, in the language of the request:

- CSV for German Excel: ``;`` between cells, German column names and labels, dates as
  ``31.12.2026``; for English ``,`` and ``2026-12-31``. Always UTF-8 with a byte order
  mark, so Excel reads the umlauts.
- .xlsx: the same columns and rows as typed cells (dates are dates, numbers numbers),
  written by openpyxl's write-only workbook; text is neutralised like the CSV's, so a
  name such as ``=HYPERLINK(...)`` stays text even after the sheet is saved as CSV.
- Codes become labels (``overdue`` -> "Überfällig"/"Overdue"), timestamps local time
  (settings.TIME_ZONE).
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from django.db import connections
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from lms.core import export_sql

ROWS_PER_CHUNK = 1000

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _formula_like(text: str) -> bool:
    first = text[:1]
    if first == QUOTE:
        first = text.lstrip(QUOTE)[:1]
    return first in FORMULA_STARTS


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cannot run it: numbers unchanged, text neutralised."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    return QUOTE + text if _formula_like(text) else text


# Text that starts otherwise is written as it is; checked inline, as a company-wide
# export has a few hundred thousand cells.
_MAY_NEED_QUOTE = FORMULA_STARTS | {QUOTE}


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [
        value if value.__class__ is str and value[:1] not in _MAY_NEED_QUOTE else safe_cell(value)
        for value in row
    ]


def restore_cell(text: str) -> str:
    """Undo safe_cell on a cell read back from one of our files."""
    if text[:1] == QUOTE and _formula_like(text):
        return text[1:]
    return text


def _safe_text(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is str and value[:1] not in _MAY_NEED_QUOTE:
        return value
    return QUOTE + str(value) if _formula_like(str(value)) else str(value)


class SafeWriter:
    """A csv.writer whose cells cannot start a formula; the only CSV writer to use."""

    def __init__(self, file: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(map(safe_row, rows))


# --- Tables described once, written as CSV or .xlsx -------------------------------------

TEXT = "text"  # any text: neutralised
NUMBER = "number"  # int, float or Decimal written by our code (None: empty)
DATE = "date"  # a date (or ISO text "2026-12-31")
DATETIME = "datetime"  # an aware datetime, shown in local time
LABEL = "label"  # a code shown through Column.labels (unknown codes as they are)
YES_NO = "yes_no"  # truthy -> "Yes", falsy -> "No"

YES, NO = gettext_lazy("Yes"), gettext_lazy("No")


@dataclass(frozen=True)
class Column:
    label: str | Promise
    kind: str = TEXT
    labels: Mapping[str, str | Promise] = field(default_factory=dict)
    width: int = 18  # characters, for the workbook


@dataclass(frozen=True)
class ExportSpec:
    """The columns of one download; rows are sequences of values in this order."""

    columns: tuple[Column, ...]

    def header(self) -> list[str]:
        """The column names in the active language."""
        return [str(capfirst(column.label)) for column in self.columns]


@dataclass(frozen=True)
class Dialect:
    """How a language's spreadsheets expect dates, numbers and separators."""

    delimiter: str
    date: str  # strftime
    datetime: str
    decimal: str
    xlsx_date: str  # Excel number format
    xlsx_datetime: str


DIALECTS = {
    "de": Dialect(";", "%d.%m.%Y", "%d.%m.%Y %H:%M", ",", "DD.MM.YYYY", "DD.MM.YYYY HH:MM"),
    "en": Dialect(",", "%Y-%m-%d", "%Y-%m-%d %H:%M", ".", "YYYY-MM-DD", "YYYY-MM-DD HH:MM"),
}


def current_dialect() -> Dialect:
    language = (translation.get_language() or "en").split("-")[0]
    return DIALECTS.get(language, DIALECTS["en"])


def _as_date(value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _as_local(value: datetime.datetime | None, tz) -> datetime.datetime | None:
    """Local wall-clock time without tzinfo (a workbook has no time zones)."""
    if value is None or value == "":
        return None
    if timezone.is_aware(value):
        value = value.astimezone(tz)
    return value.replace(tzinfo=None)


def _label_map(column: Column) -> dict[str, str]:
    return {code: str(capfirst(label)) for code, label in column.labels.items()}


# A company-wide export converts a few hundred thousand cells: the converters below are
# chosen once per column, text cells that cannot start a formula pass through unchanged,
# and dates and times are converted once per distinct value (a sign-off campaign has many
# rows with the same minute), in a memo that is emptied when it grows.
_MEMO_LIMIT = 4096
_FORMULA_PREFIXES = tuple(_MAY_NEED_QUOTE)


def _memoized(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[Any, Any] = {}

    def cached(value):
        try:
            return memo[value]
        except KeyError:
            result = memo[value] = convert(value)
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            return result
        except TypeError:  # unhashable
            return convert(value)

    return cached


def _per_column(spec: ExportSpec, *, number, date, moment, text, yes, no) -> list[Callable | None]:
    """One converter per column of ``spec``, from the format's converter for each kind;
    None for a text column (handled inline by _row_converter)."""

    def label(labels):
        get = labels.get

        def to_label(value):
            return get(value) or text(value)

        return to_label

    def yes_no(value):
        return yes if value else no

    by_kind = {NUMBER: number, DATE: _memoized(date), DATETIME: _memoized(moment), YES_NO: yes_no}
    converters: list[Callable | None] = []
    for column in spec.columns:
        if column.kind == LABEL:
            converters.append(label(_label_map(column)))
        elif column.kind in by_kind:
            converters.append(by_kind[column.kind])
        else:
            converters.append(None)
    return converters


def _row_converter(
    converters: Sequence[Callable | None], text: Callable[[Any], Any]
) -> Callable[[Sequence], list]:
    """A function of a row to its cells: ``text`` for text columns whose value is not a
    string or may start a formula, the column's converter for the others."""
    width = len(converters)
    text_columns = tuple(index for index, to_cell in enumerate(converters) if to_cell is None)
    other_columns = tuple(
        (index, to_cell) for index, to_cell in enumerate(converters) if to_cell is not None
    )
    prefixes = _FORMULA_PREFIXES

    def convert(row: Sequence) -> list:
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"A row has {len(cells)} cells, the export {width} columns.")
        for index in text_columns:
            value = cells[index]
            if value.__class__ is not str or value.startswith(prefixes):
                cells[index] = text(value)
        for index, to_cell in other_columns:
            cells[index] = to_cell(cells[index])
        return cells

    return convert


def _csv_converters(spec: ExportSpec, dialect: Dialect) -> list[Callable[[Any], Any]]:
    tz = timezone.get_current_timezone()
    yes, no = str(YES), str(NO)

    def number(value):
        if value is None or value == "":
            return ""
        if isinstance(value, int):
            return value
        return str(value).replace(".", dialect.decimal)

    def date(value):
        day = _as_date(value)
        return day.strftime(dialect.date) if day else ""

    def moment(value):
        if value is None or value == "":
            return ""
        if value.tzinfo is not None:  # no %z in the format: the local time is enough
            value = value.astimezone(tz)
        return value.strftime(dialect.datetime)

    return _per_column(
        spec, number=number, date=date, moment=moment, text=_safe_text, yes=yes, no=no
    )


def _chunks(
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    delimiter: str = ",",
    convert: Callable[[Sequence], Sequence] | None = None,
) -> Iterable[str]:
    buffer = io.StringIO()
    # Excel opens UTF-8 with umlauts correctly only with a byte order mark.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(safe_row(header))
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_CHUNK)):
        writer.writerows(map(convert or safe_row, batch))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header alone: there were no rows
        yield buffer.getvalue()


def _ready_chunks(
    header: Sequence[str], chunks: Iterable[list[tuple]], delimiter: str
) -> Iterator[str]:
    """The CSV text of rows whose cells are finished text (DatabaseRows.csv_chunks).

    The csv module looks at every character of every cell to decide its quoting, and
    that was a third of a whole-company export's time. A cell needs quotes only when it
    holds the delimiter, a quotation mark or a line break, so a chunk is joined as it is
    and then checked as a whole: no quotation mark, and exactly as many delimiters and
    line breaks as the joins put in. Then no cell needed quotes, and the text is what
    the csv module writes; otherwise the chunk goes through the csv module."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(safe_row(header))
    separators = len(header) - 1
    for chunk in chunks:
        if not chunk:
            continue
        count = len(chunk)
        try:
            text = "\r\n".join(map(delimiter.join, chunk))
        except TypeError:  # a cell that is not text
            text = None
        if (
            text is None
            or '"' in text
            or text.count(delimiter) != separators * count
            or text.count("\n") != count - 1
            or text.count("\r") != count - 1
        ):
            writer.writerows(chunk)
        else:
            buffer.write(text)
            buffer.write("\r\n")
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header alone: there were no rows
        yield buffer.getvalue()


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: no browser or proxy keeps a copy (Cache-Control: no-store, private).
    add_never_cache_headers(response)
    return response


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A CSV attachment of ready-made cells, written while it is sent; `rows` is read
    lazily, chunk by chunk. Downloads for people use ``export_response`` instead."""
    response = StreamingHttpResponse(_chunks(header, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


def _csv_export(spec: ExportSpec, rows: Iterable[Sequence], filename: str):
    dialect = current_dialect()
    if isinstance(rows, DatabaseRows):
        chunks = _ready_chunks(spec.header(), rows.csv_chunks(spec, dialect), dialect.delimiter)
    else:
        convert = _row_converter(_csv_converters(spec, dialect), _safe_text)
        chunks = _chunks(spec.header(), rows, delimiter=dialect.delimiter, convert=convert)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


# --- Rows whose CSV cells the database computes --------------------------------------


@dataclass(frozen=True)
class DatabaseRows:
    """An export's rows as a query: ``fields`` name each column's value in ``queryset``.

    For CSV the database computes the finished cells (lms.core.export_sql) and the rows go
    from the cursor to the CSV writer as they are; for .xlsx, and when iterated, they are
    typed values as for any other export.

    ``parts``: the rows are read in parts, one per value of ``parts[0]`` (a field), in
    the order of ``parts[1]`` (None: the rows where it is NULL). A whole-company export
    sorted as one query sends nothing until every row is sorted; in parts (e.g. by
    department) the first part goes out while the others are unread. The query is
    compiled once and run with each part's value.
    """

    queryset: QuerySet
    fields: tuple[str, ...]
    parts: tuple[str, tuple[Any, ...]] | None = None

    def _part(self, queryset: QuerySet, value: Any) -> QuerySet:
        name = self.parts[0]
        return queryset.filter(**({f"{name}__isnull": True} if value is None else {name: value}))

    def __iter__(self) -> Iterator[tuple]:
        rows = self.queryset.values_list(*self.fields)
        parts = [rows] if self.parts is None else [self._part(rows, v) for v in self.parts[1]]
        for part in parts:
            yield from part.iterator(chunk_size=ROWS_PER_CHUNK)

    def _statements(self, queryset: QuerySet) -> Iterator[tuple[str, Sequence[Any]]]:
        """SQL and parameters of each part; the parts with a value share one compiled
        statement, its parameter for the part's value replaced."""
        if self.parts is None:
            yield queryset.query.get_compiler(using=queryset.db).as_sql()
            return
        name, values = self.parts
        marked = queryset.filter(**{name: _PART_MARK}).query.get_compiler(using=queryset.db)
        sql, params = marked.as_sql()
        at = [index for index, param in enumerate(params) if param == _PART_MARK]
        if len(at) != 1:  # pragma: no cover (a query that repeats the part's condition)
            raise ValueError(f"The query of {self.fields} names its part {len(at)} times.")
        for value in values:
            if value is None:
                yield self._part(queryset, None).query.get_compiler(using=queryset.db).as_sql()
            else:
                yield sql, (*params[: at[0]], value, *params[at[0] + 1 :])

    def csv_chunks(self, spec: ExportSpec, dialect: Dialect) -> Iterator[list[tuple]]:
        """Lists of finished CSV cells, a chunk of rows each, read with a server-side
        cursor where the database has one."""
        if len(self.fields) != len(spec.columns):
            raise ValueError(
                f"The export has {len(spec.columns)} columns, the rows {len(self.fields)}."
            )
        cells = _cell_annotations(spec, self.queryset, self.fields, dialect)
        queryset = self.queryset.annotate(**cells).values_list(*cells)
        connection = connections[queryset.db]
        for sql, params in self._statements(queryset):
            # Raw rows, without Django's converters: the cells are finished text.
            with connection.chunked_cursor() as cursor:
                cursor.execute(sql, params)
                while chunk := cursor.fetchmany(ROWS_PER_CHUNK):
                    yield chunk


# Stands for a part's value while the statement is compiled; never a real value (ids are
# positive).
_PART_MARK = -(2**62) + 20_261_202


def _cell_annotations(
    spec: ExportSpec, queryset: QuerySet, fields: Sequence[str], dialect: Dialect
) -> dict[str, Any]:
    tzname = timezone.get_current_timezone_name()
    yes, no = str(YES), str(NO)
    cells: dict[str, Any] = {}
    for index, (column, name) in enumerate(zip(spec.columns, fields, strict=True)):
        value = F(name)
        source = queryset.query.annotations.get(name)
        output = queryset.query.resolve_ref(name).output_field.get_internal_type()
        if column.kind == NUMBER:
            cell = (
                value
                if "Integer" in output or "AutoField" in output
                else (export_sql.decimal_number(value, decimal=dialect.decimal))
            )
        elif column.kind == DATE and output == "DateTimeField":
            cell = export_sql.LocalTime(value, tzname=tzname, strftime=dialect.date)
        elif column.kind == DATE:
            cell = export_sql.LocalDate(value, strftime=dialect.date)
        elif column.kind == DATETIME:
            cell = export_sql.LocalTime(value, tzname=tzname, strftime=dialect.datetime)
        elif column.kind == LABEL:
            cell = export_sql.label(value, _label_map(column), source=source)
        elif column.kind == YES_NO:
            cell = export_sql.yes_no(
                value, yes=yes, no=no, source=source, boolean=output == "BooleanField"
            )
        else:
            cell = export_sql.safe_text(value)
        if column.kind != TEXT:  # every cell as text, empty for NULL (see _ready_chunks)
            cell = Coalesce(Cast(cell, TextField()), Value(""), output_field=TextField())
        cells[f"export_cell_{index}"] = cell
    return cells


def _xlsx_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    # Control characters other than tab and line breaks are not allowed in a workbook.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", _safe_text(value))


def _xlsx_converters(spec: ExportSpec, dialect: Dialect, sheet) -> list[Callable[[Any], Any]]:
    tz = timezone.get_current_timezone()
    yes, no = str(YES), str(NO)

    def styled(value, number_format):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell

    def number(value):
        return None if value == "" else value

    def date(value):
        day = _as_date(value)
        return styled(day, dialect.xlsx_date) if day else None

    def moment(value):
        local = _as_local(value, tz)
        return styled(local, dialect.xlsx_datetime) if local else None

    return _per_column(
        spec, number=number, date=date, moment=moment, text=_xlsx_text, yes=yes, no=no
    )


def _xlsx_export(spec: ExportSpec, rows: Iterable[Sequence], filename: str, sheet_title: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    for index, column in enumerate(spec.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    convert = _row_converter(_xlsx_converters(spec, current_dialect(), sheet), _xlsx_text)
    sheet.append([_xlsx_text(name) for name in spec.header()])
    for row in rows:
        sheet.append(convert(row))
    # The write-only sheet keeps its rows in a temporary file as they are appended; the
    # workbook (a zip) goes to another temporary file, sent in blocks and then deleted.
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    try:
        workbook.save(file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, filename)


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in str(title)).strip("' ")
    return cleaned[:31] or "Export"


def export_response(
    *,
    spec: ExportSpec,
    rows: Iterable[Sequence],
    filename: str,
    file_format: str = CSV,
    sheet_title: str = "Export",
) -> HttpResponse | StreamingHttpResponse:
    """The rows as a CSV (streamed) or .xlsx attachment, in the active language.

    ``filename`` is given without extension; ``file_format`` is CSV or XLSX."""
    if file_format == XLSX:
        return _xlsx_export(spec, rows, f"{filename}.xlsx", sheet_title)
    if file_format != CSV:
        raise ValueError(f"Unknown export format {file_format!r}")
    return _csv_export(spec, rows, f"{filename}.csv")
