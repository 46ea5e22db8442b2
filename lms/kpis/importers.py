"""Monthly KPI figures from CRM and HR systems: awareness, leads and applications per department.

A record is one figure::

    {"external_id": "crm-2025-03-sales-leads", "department": "sales", "month": "2025-03",
     "metric": "leads", "value": 14, "employee": "emma"}

``external_id`` is the sending system's permanent id for the figure (at most 100 characters);
``department`` the slug or name of an existing department; ``month`` "YYYY-MM" (or the first
day, "YYYY-MM-01"); ``metric`` awareness, leads or applications; ``value`` a whole number of at
least 0; ``employee`` optionally the username a lead is attributed to (leads only).

Records arrive as CSV (``parse_kpi_csv``), as JSON (``parse_kpi_json``) or through the API
(lms/kpis/api.py); ``import_kpi_records`` checks every record before anything is written and
raises all problems together in one KpiImportError, naming each record by its position (row 2
is the first record of a CSV, record 1 the first of a JSON list) and field. Nothing is stored
until every record is clean (one transaction). A record whose external id is already stored
with the same values is "unchanged", so sending the same data again is safe; the same external
id with other values is an error.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.core import changes
from lms.core.input_safety import MalformedInput, NotUtf8, decode_text, load_json
from lms.kpis.models import KpiRecord, Metric
from lms.people.models import Department, User

COLUMNS = ("external_id", "department", "month", "metric", "value", "employee")
REQUIRED_COLUMNS = ("external_id", "department", "month", "metric", "value")
METRICS = tuple(Metric.values)
# The parsers label each record with where it came from ("row 2", "record 1") under this key.
POSITION = "position"
MAX_EXTERNAL_ID = 100
MAX_SOURCE = 100
# The largest value PostgreSQL's integer column (PositiveIntegerField) can hold.
MAX_VALUE = 2_147_483_647
# Longer numbers are refused by their length, before Python converts (or prints) them.
MAX_DIGITS = 100
NONE = "—"
_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
# Keeps "IN (…)" lookups below SQLite's limit on query parameters.
_CHUNK = 500


@dataclass(frozen=True)
class KpiError:
    """One problem: where (“row 3”, “record 2”, or empty for the whole input), field, message."""

    position: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.position, self.field) if part)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, str]:
        return {"position": self.position, "field": self.field, "message": self.message}


class KpiImportError(Exception):
    """Input that cannot be imported; ``errors`` names every problem by position and field."""

    def __init__(self, message: str, errors: list[KpiError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else [KpiError("", "", message)]

    @property
    def headline(self) -> str:
        return str(self).splitlines()[0]


def _fail(errors: list[KpiError]) -> KpiImportError:
    message = ngettext(
        "The KPI data has %(count)s error; nothing was imported.",
        "The KPI data has %(count)s errors; nothing was imported.",
        len(errors),
    ) % {"count": len(errors)}
    return KpiImportError("\n".join([message, *map(str, errors)]), errors)


@dataclass
class DepartmentTotal:
    """One department's share of an import: records and the sum of the values per metric."""

    department: str
    created: int = 0
    unchanged: int = 0
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    @property
    def awareness(self) -> int:
        return self.values[KpiRecord.AWARENESS]

    @property
    def leads(self) -> int:
        return self.values[KpiRecord.LEADS]

    @property
    def applications(self) -> int:
        return self.values[KpiRecord.APPLICATIONS]

    def __str__(self) -> str:
        return self.describe(dry_run=False)

    def describe(self, *, dry_run: bool) -> str:
        counts = {"created": self.created, "unchanged": self.unchanged}
        if dry_run:
            counts_text = _("%(created)s would be created, %(unchanged)s unchanged") % counts
        else:
            counts_text = _("%(created)s created, %(unchanged)s unchanged") % counts
        values = ", ".join(f"{metric} {self.values[metric]}" for metric in METRICS)
        return f"{self.department}: {counts_text} ({values})"


@dataclass
class KpiImportSummary:
    """What an import created (or would create) and found already stored, per department."""

    dry_run: bool = False
    source: str = ""
    created: int = 0
    unchanged: int = 0
    departments: list[DepartmentTotal] = field(default_factory=list)

    def totals(self) -> str:
        counts = {"created": self.created, "unchanged": self.unchanged}
        if self.dry_run:
            return _("%(created)s would be created, %(unchanged)s unchanged") % counts
        return _("%(created)s created, %(unchanged)s unchanged") % counts

    def lines(self) -> list[str]:
        lines = [total.describe(dry_run=self.dry_run) for total in self.departments]
        lines.append(self.totals())
        if self.dry_run:
            lines.append(_("Dry run: nothing was stored."))
        return lines


# --- reading files ------------------------------------------------------------------------------


def _read_text(file: IO[str] | IO[bytes] | str | bytes) -> str:
    data = file if isinstance(file, str | bytes) else file.read()
    try:
        return decode_text(data)
    except NotUtf8 as error:
        raise KpiImportError(
            _(
                "The file is not UTF-8 (byte %(byte)s). In Excel, save it as "
                "“CSV UTF-8 (comma delimited)”."
            )
            % {"byte": error.byte}
        ) from None
    except MalformedInput as error:
        raise KpiImportError(error.message) from None


def parse_kpi_csv(file: IO[str] | IO[bytes] | str | bytes) -> list[dict]:
    """The records of a CSV with the header row ``external_id,department,month,metric,value,employee``.

    UTF-8 with or without byte order mark, separated by commas or semicolons; the employee
    column may be left out. Each record carries its row number (the header is row 1) under
    ``POSITION``. Raises KpiImportError for a file that is not such a CSV.
    """
    text = _read_text(file)
    header_row = ",".join(COLUMNS)
    if not text.strip():
        raise _fail(
            [
                KpiError(
                    _("row 1"), "", _("the file is empty; it needs the header row %s") % header_row
                )
            ]
        )
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise _fail(
            [
                KpiError(
                    _("line %(line)s") % {"line": reader.line_num},
                    "",
                    _("the CSV is malformed (%(error)s)") % {"error": error},
                )
            ]
        ) from None
    header = [cell.strip().lower() for cell in rows[0]]
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(
            _("unknown column(s) %(unknown)s") % {"unknown": ", ".join(repr(n) for n in unknown)}
        )
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        problems.append(
            _("the column(s) %(doubled)s appear twice") % {"doubled": ", ".join(doubled)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(
            _("the column(s) %(missing)s are missing") % {"missing": ", ".join(missing)}
        )
    if problems:
        hint = _("The header row must be: %s") % header_row
        raise _fail([KpiError(_("row 1"), "", f"{'; '.join(problems)}. {hint}")])
    records: list[dict] = []
    errors: list[KpiError] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        position = _("row %(number)s") % {"number": number}
        if any(cell.strip() for cell in cells[len(header) :]):
            errors.append(
                KpiError(
                    position,
                    "",
                    _("has %(cells)s cells but the header has %(columns)s columns")
                    % {"cells": len(cells), "columns": len(header)},
                )
            )
            continue
        record: dict[str, Any] = {name: "" for name in header}
        record.update(
            {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        )
        record[POSITION] = position
        records.append(record)
    if errors:
        raise _fail(errors)
    return records


def parse_kpi_json(data: str | bytes | list | dict) -> list[dict]:
    """The records of a JSON list of objects, or of an object ``{"records": [...]}``.

    ``data`` is the JSON text (str or UTF-8 bytes) or the already decoded value. Each record
    carries its number (the first is record 1) under ``POSITION``. Raises KpiImportError for
    anything else.
    """
    loaded: Any = data
    if isinstance(data, str | bytes | bytearray):
        try:
            loaded = load_json(data)
        except MalformedInput as error:
            raise KpiImportError(error.message) from None
    shape = _(
        "The JSON must be a list of records or an object with a “records” list, "
        'e.g. {"records": [{"external_id": "…", "department": "…", "month": "2025-03", '
        '"metric": "leads", "value": 3}]}.'
    )
    if isinstance(loaded, dict):
        others = sorted(key for key in loaded if key != "records")
        if "records" not in loaded or others:
            raise KpiImportError(shape)
        loaded = loaded["records"]
    if not isinstance(loaded, list):
        raise KpiImportError(shape)
    records: list[dict] = []
    errors: list[KpiError] = []
    for number, item in enumerate(loaded, start=1):
        position = _("record %(number)s") % {"number": number}
        if not isinstance(item, dict):
            errors.append(
                KpiError(
                    position,
                    "",
                    _("is not an object with the fields %(fields)s")
                    % {"fields": ", ".join(COLUMNS)},
                )
            )
            continue
        records.append({**item, POSITION: position})
    if errors:
        raise _fail(errors)
    return records


# --- checking and storing -----------------------------------------------------------------------


@dataclass
class _Record:
    index: int
    position: str
    external_id: str
    department: Department | None = None
    month: date | None = None
    metric: str = ""
    value: int | None = None
    username: str = ""
    employee: User | None = None
    valid: bool = True

    def model(self, source: str) -> KpiRecord:
        return KpiRecord(
            external_id=self.external_id,
            department=self.department,
            month=self.month,
            metric=self.metric,
            value=self.value,
            employee=self.employee,
            source=source,
        )


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = sorted(set(values))
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _shown(value: Any) -> str:
    return NONE if value in (None, "") else str(value)


class _Checker:
    """Reads the records against the database and collects every problem."""

    def __init__(self, records: list[Any]) -> None:
        self.raw = records
        self.errors: list[tuple[int, KpiError]] = []
        departments = list(Department.objects.all())
        self.departments_by_slug = {department.slug: department for department in departments}
        self.departments_by_name = {
            department.name.casefold(): department for department in departments
        }
        self.departments_by_folded_slug = {
            department.slug.casefold(): department for department in departments
        }

    def error(self, record: _Record | tuple[int, str], field_name: str, message: str) -> None:
        index, position = (record.index, record.position) if isinstance(record, _Record) else record
        self.errors.append((index, KpiError(position, field_name, message)))
        if isinstance(record, _Record):
            record.valid = False

    def sorted_errors(self) -> list[KpiError]:
        return [error for _index, error in sorted(self.errors, key=lambda item: item[0])]

    def check(self) -> list[_Record]:
        records = []
        for index, raw in enumerate(self.raw, start=1):
            record = self.check_record(index, raw)
            if record is not None:
                records.append(record)
        self.resolve_employees(records)
        self.check_duplicates(records)
        self.compare_with_stored(records)
        return records

    def check_record(self, index: int, raw: Any) -> _Record | None:
        default = _("record %(number)s") % {"number": index}
        if not isinstance(raw, dict):
            self.error(
                (index, default),
                "",
                _("is not an object with the fields %(fields)s") % {"fields": ", ".join(COLUMNS)},
            )
            return None
        position = raw.get(POSITION)
        record = _Record(index, position if isinstance(position, str) and position else default, "")
        unknown = sorted(str(key) for key in raw if key not in COLUMNS and key != POSITION)
        for key in unknown:
            self.error(
                record,
                key,
                _("unknown field; the fields are %(fields)s") % {"fields": ", ".join(COLUMNS)},
            )
        self.check_external_id(record, raw.get("external_id"))
        self.check_department(record, raw.get("department"))
        self.check_month(record, raw.get("month"))
        self.check_metric(record, raw.get("metric"))
        self.check_value(record, raw.get("value"))
        self.check_employee(record, raw.get("employee"))
        return record

    def check_external_id(self, record: _Record, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(record, "external_id", _("missing; every record needs its own id"))
        elif not isinstance(value, str):
            self.error(record, "external_id", _("must be text, not %(value)s") % {"value": value})
        elif len(value.strip()) > MAX_EXTERNAL_ID:
            self.error(
                record,
                "external_id",
                _("longer than %(max)s characters") % {"max": MAX_EXTERNAL_ID},
            )
        else:
            record.external_id = value.strip()

    def check_department(self, record: _Record, value: Any) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(record, "department", _("missing; give the department's slug or name"))
            return
        if not isinstance(value, str):
            self.error(
                record,
                "department",
                _("must be the department's slug or name, not %(value)s") % {"value": value},
            )
            return
        value = value.strip()
        department = (
            self.departments_by_slug.get(value)
            or self.departments_by_name.get(value.casefold())
            or self.departments_by_folded_slug.get(value.casefold())
        )
        if department is None:
            self.error(
                record,
                "department",
                _(
                    "there is no department with the slug or name “%(department)s”; "
                    "create it first under Departments"
                )
                % {"department": value},
            )
        record.department = department

    def check_month(self, record: _Record, value: Any) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(record, "month", _("missing; write the month as YYYY-MM, e.g. 2025-03"))
            return
        text = value.strip() if isinstance(value, str) else ""
        match = _MONTH.fullmatch(text)
        year, month = (int(match[1]), int(match[2])) if match else (0, 0)
        if not match or not 1 <= year <= 9999 or not 1 <= month <= 12:
            self.error(
                record,
                "month",
                _("“%(value)s” is not a month; write it as YYYY-MM, e.g. 2025-03")
                % {"value": value},
            )
        elif match[3] is not None and match[3] != "01":
            self.error(
                record,
                "month",
                _(
                    "“%(value)s” is not the first day of a month; a KPI covers a whole month, "
                    "so write it as YYYY-MM, e.g. %(month)s"
                )
                % {"value": value, "month": text[:7]},
            )
        else:
            record.month = date(year, month, 1)

    def check_metric(self, record: _Record, value: Any) -> None:
        metrics = ", ".join(METRICS)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(
                record, "metric", _("missing; use one of %(metrics)s") % {"metrics": metrics}
            )
        elif not isinstance(value, str) or value.strip().lower() not in METRICS:
            self.error(
                record,
                "metric",
                _("“%(value)s” is not a metric; use one of %(metrics)s")
                % {"value": value, "metrics": metrics},
            )
        else:
            record.metric = value.strip().lower()

    def check_value(self, record: _Record, value: Any) -> None:
        number: int | None = None
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(record, "value", _("missing; give a whole number of at least 0"))
            return
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            digits = value.strip().lstrip("+-").lstrip("0")
            if len(digits) > MAX_DIGITS:
                # Python refuses to convert thousands of digits (and would echo them all).
                self.error(
                    record,
                    "value",
                    _("the number has %(digits)s digits; the most is %(max)s")
                    % {"digits": len(digits), "max": MAX_VALUE},
                )
                return
            number = int(value.strip())
        if number is None:
            shown = json.dumps(value) if isinstance(value, bool | float) else value
            self.error(
                record,
                "value",
                _("“%(value)s” is not a whole number") % {"value": shown},
            )
        elif number < 0:
            self.error(
                record,
                "value",
                _("%(value)s is negative; a KPI value is at least 0") % {"value": number},
            )
        elif number > MAX_VALUE:
            self.error(
                record,
                "value",
                _("%(value)s is too large; the most is %(max)s")
                % {"value": number, "max": MAX_VALUE},
            )
        else:
            record.value = number

    def check_employee(self, record: _Record, value: Any) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if not isinstance(value, str):
            self.error(
                record, "employee", _("must be a username, not %(value)s") % {"value": value}
            )
            return
        record.username = value.strip()
        if record.metric and record.metric != KpiRecord.LEADS:
            self.error(
                record,
                "employee",
                _("only leads can be attributed to an employee; leave it empty for %(metric)s")
                % {"metric": record.metric},
            )

    def resolve_employees(self, records: list[_Record]) -> None:
        usernames = {record.username for record in records if record.username}
        users: dict[str, User] = {}
        for chunk in _chunks(usernames):
            users.update({user.username: user for user in User.objects.filter(username__in=chunk)})
        for record in records:
            if not record.username:
                continue
            record.employee = users.get(record.username)
            if record.employee is None:
                self.error(
                    record,
                    "employee",
                    _("there is no user with the username “%(username)s”")
                    % {"username": record.username},
                )

    def check_duplicates(self, records: list[_Record]) -> None:
        first: dict[str, _Record] = {}
        for record in records:
            if not record.external_id:
                continue
            earlier = first.setdefault(record.external_id, record)
            if earlier is not record:
                self.error(
                    record,
                    "external_id",
                    _("“%(id)s” appears more than once (first at %(position)s)")
                    % {"id": record.external_id, "position": earlier.position},
                )

    def compare_with_stored(self, records: list[_Record]) -> None:
        self.stored: dict[str, KpiRecord] = {}
        ids = [record.external_id for record in records if record.external_id]
        for chunk in _chunks(ids):
            self.stored.update(
                {
                    kpi.external_id: kpi
                    for kpi in KpiRecord.objects.select_related("department", "employee").filter(
                        external_id__in=chunk
                    )
                }
            )
        for record in records:
            stored = self.stored.get(record.external_id)
            if stored is None or not record.valid:
                continue
            differences = []
            if stored.department_id != record.department.pk:
                differences.append(
                    (_("department"), stored.department.name, record.department.name)
                )
            if stored.month != record.month:
                differences.append((_("month"), f"{stored.month:%Y-%m}", f"{record.month:%Y-%m}"))
            if stored.metric != record.metric:
                differences.append((_("metric"), stored.metric, record.metric))
            if stored.value != record.value:
                differences.append((_("value"), stored.value, record.value))
            if stored.employee_id != (record.employee.pk if record.employee else None):
                differences.append(
                    (
                        _("employee"),
                        _shown(stored.employee.username if stored.employee else None),
                        _shown(record.username),
                    )
                )
            if differences:
                self.error(
                    record,
                    "external_id",
                    _(
                        "“%(id)s” was imported before with other values (%(differences)s). "
                        "An external id always stands for the same figure: correct the stored "
                        "record under Rollout › KPI records, or send a new figure under a new id"
                    )
                    % {
                        "id": record.external_id,
                        "differences": "; ".join(
                            _("%(field)s stored %(before)s, sent %(after)s")
                            % {"field": label, "before": before, "after": after}
                            for label, before, after in differences
                        ),
                    },
                )


def import_kpi_records(
    *, records: list[dict], source: str, dry_run: bool = False
) -> KpiImportSummary:
    """Store the new records among ``records``: all of them, or none.

    A record may carry a position label under ``POSITION`` (the parsers set it); otherwise it
    is called “record N”. Raises KpiImportError listing every problem by position and field.
    ``source`` (at most 100 characters) is stored with each new record. With ``dry_run`` the
    summary shows what would be created, and nothing is stored.
    """
    source = source.strip()
    if len(source) > MAX_SOURCE:
        raise KpiImportError(
            _("The source name is longer than %(max)s characters.") % {"max": MAX_SOURCE}
        )
    if not isinstance(records, list):
        raise KpiImportError(_("The records must be a list."))
    if not records:
        raise _fail([KpiError("", "", _("there are no records to import"))])
    summary = KpiImportSummary(dry_run=dry_run, source=source)
    try:
        with transaction.atomic():
            checker = _Checker(records)
            checked = checker.check()
            if checker.errors:
                raise _fail(checker.sorted_errors())
            totals: dict[int, DepartmentTotal] = {}
            new = []
            for record in checked:
                assert record.department is not None and record.value is not None
                total = totals.setdefault(
                    record.department.pk, DepartmentTotal(record.department.name)
                )
                total.values[record.metric] += record.value
                if record.external_id in checker.stored:
                    total.unchanged += 1
                    summary.unchanged += 1
                else:
                    total.created += 1
                    summary.created += 1
                    new.append(record.model(source))
            summary.departments = sorted(totals.values(), key=lambda total: total.department)
            if new and not dry_run:
                KpiRecord.objects.bulk_create(new, batch_size=_CHUNK)
                # bulk_create sends no post_save: whoever caches KPI values is told here.
                changes.rows_changed(KpiRecord)
    except IntegrityError:
        # Another import stored one of these external ids between the checks and the writes.
        raise KpiImportError(
            _(
                "KPI records changed while the import ran; nothing was imported. Please run it again."
            )
        ) from None
    return summary
