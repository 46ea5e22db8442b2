"""Read the employee exports of HR systems into one shape: a list of ``HrRecord``.

The org import (lms.people.hr_import) takes, besides its own CSV (lms.people.importers), the
files people download from their HR system, as they come:

* **Personio**, the CSV or Excel export (a report or export of the employee list). Its header
  holds the attributes' labels in the account's language, so a column is known by its label
  in German or English, or by the attribute's key where the file has the key instead
  (``first_name``, ``email``, ...): ``ID``, ``Vorname``/``First name``,
  ``Nachname``/``Last name``, ``E-Mail``/``Email``, ``Status``, ``Abteilung``/``Department``,
  ``Vorgesetzte:r``/``Supervisor``. Other columns are ignored. The supervisor cell may hold
  the supervisor's ID, e-mail address or full name (exports show the name).
* **Personio**, the personnel API's JSON (``GET /v1/company/employees``): ``data[]`` of
  ``{"type": "Employee", "attributes": {key: {"label", "value", "type", "universal_id"}}}``.
  Attributes are known by their key or ``universal_id``, never by the label: ``id``,
  ``first_name``, ``last_name``, ``email``, ``status``, ``department`` (its value an object
  ``{"type": "Department", "attributes": {"id", "name"}}``) and ``supervisor`` (an object
  ``{"type": "Employee", "attributes": {"id": {"value": ...}, ...}}``).
* **SAP SuccessFactors**' user data file (UDF): the system keys in row 1 (``STATUS``,
  ``USERID``, ``USERNAME``, ``FIRSTNAME``, ``LASTNAME``, ``EMAIL``, ``MANAGER``,
  ``DEPARTMENT``, ...), the labels in row 2 (not read), the people from row 3. ``MANAGER``
  is the manager's USERID or ``NO_MANAGER``; ``STATUS`` is active or inactive.
* **BambooHR**, the employee directory or a custom report (CSV, Excel, or the JSON
  ``{"employees": [...]}``) with the field names (``id``, ``employeeNumber``, ``firstName``,
  ``lastName``, ``workEmail``, ``department``, ``supervisorEId``, ``status``) or their labels
  (``Employee ID``, ``First Name``, ``Work Email``, ``Supervisor EID``, ...). ``id`` is the
  key: ``supervisorEId`` refers to it.

Columns of tables are matched after folding case and dropping everything but letters and
digits ("E-Mail" = "email", "Vorgesetzte:r" = "vorgesetzter", "first_name" = "First name").

``read_org_file`` tells the format from the content (``AUTO``) or reads the one chosen; the
LMS's own CSV comes back as a ``Table`` for lms.people.importers, an HR export as an
``HrExport``. Problems of single rows (an unknown status, a missing ID) are collected in
``HrExport.errors``; a file that is no such export at all raises HrImportError.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from lms.core.input_safety import MalformedInput, NotUtf8, decode_text
from lms.core.tabular import CSV, RowError, Table, TableError, read_cells

AUTO, LMS, PERSONIO, SUCCESSFACTORS, BAMBOOHR = (
    "auto",
    "lms",
    "personio",
    "successfactors",
    "bamboohr",
)
FORMATS = (AUTO, LMS, PERSONIO, SUCCESSFACTORS, BAMBOOHR)
FORMAT_NAMES = {
    LMS: "LMS CSV",
    PERSONIO: "Personio",
    SUCCESSFACTORS: "SAP SuccessFactors",
    BAMBOOHR: "BambooHR",
}
JSON = "json"
MAX_RECORDS = 100_000

# How a record names its manager: by the manager's employee ID only, or (Personio's table
# exports, which show the supervisor's name) by employee ID, e-mail address or full name.
BY_EMPLOYEE_ID, BY_REFERENCE = "employee_id", "reference"

# The fields of a record, in our words.
EMPLOYEE_ID, USERNAME, FIRST_NAME, LAST_NAME, EMAIL, DEPARTMENT, MANAGER, STATUS = (
    "employee_id",
    "username",
    "first_name",
    "last_name",
    "email",
    "department",
    "manager",
    "status",
)

ACTIVE_STATUSES = {
    "active",
    "aktiv",
    "onboarding",
    "leave",
    "onleave",
    "beurlaubt",
    "abwesend",
    "elternzeit",
    "inelternzeit",
}
INACTIVE_STATUSES = {
    "inactive",
    "inaktiv",
    "former",
    "terminated",
    "ausgeschieden",
    "offboarded",
}


class HrImportError(TableError):
    """An HR export that cannot be imported: one message, or errors by row (or JSON record)
    and column."""

    def __init__(self, message: str | None = None, *, errors=(), records: bool = False):
        self.records = records
        super().__init__(message, errors=errors)

    def headline_for(self, count: int) -> str:
        from django.utils.translation import ngettext

        return ngettext(
            "The file has %(count)s error; nothing was imported.",
            "The file has %(count)s errors; nothing was imported.",
            count,
        ) % {"count": count}

    def line(self, error: RowError) -> str:
        if not self.records:
            return str(error)
        place = _("record %(number)s") % {"number": ", ".join(map(str, error.rows))}
        where = f"{place}, {error.column}" if error.column else place
        return f"{where}: {error.message}"


@dataclass
class HrRecord:
    """One person as the export states them; ``columns`` names each field's column."""

    number: int
    employee_id: str = ""
    username: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    department: str = ""
    manager: str = ""
    active: bool = True
    columns: dict[str, str] = field(default_factory=dict)
    # The fields the export has for this person: one it leaves out (a column not exported,
    # an attribute the API key may not read) is left as it is here.
    present: frozenset[str] = frozenset()

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def has(self, name: str) -> bool:
        return name in self.present

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass
class HrExport:
    """The records of one HR export, and the file again for the admin's "Import now"."""

    hr_format: str
    records: list[HrRecord]
    errors: list[RowError]
    text: str
    file_format: str
    manager_by: str = BY_EMPLOYEE_ID
    # Why the file is not the whole company ("" if nothing says so), e.g. one page of the
    # Personio API's answer: people missing from it must not be deactivated.
    incomplete: str = ""

    @property
    def is_json(self) -> bool:
        return self.file_format == JSON

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.hr_format]


def fold(label: str) -> str:
    """A column name as compared: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", label.casefold())


# Per format: our field → the folded column names that hold it.
PERSONIO_COLUMNS = {
    EMPLOYEE_ID: ("id", "employeeid", "mitarbeiterid", "mitarbeiterinid"),
    FIRST_NAME: ("firstname", "vorname"),
    LAST_NAME: ("lastname", "nachname"),
    EMAIL: ("email", "emailadresse", "emailaddress"),
    STATUS: ("status",),
    DEPARTMENT: ("department", "abteilung"),
    MANAGER: (
        "supervisor",
        "supervisorid",
        "vorgesetzter",
        "vorgesetzte",
        "vorgesetzterid",
        "vorgesetzteid",
    ),
}
BAMBOOHR_COLUMNS = {
    EMPLOYEE_ID: ("id", "eid", "employeeid"),
    FIRST_NAME: ("firstname",),
    LAST_NAME: ("lastname",),
    EMAIL: ("workemail",),
    STATUS: ("status", "employmentstatus"),
    DEPARTMENT: ("department",),
    MANAGER: ("supervisoreid",),
}
SUCCESSFACTORS_COLUMNS = {
    EMPLOYEE_ID: ("userid",),
    USERNAME: ("username",),
    FIRST_NAME: ("firstname",),
    LAST_NAME: ("lastname",),
    EMAIL: ("email",),
    STATUS: ("status",),
    DEPARTMENT: ("department",),
    MANAGER: ("manager",),
}
LMS_COLUMNS = {"username", "name", "email", "department", "manager"}
# SuccessFactors: a person without a manager (NO_MGR is seen in templates too).
SF_NO_MANAGER = {"NO_MANAGER", "NO_MGR"}


def read_org_file(data: str | bytes, *, hr_format: str = AUTO) -> Table | HrExport:
    """The LMS's own org CSV as a Table, or an HR export as an HrExport.

    ``data`` is the file's bytes (or text); ``hr_format`` one of FORMATS. Raises
    HrImportError (or the LMS CSV's OrgImportError) for a file that is not what it should be.
    """
    from lms.people.importers import SPEC

    if hr_format not in FORMATS:
        raise HrImportError(_("Unknown format “%(format)s”.") % {"format": hr_format})
    if _looks_like_json(data):
        if hr_format in (LMS, SUCCESSFACTORS):
            raise HrImportError(
                _("This is a JSON file; the %(format)s format is a CSV or Excel file.")
                % {"format": FORMAT_NAMES[hr_format]}
            )
        return _read_json(data, hr_format)
    try:
        cells, text, file_format = read_cells(data, max_rows=MAX_RECORDS)
    except TableError as error:
        raise HrImportError.like(error) from None
    if not any(cell.strip() for row in cells for cell in row):
        raise HrImportError(_("The file is empty."))
    header = [cell.strip() for cell in cells[0]]
    if hr_format == AUTO:
        hr_format = detect_table_format(header)
    if hr_format == LMS:
        return SPEC.read(data)
    if hr_format == SUCCESSFACTORS:
        return _read_successfactors(cells, text, file_format)
    columns = PERSONIO_COLUMNS if hr_format == PERSONIO else BAMBOOHR_COLUMNS
    records, errors = _table_records(cells, 2, columns, hr_format)
    return HrExport(
        hr_format,
        records,
        errors,
        text,
        file_format,
        manager_by=BY_REFERENCE if hr_format == PERSONIO else BY_EMPLOYEE_ID,
    )


def detect_table_format(header: list[str]) -> str:
    """Which export a table's first row belongs to; raises HrImportError if none fits."""
    folded = {fold(name) for name in header if name.strip()}
    raw = {name.strip() for name in header}
    if {"STATUS", "USERID"} <= raw:
        return SUCCESSFACTORS
    if {name.strip().lower() for name in header if name.strip()} <= LMS_COLUMNS and (
        "username" in {name.strip().lower() for name in header}
    ):
        return LMS
    if folded & {"workemail", "supervisoreid", "employeenumber"}:
        return BAMBOOHR
    personio_names = {name for names in PERSONIO_COLUMNS.values() for name in names}
    if len(folded & personio_names) >= 3:
        return PERSONIO
    if "username" in folded:
        return LMS  # the LMS's own CSV with a wrong column: its checks say which
    raise HrImportError(
        errors=[
            RowError(
                (1,),
                "",
                _(
                    "cannot tell which export this is from its header (%(header)s). Choose "
                    "the format: lms, personio, successfactors or bamboohr."
                )
                % {"header": ", ".join(name for name in header if name)[:300]},
            )
        ]
    )


def _header_map(
    header: list[str], columns: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Our field → its column index and its name in the file; and columns found twice."""
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    doubled = []
    for position, name in enumerate(header):
        folded = fold(name)
        for our, aliases in columns.items():
            if folded in aliases:
                if our in index:
                    doubled.append(name)
                else:
                    index[our], names[our] = position, name.strip()
    return index, names, doubled


def _table_records(
    cells: list[list[str]], first_row: int, columns: dict[str, tuple[str, ...]], hr_format: str
) -> tuple[list[HrRecord], list[RowError]]:
    header = cells[0]
    index, names, doubled = _header_map(header, columns)
    header_problems = []
    if EMPLOYEE_ID not in index:
        wanted = columns[EMPLOYEE_ID][0]
        header_problems.append(
            _(
                "the column with the employee ID (%(column)s) is missing; export it too, it "
                "is how people are found again"
            )
            % {"column": "USERID" if hr_format == SUCCESSFACTORS else wanted}
        )
    if doubled:
        header_problems.append(
            _("the column(s) %(doubled)s appear twice") % {"doubled": ", ".join(doubled)}
        )
    if header_problems:
        raise HrImportError(errors=[RowError((1,), "", "; ".join(header_problems))])
    records, errors = [], []
    for number, row in enumerate(cells[first_row - 1 :], start=first_row):
        if not any(cell.strip() for cell in row):
            continue
        values = {
            our: (row[position].strip() if position < len(row) else "")
            for our, position in index.items()
        }
        record = HrRecord(number, columns=names, present=frozenset(values))
        _fill(record, values, hr_format, errors)
        records.append(record)
    return records, errors


def _fill(record: HrRecord, values: dict[str, str], hr_format: str, errors: list) -> None:
    record.employee_id = values.get(EMPLOYEE_ID, "")
    record.username = values.get(USERNAME, "")
    record.first_name = values.get(FIRST_NAME, "")
    record.last_name = values.get(LAST_NAME, "")
    record.email = values.get(EMAIL, "")
    record.department = values.get(DEPARTMENT, "")
    manager = values.get(MANAGER, "")
    if hr_format == SUCCESSFACTORS and manager.upper() in SF_NO_MANAGER:
        manager = ""
    record.manager = manager
    status = values.get(STATUS, "")
    if status:
        folded = fold(status)
        if folded in INACTIVE_STATUSES:
            record.active = False
        elif folded not in ACTIVE_STATUSES:
            errors.append(
                RowError(
                    (record.number,),
                    record.column(STATUS),
                    _(
                        "unknown status “%(status)s”; use active (also onboarding, leave) "
                        "or inactive (also former, terminated)"
                    )
                    % {"status": status},
                )
            )


def _read_successfactors(cells: list[list[str]], text: str, file_format: str) -> HrExport:
    header = [cell.strip().upper() for cell in cells[0]]
    if len(cells) < 2:
        raise HrImportError(
            errors=[
                RowError(
                    (2,),
                    "",
                    _(
                        "a user data file has the system keys in row 1, the labels in row 2 "
                        "and the people from row 3; row 2 is missing"
                    ),
                )
            ]
        )
    status_label = ""
    if {"STATUS", "USERID"} <= set(header) and header.index("STATUS") < len(cells[1]):
        status_label = cells[1][header.index("STATUS")].strip()
    if fold(status_label) in ACTIVE_STATUSES | INACTIVE_STATUSES:
        # SuccessFactors reads people from row 3 only: this one would be left out there.
        raise HrImportError(
            errors=[
                RowError(
                    (2,),
                    "STATUS",
                    _(
                        "row 2 holds a person, but a user data file has the labels there "
                        "and the people from row 3; add the label row (export a template "
                        "from SuccessFactors)"
                    ),
                )
            ]
        )
    records, errors = _table_records(
        [header, *cells[1:]], 3, SUCCESSFACTORS_COLUMNS, SUCCESSFACTORS
    )
    return HrExport(SUCCESSFACTORS, records, errors, text, file_format)


# --- JSON ---------------------------------------------------------------------------------------


def _looks_like_json(data: str | bytes) -> bool:
    start = (
        data[:64].lstrip() if isinstance(data, str) else data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    )
    return start[:1] in ("{", "[", b"{", b"[")


def _read_json(data: str | bytes, hr_format: str) -> HrExport:
    try:
        text = decode_text(data)
    except NotUtf8:
        raise HrImportError(_("The JSON file is not UTF-8.")) from None
    except MalformedInput as error:
        raise HrImportError(error.message) from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise HrImportError(
            _("The file is not valid JSON; download it again from the HR system.")
        ) from None
    if hr_format == AUTO:
        if isinstance(document, dict) and isinstance(document.get("data"), list):
            hr_format = PERSONIO
        elif isinstance(document, dict) and isinstance(document.get("employees"), list):
            hr_format = BAMBOOHR
        else:
            raise HrImportError(
                _(
                    "Cannot tell which export this JSON is: expected Personio's "
                    "{“data”: [...]} or BambooHR's {“employees”: [...]}."
                )
            )
    key = "data" if hr_format == PERSONIO else "employees"
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise HrImportError(
            _("The JSON has no list “%(key)s” of employees, as the %(format)s export has.")
            % {"key": key, "format": FORMAT_NAMES[hr_format]}
        )
    if len(items) > MAX_RECORDS:
        raise HrImportError(
            _("The file has more than %(max)s rows; split it into smaller files.")
            % {"max": MAX_RECORDS}
        )
    records: list[HrRecord] = []
    errors: list[RowError] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError((number,), "", _("is not an object")))
            continue
        if hr_format == PERSONIO:
            values = _personio_values(item, number, errors)
            columns = {our: f"attributes.{key}" for key, our in _PERSONIO_KEYS.items()}
        else:
            values = _bamboohr_values(item)
            columns = dict(_BAMBOO_JSON_KEYS)
        if values is None:
            continue
        record = HrRecord(number, columns=columns, present=frozenset(values))
        _fill(record, values, hr_format, errors)
        records.append(record)
    return HrExport(
        hr_format, records, errors, text, JSON, incomplete=_one_page_of_many(document, items)
    )


def _one_page_of_many(document: dict, items: list) -> str:
    """Personio's API answers in pages; its ``metadata`` says how many people there are."""
    metadata = document.get("metadata")
    total = metadata.get("total_elements") if isinstance(metadata, dict) else None
    if isinstance(total, int) and not isinstance(total, bool) and total > len(items):
        return _(
            "The file holds %(count)s of %(total)s employees (one page of the API's answer); "
            "put all pages' “data” into one file to deactivate the people missing from it."
        ) % {"count": len(items), "total": total}
    return ""


_PERSONIO_KEYS = {
    "id": EMPLOYEE_ID,
    "first_name": FIRST_NAME,
    "last_name": LAST_NAME,
    "email": EMAIL,
    "status": STATUS,
    "department": DEPARTMENT,
    "supervisor": MANAGER,
}
_BAMBOO_JSON_KEYS = {
    EMPLOYEE_ID: "id",
    FIRST_NAME: "firstName",
    LAST_NAME: "lastName",
    EMAIL: "workEmail",
    STATUS: "status",
    DEPARTMENT: "department",
    MANAGER: "supervisorEId",
}


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def _personio_values(item: dict, number: int, errors: list) -> dict[str, str] | None:
    attributes = item.get("attributes")
    if not isinstance(attributes, dict):
        errors.append(RowError((number,), "attributes", _("is missing or not an object")))
        return None
    values: dict[str, str] = {}
    for key, attribute in attributes.items():
        universal = attribute.get("universal_id") if isinstance(attribute, dict) else None
        # The key first; the universal ID for an attribute whose key is another.
        our = _PERSONIO_KEYS.get(key)
        by_key = our is not None
        if our is None:
            our = _PERSONIO_KEYS.get(universal or "")
        if our is None or (not by_key and our in values):
            continue
        value = attribute.get("value") if isinstance(attribute, dict) else attribute
        if our == DEPARTMENT:
            values[our] = _object_attribute(value, "name")
        elif our == MANAGER:
            values[our] = _object_attribute(value, "id")
        else:
            values[our] = _scalar(value)
    return values


def _object_attribute(value: Any, name: str) -> str:
    """``value["attributes"][name]`` (itself a value or ``{"value": ...}``), or a plain value."""
    if isinstance(value, dict):
        inner = value.get("attributes")
        found = inner.get(name) if isinstance(inner, dict) else value.get(name)
        if isinstance(found, dict):
            found = found.get("value")
        return _scalar(found)
    return _scalar(value)


def _bamboohr_values(item: dict) -> dict[str, str]:
    return {our: _scalar(item[key]) for our, key in _BAMBOO_JSON_KEYS.items() if key in item}


def export_of_posted(text: str, file_format: str) -> str | bytes:
    """The file a dry run posted back (``HrExport.text``/``Table.text`` and its format)."""
    if file_format == JSON:
        return text
    if file_format == CSV:
        return text
    return Table.posted(text, file_format)
