"""Bring people and reporting lines in from an organisation table (CSV or Excel).

The file has a header row and the columns ``username, name, email, department, manager``
(read by lms.core.tabular: CSV in UTF-8 with or without byte order mark, separated by commas,
semicolons or tabs, or an .xlsx workbook). Each row states how one person should look: a
missing user is created, an existing one is brought in line.

Every row is checked before anything is written (``OrgRowForm`` per row; duplicates, managers
and reporting loops across rows), and all problems are raised together in one OrgImportError;
nothing is stored until the file is clean (one transaction). Running the same file again
changes nothing. Users that the file does not name are left alone: they are never
deactivated, deleted or moved, and keep their manager.

The exports of HR systems (Personio, SAP SuccessFactors, BambooHR) are read by
lms.people.hr_formats and applied by lms.people.hr_import; ``import_org`` and the admin page
take either (``hr_formats.read_org_file`` tells them apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django import forms
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.core.tabular import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportSummary,
    RowChange,
    RowError,
    Table,
    TableError,
    TableImport,
    TableSpec,
    check_rows,
)
from lms.people import roles
from lms.people.models import Department, User

COLUMNS = ("username", "name", "email", "department", "manager")
NONE = "—"
# The summary of an import: one RowChange per row.
OrgImportSummary = ImportSummary


class OrgImportError(TableError):
    """Input that cannot be imported; ``errors`` names every problem by row and column."""


SPEC = TableSpec(columns=COLUMNS, error_class=OrgImportError)


@dataclass
class _Row:
    number: int
    username: str
    first_name: str
    last_name: str
    email: str
    department: Department | None
    manager: str  # a username, or "" for none


def split_name(name: str) -> tuple[str, str]:
    """Split a name at its last space: "Anna Maria Berg" → ("Anna Maria", "Berg").

    A single word is the first name; runs of spaces count as one.
    """
    words = " ".join(name.split())
    first, _space, last = words.rpartition(" ")
    return (first, last) if first else (last, "")


class OrgRowForm(forms.Form):
    """One row of the file, checked against the departments and users that ``checker`` read."""

    username = forms.CharField(required=False)
    name = forms.CharField(required=False)
    email = forms.CharField(required=False)
    department = forms.CharField(required=False)
    manager = forms.CharField(required=False)

    def __init__(self, *args, checker: _Checker, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.checker = checker

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if not username:
            raise ValidationError(_("missing"))
        if len(username) > 150:
            raise ValidationError(_("longer than 150 characters"))
        problems = []
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            problems.append(
                _("“%(username)s” may contain only letters, digits and @ . + - _")
                % {"username": username}
            )
        existing = self.checker.db_username_by_folded.get(username.casefold())
        if existing is not None and username not in self.checker.db_pk_by_username:
            problems.append(
                _(
                    "“%(username)s” differs only in case from the existing user "
                    "“%(existing)s”; write it the same way"
                )
                % {"username": username, "existing": existing}
            )
        if problems:
            raise ValidationError(problems)
        return username

    def clean_name(self) -> tuple[str, str]:
        first_name, last_name = split_name(self.cleaned_data["name"])
        if len(first_name) > 150 or len(last_name) > 150:
            raise ValidationError(_("first and last name may have 150 characters each"))
        return first_name, last_name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(
                    _("“%(email)s” is not a valid email address") % {"email": email}
                ) from None
            if len(email) > 254:
                raise ValidationError(_("longer than 254 characters"))
        return email

    def clean_department(self) -> Department | None:
        name_or_slug = self.cleaned_data["department"]
        if not name_or_slug:
            return None
        department = self.checker.departments_by_name.get(
            name_or_slug.casefold()
        ) or self.checker.departments_by_slug.get(name_or_slug)
        if department is None:
            raise ValidationError(
                _(
                    "there is no department with the name or slug “%(department)s”; "
                    "create it first under Departments"
                )
                % {"department": name_or_slug}
            )
        return department

    def clean(self):
        cleaned = super().clean()
        username, manager = self.data.get("username", ""), cleaned.get("manager", "")
        if manager and username and manager.casefold() == username.casefold():
            self.add_error("manager", _("a person cannot be their own manager"))
        return cleaned


class _Checker:
    """Reads the table against the database and collects every problem."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.errors: list[RowError] = []
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
        self.rows = []
        for row in check_rows(self.table, OrgRowForm, self.errors, checker=self):
            username = row.values["username"]
            if not username:
                continue
            # A row with other errors still takes part in the duplicate, manager and loop checks.
            first_name, last_name = split_name(row.values["name"])
            self.rows.append(
                _Row(
                    row.number,
                    username,
                    first_name,
                    last_name,
                    row.values["email"],
                    row.cleaned.get("department"),
                    row.values["manager"],
                )
            )
        unique = self.check_duplicates()
        self.check_references(unique)
        self.check_loops(unique)
        return unique

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
            key=row.username,
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
            key=row.username,
            action=UNCHANGED,
            description=_("unchanged %(username)s") % {"username": row.username},
        )
    return RowChange(
        row=row.number,
        key=row.username,
        action=UPDATE,
        description=_("update %(username)s: %(changes)s")
        % {
            "username": row.username,
            "changes": "; ".join(f"{label} {before} → {after}" for label, before, after in changes),
        },
        changes=changes,
    )


def import_org_csv(
    *, file: IO[str] | IO[bytes] | str | bytes, dry_run: bool = False
) -> OrgImportSummary:
    """Create or update the people in an organisation CSV or workbook: all rows, or none."""
    return ORG_IMPORT.from_file(file, dry_run=dry_run)


def import_org(*, table: Table, dry_run: bool = False) -> OrgImportSummary:
    """Create or update the people in a table read by ``SPEC``: all rows, or none.

    Raises OrgImportError listing every problem by row and column. With ``dry_run`` the
    summary shows what would change, and nothing is stored.
    """
    summary = OrgImportSummary(dry_run=dry_run)
    try:
        with transaction.atomic():
            checker = _Checker(table)
            rows = checker.check()
            if checker.errors:
                raise OrgImportError(errors=checker.errors)
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
    action_of = {change.key: change.action for change in summary.rows}
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


ORG_IMPORT = TableImport(SPEC, import_org, command="import_org", key_label=gettext_lazy("Username"))
