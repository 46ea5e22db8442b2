"""Monthly KPI figures from CRM and HR systems: awareness, leads and applications per department.

A record is one figure::

    {"external_id": "crm-2025-03-sales-leads", "department": "sales", "month": "2025-03",
     "metric": "leads", "value": 14, "employee": "emma"}

``external_id`` is the sending system's permanent id for the figure (at most 100 characters);
``department`` the slug or name of an existing department; ``month`` "YYYY-MM" (or the first
day, "YYYY-MM-01"); ``metric`` awareness, leads or applications; ``value`` a whole number of at
least 0; ``employee`` optionally the username a lead is attributed to (leads only).

Records arrive as a table (CSV or Excel, read by lms.core.tabular: ``KPI_IMPORT``), as JSON
(``json_table``, ``parse_kpi_json``) or through the API (lms/kpis/api.py). Every record is
one ``Row`` of a ``Table`` and goes through the same row form (``KpiRowForm``); the cross-row
checks (an external id twice, an external id stored before with other values) follow it.
``import_kpi_table`` raises all problems together in one KpiImportError, naming each record
by its position (row 2 is the first record of a CSV, record 1 the first of a JSON list) and
field. Nothing is stored until every record is clean (one transaction). A record whose
external id is already stored with the same values is "unchanged", so sending the same data
again is safe; the same external id with other values is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms.core import changes
from lms.core.input_safety import MalformedInput, load_json
from lms.core.tabular import (
    CREATE,
    UNCHANGED,
    CheckedRow,
    Row,
    RowChange,
    RowError,
    Table,
    TableError,
    TableImport,
    TableSpec,
    check_rows,
)
from lms.kpis.models import KpiRecord, Metric
from lms.people.models import Department, User

COLUMNS = ("external_id", "department", "month", "metric", "value", "employee")
REQUIRED_COLUMNS = ("external_id", "department", "month", "metric", "value")
METRICS = tuple(Metric.values)
# parse_kpi_csv and parse_kpi_json label each record with where it came from ("row 2",
# "record 1") under this key, and a CSV record with its row number under ROW.
POSITION = "position"
ROW = "_row"
JSON = "json"
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
class KpiError(RowError):
    """A RowError that names its place as “row 3” (a table) or “record 2” (JSON)."""

    record: bool = False

    @property
    def position(self) -> str:
        if not self.rows:
            return ""
        if self.record:
            return _("record %(number)s") % {"number": ", ".join(map(str, self.rows))}
        return self.place(column=False)

    @property
    def field(self) -> str:
        return self.column

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.position, self.field) if part)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, str]:
        return {"position": self.position, "field": self.field, "message": self.message}


class KpiImportError(TableError):
    """Input that cannot be imported; ``errors`` names every problem by position and field."""

    def __init__(self, message: str | None = None, *, errors=()) -> None:
        errors = [
            error
            if isinstance(error, KpiError)
            else KpiError(error.rows, error.column, error.message)
            for error in errors
        ]
        super().__init__(message, errors=errors)
        if message is not None and not self.errors:
            self.errors = [KpiError((), "", message)]

    def headline_for(self, count: int) -> str:
        return ngettext(
            "The KPI data has %(count)s error; nothing was imported.",
            "The KPI data has %(count)s errors; nothing was imported.",
            count,
        ) % {"count": count}


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
    """What an import created (or would create) and found already stored, per department and
    per record (``rows``, for the admin page of lms.core.tabular)."""

    dry_run: bool = False
    source: str = ""
    created: int = 0
    unchanged: int = 0
    departments: list[DepartmentTotal] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)

    @property
    def changes(self) -> list[RowChange]:
        return [change for change in self.rows if change.action != UNCHANGED]

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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _external_id(value: Any) -> str:
    """The external id a cell or JSON value stands for, "" if it is none."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and len(value.strip()) <= MAX_EXTERNAL_ID:
        return value.strip()
    return ""


def _username(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class _RawField(forms.Field):
    """Takes a cell (text) or a JSON value as it is; the form's ``clean_<name>`` checks it."""

    def __init__(self) -> None:
        super().__init__(required=False)


class KpiRowForm(forms.Form):
    """The checks of one record (a table row or a JSON record) against the departments."""

    external_id = _RawField()
    department = _RawField()
    month = _RawField()
    metric = _RawField()
    value = _RawField()
    employee = _RawField()

    def __init__(self, *args, departments: _Departments, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.departments = departments

    def clean_external_id(self) -> str:
        value = self.data.get("external_id")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if _blank(value):
            raise forms.ValidationError(_("missing; every record needs its own id"))
        if not isinstance(value, str):
            raise forms.ValidationError(_("must be text, not %(value)s") % {"value": value})
        if len(value.strip()) > MAX_EXTERNAL_ID:
            raise forms.ValidationError(
                _("longer than %(max)s characters") % {"max": MAX_EXTERNAL_ID}
            )
        return value.strip()

    def clean_department(self) -> Department:
        value = self.data.get("department")
        if _blank(value):
            raise forms.ValidationError(_("missing; give the department's slug or name"))
        if not isinstance(value, str):
            raise forms.ValidationError(
                _("must be the department's slug or name, not %(value)s") % {"value": value}
            )
        department = self.departments.find(value.strip())
        if department is None:
            raise forms.ValidationError(
                _(
                    "there is no department with the slug or name “%(department)s”; "
                    "create it first under Departments"
                )
                % {"department": value.strip()}
            )
        return department

    def clean_month(self) -> date:
        value = self.data.get("month")
        if _blank(value):
            raise forms.ValidationError(_("missing; write the month as YYYY-MM, e.g. 2025-03"))
        text = value.strip() if isinstance(value, str) else ""
        match = _MONTH.fullmatch(text)
        year, month = (int(match[1]), int(match[2])) if match else (0, 0)
        if not match or not 1 <= year <= 9999 or not 1 <= month <= 12:
            raise forms.ValidationError(
                _("“%(value)s” is not a month; write it as YYYY-MM, e.g. 2025-03")
                % {"value": value}
            )
        if match[3] is not None and match[3] != "01":
            raise forms.ValidationError(
                _(
                    "“%(value)s” is not the first day of a month; a KPI covers a whole month, "
                    "so write it as YYYY-MM, e.g. %(month)s"
                )
                % {"value": value, "month": text[:7]}
            )
        return date(year, month, 1)

    def clean_metric(self) -> str:
        value = self.data.get("metric")
        metrics = ", ".join(METRICS)
        if _blank(value):
            raise forms.ValidationError(_("missing; use one of %(metrics)s") % {"metrics": metrics})
        if not isinstance(value, str) or value.strip().lower() not in METRICS:
            raise forms.ValidationError(
                _("“%(value)s” is not a metric; use one of %(metrics)s")
                % {"value": value, "metrics": metrics}
            )
        return value.strip().lower()

    def clean_value(self) -> int:
        value = self.data.get("value")
        if _blank(value):
            raise forms.ValidationError(_("missing; give a whole number of at least 0"))
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            digits = value.strip().lstrip("+-").lstrip("0")
            if len(digits) > MAX_DIGITS:
                # Python refuses to convert thousands of digits (and would echo them all).
                raise forms.ValidationError(
                    _("the number has %(digits)s digits; the most is %(max)s")
                    % {"digits": len(digits), "max": MAX_VALUE}
                )
            number = int(value.strip())
        if number is None:
            shown = json.dumps(value) if isinstance(value, bool | float) else value
            raise forms.ValidationError(_("“%(value)s” is not a whole number") % {"value": shown})
        if number < 0:
            raise forms.ValidationError(
                _("%(value)s is negative; a KPI value is at least 0") % {"value": number}
            )
        if number > MAX_VALUE:
            raise forms.ValidationError(
                _("%(value)s is too large; the most is %(max)s")
                % {"value": number, "max": MAX_VALUE}
            )
        return number

    def clean_employee(self) -> str:
        value = self.data.get("employee")
        if _blank(value):
            return ""
        if not isinstance(value, str):
            raise forms.ValidationError(_("must be a username, not %(value)s") % {"value": value})
        metric = self.cleaned_data.get("metric")
        if metric and metric != KpiRecord.LEADS:
            raise forms.ValidationError(
                _("only leads can be attributed to an employee; leave it empty for %(metric)s")
                % {"metric": metric}
            )
        # Whether the user exists is checked for all rows at once (import_kpi_table).
        return value.strip()


class _Departments:
    """The departments by slug, by name and by slug ignoring case: one query per import."""

    def __init__(self) -> None:
        departments = list(Department.objects.all())
        self.by_slug = {department.slug: department for department in departments}
        self.by_name = {department.name.casefold(): department for department in departments}
        self.by_folded_slug = {department.slug.casefold(): department for department in departments}

    def find(self, value: str) -> Department | None:
        return (
            self.by_slug.get(value)
            or self.by_name.get(value.casefold())
            or self.by_folded_slug.get(value.casefold())
        )


# --- reading ------------------------------------------------------------------------------------

SPEC = TableSpec(columns=COLUMNS, required=REQUIRED_COLUMNS, error_class=KpiImportError)


def _json_records(data: str | bytes | list | dict) -> list:
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
    return loaded


def _not_an_object(number: int) -> KpiError:
    return KpiError(
        (number,),
        "",
        _("is not an object with the fields %(fields)s") % {"fields": ", ".join(COLUMNS)},
        record=True,
    )


def _check_objects(records: list) -> None:
    errors = [
        _not_an_object(number)
        for number, item in enumerate(records, start=1)
        if not isinstance(item, dict)
    ]
    if errors:
        raise KpiImportError(errors=errors)


def records_table(records: list, *, text: str = "") -> Table:
    """JSON records as a table: record N is row N (the position says "record N")."""
    _check_objects(records)
    rows = []
    for number, item in enumerate(records, start=1):
        values = {key: item[key] for key in item if key not in (POSITION, ROW)}
        rows.append(Row(item.get(ROW, number), values, len(values)))
    file_format = JSON if not records or not all(ROW in item for item in records) else "csv"
    return Table(list(COLUMNS), rows, text, file_format)


def json_table(data: str | bytes | list | dict) -> Table:
    """The records of a JSON list of objects, or of an object ``{"records": [...]}``, as a
    Table. Raises KpiImportError for anything else."""
    text = ""
    if isinstance(data, str | bytes | bytearray):
        text = data if isinstance(data, str) else bytes(data).decode("utf-8-sig", "replace")
    return records_table(_json_records(data), text=text)


def parse_kpi_csv(file: IO[str] | IO[bytes] | str | bytes) -> list[dict]:
    """The records of a CSV or .xlsx file (see lms.core.tabular), each with its row number
    (the header is row 1) under ``ROW`` and its label under ``POSITION``."""
    table = SPEC.read(file)
    overflow = [
        KpiError(
            (row.number,),
            "",
            _("has %(cells)s cells but the header has %(columns)s columns")
            % {"cells": row.cells, "columns": len(table.header)},
        )
        for row in table.rows
        if row.overflow
    ]
    if overflow:
        raise KpiImportError(errors=overflow)
    return [
        {**row.values, ROW: row.number, POSITION: KpiError((row.number,), "", "").position}
        for row in table.rows
    ]


def parse_kpi_json(data: str | bytes | list | dict) -> list[dict]:
    """The records of a JSON list of objects, or of an object ``{"records": [...]}``.

    ``data`` is the JSON text (str or UTF-8 bytes) or the already decoded value. Each record
    carries its label (the first is record 1) under ``POSITION``. Raises KpiImportError for
    anything else.
    """
    records = _json_records(data)
    _check_objects(records)
    return [
        {**item, POSITION: KpiError((number,), "", "", record=True).position}
        for number, item in enumerate(records, start=1)
    ]


# --- checking and storing -----------------------------------------------------------------------


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = sorted(set(values))
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _shown(value: Any) -> str:
    return NONE if value in (None, "") else str(value)


def _differences(stored: KpiRecord, new: dict, username: str) -> list[tuple[str, Any, Any]]:
    differences = []
    if stored.department_id != new["department"].pk:
        differences.append((_("department"), stored.department.name, new["department"].name))
    if stored.month != new["month"]:
        differences.append((_("month"), f"{stored.month:%Y-%m}", f"{new['month']:%Y-%m}"))
    if stored.metric != new["metric"]:
        differences.append((_("metric"), stored.metric, new["metric"]))
    if stored.value != new["value"]:
        differences.append((_("value"), stored.value, new["value"]))
    employee = new.get("user")
    if stored.employee_id != (employee.pk if employee else None):
        differences.append(
            (
                _("employee"),
                _shown(stored.employee.username if stored.employee else None),
                _shown(username),
            )
        )
    return differences


def _changed_before(external_id: str, differences: list[tuple[str, Any, Any]]) -> str:
    return _(
        "“%(id)s” was imported before with other values (%(differences)s). "
        "An external id always stands for the same figure: correct the stored "
        "record under Rollout › KPI records, or send a new figure under a new id"
    ) % {
        "id": external_id,
        "differences": "; ".join(
            _("%(field)s stored %(before)s, sent %(after)s")
            % {"field": label, "before": before, "after": after}
            for label, before, after in differences
        ),
    }


def _figure(cleaned: dict) -> str:
    parts = [
        cleaned["department"].name,
        f"{cleaned['month']:%Y-%m}",
        f"{cleaned['metric']} {cleaned['value']}",
    ]
    if cleaned.get("employee"):
        parts.append(cleaned["employee"])
    return ", ".join(parts)


def import_kpi_table(*, table: Table, dry_run: bool = False, source: str = "") -> KpiImportSummary:
    """Store the new records of ``table`` (rows of a CSV or Excel file, or JSON records):
    all of them, or none.

    Raises KpiImportError listing every problem by position and field. ``source`` (at most
    100 characters) is stored with each new record. With ``dry_run`` the summary shows what
    would be created, and nothing is stored.
    """
    source = source.strip()
    if len(source) > MAX_SOURCE:
        raise KpiImportError(
            _("The source name is longer than %(max)s characters.") % {"max": MAX_SOURCE}
        )
    json_records = table.file_format == JSON
    if not table.rows:
        raise KpiImportError(errors=[RowError((), "", _("there are no records to import"))])
    errors: list[RowError] = []
    for row in table.rows:
        for key in sorted(str(key) for key in row.values if key not in COLUMNS):
            errors.append(
                RowError(
                    (row.number,),
                    key,
                    _("unknown field; the fields are %(fields)s") % {"fields": ", ".join(COLUMNS)},
                )
            )
    summary = KpiImportSummary(dry_run=dry_run, source=source)
    try:
        with transaction.atomic():
            checked = check_rows(table, KpiRowForm, errors, departments=_Departments())
            # The employees, all at once.
            usernames = {_username(row.values.get("employee")) for row in checked} - {""}
            users: dict[str, User] = {}
            for chunk in _chunks(usernames):
                users.update(
                    {user.username: user for user in User.objects.filter(username__in=chunk)}
                )
            valid = set()
            for row in checked:
                username = _username(row.values.get("employee"))
                if username and username not in users:
                    errors.append(
                        RowError(
                            (row.number,),
                            "employee",
                            _("there is no user with the username “%(username)s”")
                            % {"username": username},
                        )
                    )
                elif row.valid:
                    row.cleaned["user"] = users.get(username)
                    valid.add(row.number)
            # The same external id twice in one input.
            first: dict[str, CheckedRow] = {}
            for row in checked:
                external_id = _external_id(row.values.get("external_id"))
                if not external_id:
                    continue
                earlier = first.setdefault(external_id, row)
                if earlier is not row:
                    errors.append(
                        RowError(
                            (row.number,),
                            "external_id",
                            _("“%(id)s” appears more than once (first at %(position)s)")
                            % {
                                "id": external_id,
                                "position": KpiError(
                                    (earlier.number,), "", "", record=json_records
                                ).position,
                            },
                        )
                    )
            # An external id stored before with other values.
            stored: dict[str, KpiRecord] = {}
            for chunk in _chunks(first):
                stored.update(
                    {
                        kpi.external_id: kpi
                        for kpi in KpiRecord.objects.select_related(
                            "department", "employee"
                        ).filter(external_id__in=chunk)
                    }
                )
            for row in checked:
                kpi = stored.get(row.cleaned.get("external_id", ""))
                if kpi is None or row.number not in valid:
                    continue
                differences = _differences(kpi, row.cleaned, row.cleaned["employee"])
                if differences:
                    errors.append(
                        RowError(
                            (row.number,),
                            "external_id",
                            _changed_before(kpi.external_id, differences),
                        )
                    )
            if errors:
                raise KpiImportError(
                    errors=[
                        KpiError(error.rows, error.column, error.message, record=json_records)
                        for error in errors
                    ]
                )
            totals: dict[int, DepartmentTotal] = {}
            new = []
            for row in checked:
                cleaned = row.cleaned
                department = cleaned["department"]
                total = totals.setdefault(department.pk, DepartmentTotal(department.name))
                total.values[cleaned["metric"]] += cleaned["value"]
                figure = {"figure": _figure(cleaned)}
                if cleaned["external_id"] in stored:
                    total.unchanged += 1
                    summary.unchanged += 1
                    action, description = UNCHANGED, _("unchanged: %(figure)s") % figure
                else:
                    total.created += 1
                    summary.created += 1
                    action, description = CREATE, _("create: %(figure)s") % figure
                    new.append(
                        KpiRecord(
                            external_id=cleaned["external_id"],
                            department=department,
                            month=cleaned["month"],
                            metric=cleaned["metric"],
                            value=cleaned["value"],
                            employee=cleaned["user"],
                            source=source,
                        )
                    )
                summary.rows.append(
                    RowChange(row.number, cleaned["external_id"], action, description)
                )
            summary.departments = sorted(totals.values(), key=lambda total: total.department)
            if new and not dry_run:
                KpiRecord.objects.bulk_create(new, batch_size=_CHUNK)
                # bulk_create sends no post_save: whoever caches KPI values is told here.
                changes.rows_changed(
                    KpiRecord, user_ids=[r.employee_id for r in new if r.employee_id]
                )
    except IntegrityError:
        # Another import stored one of these external ids between the checks and the writes.
        raise KpiImportError(
            _(
                "KPI records changed while the import ran; nothing was imported. Please run it again."
            )
        ) from None
    return summary


def import_kpi_records(
    *, records: list[dict], source: str, dry_run: bool = False
) -> KpiImportSummary:
    """Store the new records among ``records`` (from ``parse_kpi_csv``, ``parse_kpi_json`` or
    plain dicts, then called “record N”): all of them, or none. See ``import_kpi_table``."""
    if not isinstance(records, list):
        raise KpiImportError(_("The records must be a list."))
    return import_kpi_table(table=records_table(records), source=source, dry_run=dry_run)


KPI_IMPORT = TableImport(
    SPEC, import_kpi_table, command="import_kpis", key_label=gettext_lazy("External id")
)
