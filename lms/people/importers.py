"""Bring people and reporting lines in from an organisation CSV.

The file has a header row and the columns ``username, name, email, department, manager``
(UTF-8 with or without byte order mark, separated by commas or semicolons). Each row states
how one person should look: a missing user is created, an existing one is brought in line.

Every row is checked before anything is written, and all problems are raised together in one
OrgImportError; nothing is stored until the file is clean (one transaction). Running the same
file again changes nothing. Users that the file does not name are left alone: they are never
deactivated, deleted or moved, and keep their manager.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.core.input_safety import MalformedInput, NotUtf8, decode_text
from lms.people import roles
from lms.people.models import Department, User

COLUMNS = ("username", "name", "email", "department", "manager")
# The admin page keeps an uploaded file in the page for "Import now"; larger files belong on
# the command line.
MAX_FILE_BYTES = 2 * 1024 * 1024
NONE = "—"
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the rows (1 is the header) and the column it concerns."""

    rows: tuple[int, ...]
    column: str
    message: str

    def __str__(self) -> str:
        label = ngettext("row %(rows)s", "rows %(rows)s", len(self.rows)) % {
            "rows": ", ".join(str(row) for row in self.rows)
        }
        where = f"{label}, {self.column}" if self.column else label
        return f"{where}: {self.message}"


class OrgImportError(Exception):
    """Input that cannot be imported; ``errors`` names every problem by row and column."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class RowChange:
    """What one row of the file does (or would do) to its user."""

    row: int
    username: str
    action: str  # CREATE, UPDATE or UNCHANGED
    description: str
    # For updates: (field, before, after), with "—" for an empty value.
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return _("row %(row)s: %(description)s") % {
            "row": self.row,
            "description": self.description,
        }


@dataclass
class OrgImportSummary:
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
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            return (
                _(
                    "%(created)s would be created, %(updated)s would be updated, %(unchanged)s unchanged"
                )
                % counts
            )
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % counts

    def lines(self) -> list[str]:
        lines = [str(change) for change in self.rows]
        lines.append(self.totals())
        if self.dry_run:
            lines.append(_("Dry run: nothing was stored."))
        return lines


@dataclass
class _Row:
    number: int
    username: str
    first_name: str
    last_name: str
    email: str
    department: Department | None
    manager: str  # a username, or "" for none


def read_csv_text(file: IO[str] | IO[bytes]) -> str:
    """The file's text without byte order mark.

    Raises OrgImportError if it is not UTF-8 or holds a NUL character (a damaged or binary file).
    """
    try:
        return decode_text(file.read())
    except NotUtf8 as error:
        raise OrgImportError(
            _(
                "The file is not UTF-8 (byte %(byte)s). In Excel, save it as "
                "“CSV UTF-8 (comma delimited)”."
            )
            % {"byte": error.byte}
        ) from None
    except MalformedInput as error:
        raise OrgImportError(error.message) from None


def split_name(name: str) -> tuple[str, str]:
    """Split a name at its last space: "Anna Maria Berg" → ("Anna Maria", "Berg").

    A single word is the first name; runs of spaces count as one.
    """
    words = " ".join(name.split())
    first, _space, last = words.rpartition(" ")
    return (first, last) if first else (last, "")


def _fail(errors: list[RowError]) -> OrgImportError:
    errors = sorted(errors, key=lambda error: error.rows)
    message = ngettext(
        "The CSV has %(count)s error; nothing was imported.",
        "The CSV has %(count)s errors; nothing was imported.",
        len(errors),
    ) % {"count": len(errors)}
    return OrgImportError("\n".join([message, *map(str, errors)]), errors)


def _csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    header_row = ",".join(COLUMNS)
    if not text.strip():
        raise _fail(
            [RowError((1,), "", _("the file is empty; it needs the header row %s") % header_row)]
        )
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise _fail(
            [
                RowError(
                    (reader.line_num,), "", _("the CSV is malformed (%(error)s)") % {"error": error}
                )
            ]
        ) from None
    header = [cell.strip().lower() for cell in rows[0]]
    errors = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        errors.append(_("unknown column(s) %(unknown)s") % {"unknown": ", ".join(unknown)})
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        errors.append(_("the column(s) %(doubled)s appear twice") % {"doubled": ", ".join(doubled)})
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        errors.append(_("the column(s) %(missing)s are missing") % {"missing": ", ".join(missing)})
    if errors:
        hint = _("The header row must be: %s") % header_row
        raise _fail([RowError((1,), "", f"{'; '.join(errors)}. {hint}")])
    return header, rows[1:]


class _Checker:
    """Reads the file against the database and collects every problem."""

    def __init__(self, header: list[str], rows: list[list[str]]) -> None:
        self.header = header
        self.raw_rows = rows
        self.errors: list[RowError] = []
        self.rows: list[_Row] = []
        departments = list(Department.objects.all())
        self.departments_by_name = {
            department.name.casefold(): department for department in departments
        }
        self.departments_by_slug = {department.slug: department for department in departments}
        # The reporting lines of the whole database, for loops through users not in the file.
        self.db_usernames: dict[int, str] = {}
        self.db_manager_ids: dict[int, int | None] = {}
        for pk, username, manager_id in User.objects.values_list("pk", "username", "manager_id"):
            self.db_usernames[pk] = username
            self.db_manager_ids[pk] = manager_id
        self.db_pk_by_username = {username: pk for pk, username in self.db_usernames.items()}
        self.db_username_by_folded = {
            username.casefold(): username for username in self.db_pk_by_username
        }

    def error(self, rows: int | tuple[int, ...], column: str, message: str) -> None:
        self.errors.append(RowError(rows if isinstance(rows, tuple) else (rows,), column, message))

    def check(self) -> list[_Row]:
        for number, cells in enumerate(self.raw_rows, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if any(cell.strip() for cell in cells[len(self.header) :]):
                self.error(
                    number,
                    "",
                    _("has %(cells)s cells but the header has %(columns)s columns")
                    % {"cells": len(cells), "columns": len(self.header)},
                )
                continue
            values = {name: cell.strip() for name, cell in zip(self.header, cells, strict=False)}
            row = self.check_row(number, values)
            if row is not None:
                self.rows.append(row)
        unique = self.check_duplicates()
        self.check_references(unique)
        self.check_loops(unique)
        return unique

    def check_row(self, number: int, values: dict[str, str]) -> _Row | None:
        username = values.get("username", "")
        if not username:
            self.error(number, "username", _("missing"))
        elif len(username) > 150:
            self.error(number, "username", _("longer than 150 characters"))
        else:
            try:
                UnicodeUsernameValidator()(username)
            except ValidationError:
                self.error(
                    number,
                    "username",
                    _("“%(username)s” may contain only letters, digits and @ . + - _")
                    % {"username": username},
                )
            existing = self.db_username_by_folded.get(username.casefold())
            if existing is not None and username not in self.db_pk_by_username:
                self.error(
                    number,
                    "username",
                    _(
                        "“%(username)s” differs only in case from the existing user "
                        "“%(existing)s”; write it the same way"
                    )
                    % {"username": username, "existing": existing},
                )
        first_name, last_name = split_name(values.get("name", ""))
        if len(first_name) > 150 or len(last_name) > 150:
            self.error(number, "name", _("first and last name may have 150 characters each"))
        email = values.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.error(
                    number,
                    "email",
                    _("“%(email)s” is not a valid email address") % {"email": email},
                )
            else:
                if len(email) > 254:
                    self.error(number, "email", _("longer than 254 characters"))
        department = None
        name_or_slug = values.get("department", "")
        if name_or_slug:
            department = self.departments_by_name.get(
                name_or_slug.casefold()
            ) or self.departments_by_slug.get(name_or_slug)
            if department is None:
                self.error(
                    number,
                    "department",
                    _(
                        "there is no department with the name or slug “%(department)s”; "
                        "create it first under Departments"
                    )
                    % {"department": name_or_slug},
                )
        manager = values.get("manager", "")
        if manager and username and manager.casefold() == username.casefold():
            self.error(number, "manager", _("a person cannot be their own manager"))
        if not username:
            return None
        # A row with other errors still takes part in the duplicate, manager and loop checks.
        return _Row(number, username, first_name, last_name, email, department, manager)

    def check_duplicates(self) -> list[_Row]:
        by_name: dict[str, list[_Row]] = {}
        for row in self.rows:
            by_name.setdefault(row.username.casefold(), []).append(row)
        for rows in by_name.values():
            if len(rows) > 1:
                self.error(
                    tuple(row.number for row in rows),
                    "username",
                    _("“%(username)s” appears more than once") % {"username": rows[0].username},
                )
        return [rows[0] for rows in by_name.values()]

    def check_references(self, rows: list[_Row]) -> None:
        in_file = {row.username for row in rows}
        folded_in_file = {row.username.casefold(): row.username for row in rows}
        for row in rows:
            if not row.manager or row.manager.casefold() == row.username.casefold():
                continue
            if row.manager in in_file or row.manager in self.db_pk_by_username:
                continue
            similar = folded_in_file.get(row.manager.casefold()) or self.db_username_by_folded.get(
                row.manager.casefold()
            )
            message = _("“%(manager)s” is neither a username in this file nor an existing user") % {
                "manager": row.manager
            }
            if similar:
                message += " " + _("(did you mean “%(similar)s”?)") % {"similar": similar}
            self.error(row.number, "manager", message)

    def check_loops(self, rows: list[_Row]) -> None:
        """Report every loop in the reporting lines as they would be after the import."""
        row_of = {row.username: row for row in rows}

        def manager_of(username: str) -> str | None:
            row = row_of.get(username)
            if row is not None:
                if row.manager in row_of or row.manager in self.db_pk_by_username:
                    return row.manager
                return None  # empty, or unknown (reported already)
            pk = self.db_pk_by_username.get(username)
            manager_id = self.db_manager_ids.get(pk) if pk is not None else None
            return self.db_usernames.get(manager_id) if manager_id is not None else None

        done: set[str] = set()
        for row in rows:
            path: list[str] = []
            position: dict[str, int] = {}
            current: str | None = row.username
            while current is not None and current not in done and current not in position:
                position[current] = len(path)
                path.append(current)
                current = manager_of(current)
            if current is not None and current in position:
                loop = path[position[current] :]
                numbers = tuple(sorted(row_of[name].number for name in loop if name in row_of))
                # A loop only among users the file does not name was there before; not ours.
                if numbers and len(loop) > 1:
                    names = [
                        name if name in row_of else _("%(name)s (existing user)") % {"name": name}
                        for name in loop
                    ]
                    self.error(
                        numbers,
                        "manager",
                        _("the reporting lines form a loop: %(loop)s")
                        % {"loop": " → ".join([*names, names[0]])},
                    )
            done.update(path)


def _display_name(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or NONE


def _plan(row: _Row, user: User | None, manager_name: str | None) -> RowChange:
    department = row.department.name if row.department else None
    if user is None:
        details = [
            department or _("no department"),
            _("reports to %(manager)s") % {"manager": row.manager}
            if row.manager
            else _("no manager"),
        ]
        return RowChange(
            row=row.number,
            username=row.username,
            action=CREATE,
            description=_("create %(username)s (%(details)s)")
            % {"username": row.username, "details": ", ".join(details)},
        )
    changes = []
    before_name = _display_name(user.first_name, user.last_name)
    after_name = _display_name(row.first_name, row.last_name)
    if (user.first_name, user.last_name) != (row.first_name, row.last_name):
        changes.append((_("name"), before_name, after_name))
    if user.email != row.email:
        changes.append((_("email"), user.email or NONE, row.email or NONE))
    if user.department_id != (row.department.pk if row.department else None):
        changes.append(
            (_("department"), user.department.name if user.department else NONE, department or NONE)
        )
    if (manager_name or "") != row.manager:
        changes.append((_("manager"), manager_name or NONE, row.manager or NONE))
    if not changes:
        return RowChange(
            row=row.number,
            username=row.username,
            action=UNCHANGED,
            description=_("unchanged %(username)s") % {"username": row.username},
        )
    return RowChange(
        row=row.number,
        username=row.username,
        action=UPDATE,
        description=_("update %(username)s: %(changes)s")
        % {
            "username": row.username,
            "changes": "; ".join(f"{label} {before} → {after}" for label, before, after in changes),
        },
        changes=changes,
    )


def import_org_csv(*, file: IO[str] | IO[bytes], dry_run: bool = False) -> OrgImportSummary:
    """Create or update the people in an organisation CSV: all rows, or none.

    Raises OrgImportError listing every problem by row and column. With ``dry_run`` the
    summary shows what would change, and nothing is stored.
    """
    header, raw_rows = _csv_rows(read_csv_text(file))
    summary = OrgImportSummary(dry_run=dry_run)
    try:
        with transaction.atomic():
            checker = _Checker(header, raw_rows)
            rows = checker.check()
            if checker.errors:
                raise _fail(checker.errors)
            users = {
                user.username: user
                for user in User.objects.select_related("department", "manager").filter(
                    username__in=[row.username for row in rows]
                )
            }
            for row in rows:
                user = users.get(row.username)
                manager = user.manager.username if user and user.manager else None
                summary.rows.append(_plan(row, user, manager))
            if not dry_run:
                _write(rows, users, summary)
    except IntegrityError:
        # Someone added or renamed a user between the checks and the writes.
        raise _changed_meanwhile() from None
    return summary


def _changed_meanwhile() -> OrgImportError:
    return OrgImportError(
        _("Users changed while the import ran; nothing was imported. Please run it again.")
    )


def _write(rows: list[_Row], users: dict[str, User], summary: OrgImportSummary) -> None:
    employees, _created = Group.objects.get_or_create(name=roles.EMPLOYEES)
    action_of = {change.username: change.action for change in summary.rows}
    for row in rows:
        if action_of[row.username] != CREATE:
            continue
        user = User(
            username=row.username,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            department=row.department,
            is_active=True,
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(employees)
        users[row.username] = user
    # Managers are set once every user of the file exists: a row may name a later row.
    missing = {row.manager for row in rows if row.manager and row.manager not in users}
    users.update({user.username: user for user in User.objects.filter(username__in=missing)})
    for row in rows:
        action = action_of[row.username]
        if action == UNCHANGED or (action == CREATE and not row.manager):
            continue
        if row.manager and row.manager not in users:
            raise _changed_meanwhile()  # the manager was deleted after the checks
        user = users[row.username]
        user.first_name, user.last_name = row.first_name, row.last_name
        user.email = row.email
        user.department = row.department
        user.manager = users[row.manager] if row.manager else None
        fields = ["first_name", "last_name", "email", "department", "manager"]
        user.save(update_fields=fields if action == UPDATE else ["manager"])
