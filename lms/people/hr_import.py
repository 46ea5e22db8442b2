"""Bring people, departments and reporting lines in from an HR system's export.

The records come from lms.people.hr_formats (Personio, SAP SuccessFactors, BambooHR). As the
LMS's own org CSV (lms.people.importers): every record is checked first and all problems are
raised together (HrImportError, by row or JSON record and column); nothing is stored unless
the whole file is clean (one transaction); a dry run shows what would change; the same file
twice changes nothing.

How a record finds its person here, in this order:

1. by **employee ID** (``User.employee_id``, the export's ID: Personio ``id``, SuccessFactors
   ``USERID``, BambooHR ``id``);
2. else by **e-mail address** (case-insensitive), among people who have no employee ID yet;
3. else by **username** (only SuccessFactors exports have one), among people who have no
   employee ID yet.

A person found by e-mail or username gets the employee ID, so the next import finds them by
it. Two records that find the same person, or an e-mail shared by several people without an
employee ID, are errors: guessing would merge two people's records.

A new person's username is the export's USERNAME (SuccessFactors), else the part of the
e-mail address before the @, else "first.last" (umlauts spelled out: ä → ae, ß → ss), else
"employee-<ID>"; made unique with a number ("anna.berg2"). An existing person's username is
never changed: it is how they sign in.

Departments are found by name (case-insensitive) or slug, and **created** when missing: the HR
system is where departments are kept, an export of a whole company names dozens of them, and
a misspelling there is fixed there. The dry run lists every department it would create. (The
LMS's own CSV, written by hand, still requires existing departments, so that a typo does not
make a department.)

Managers are named by employee ID (Personio's table exports show the supervisor's name, so
there the cell may also be an e-mail address or the full name of someone in the file), in
this file (before or after their reports) or already here. Reporting loops are refused.

Status: a person who is inactive in the export (inactive, former, terminated) is deactivated
with ``services.set_active`` (records stay; nobody is ever deleted); one who is active in the
export again is reactivated. Inactive people the LMS never had are not created; a report of
theirs then has no manager here. Never deactivated by an import: superusers (the break-glass
admins, often not in the HR system) and the person running it; the summary says so.

``deactivate_missing``: the export is the whole company, and active people who have an
employee ID but are not in it are deactivated in the same run (listed in the dry run first).
People without an employee ID (local accounts: service users, external trainers, admins)
were never in the HR system and are left alone, as are superusers and the person running it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.core.tabular import CREATE, UNCHANGED, UPDATE, ImportSummary, RowChange, RowError
from lms.people import roles, services
from lms.people.hr_formats import (
    BY_REFERENCE,
    DEPARTMENT,
    EMAIL,
    EMPLOYEE_ID,
    FIRST_NAME,
    LAST_NAME,
    MANAGER,
    USERNAME,
    HrExport,
    HrImportError,
    HrRecord,
)
from lms.people.models import Department, User

NONE = "—"
SOURCE = "hr import"
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


@dataclass
class HrImportSummary(ImportSummary):
    """Per record what changed (or would), the people missing from the export, and counts."""

    format_name: str = ""
    missing: list[RowChange] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    deactivated: int = 0
    reactivated: int = 0
    kept_active: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[RowChange]:
        return [
            *super().changes,
            *(change for change in self.missing if change.action != UNCHANGED),
        ]

    def totals(self) -> str:
        counts = {
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
            "departments": len(self.new_departments),
        }
        if self.dry_run:
            more = (
                _(
                    "%(deactivated)s would be deactivated, %(reactivated)s reactivated, "
                    "%(departments)s new department(s)"
                )
                % counts
            )
        else:
            more = (
                _(
                    "%(deactivated)s deactivated, %(reactivated)s reactivated, "
                    "%(departments)s new department(s)"
                )
                % counts
            )
        return f"{super().totals()}; {more}"

    def lines(self) -> list[str]:
        lines = [str(change) for change in self.rows]
        if self.new_departments:
            lines.append(
                _("New departments: %(names)s") % {"names": ", ".join(self.new_departments)}
            )
        lines.extend(change.description for change in self.missing)
        lines.append(self.totals())
        if self.dry_run:
            lines.append(_("Dry run: nothing was stored."))
        return lines


@dataclass
class _Plan:
    record: HrRecord
    user: User | None
    found_by: str = ""
    username: str = ""
    department_key: str = ""  # folded name; "" for none
    manager_key: tuple | None = None  # ("r", number) or ("u", pk)
    manager_note: str = ""
    skipped: bool = False  # inactive in the export and not here: not created
    keep_manager: bool = False  # the export has no manager column: keep the one here


def import_hr(
    *,
    export: HrExport,
    dry_run: bool = False,
    deactivate_missing: bool = False,
    acting_user: User | None = None,
    progress: Callable[[str], None] | None = None,
) -> HrImportSummary:
    """Create, update, deactivate and reactivate the people of an HR export: all, or none.

    Raises HrImportError naming every problem. With ``dry_run`` nothing is stored.
    ``progress`` (e.g. a command's stdout.write) hears how far a long import has come.
    """
    say = progress or (lambda line: None)
    if deactivate_missing and export.incomplete:
        raise HrImportError(export.incomplete)
    summary = HrImportSummary(dry_run=dry_run, format_name=export.format_name)
    try:
        with transaction.atomic():
            checker = _Checker(export, acting_user)
            say(
                ngettext(
                    "Checking %(count)s person …",
                    "Checking %(count)s people …",
                    len(export.records),
                )
                % {"count": len(export.records)}
            )
            plans = checker.check()
            if checker.errors:
                raise HrImportError(errors=checker.errors, records=export.is_json)
            checker.summarise(plans, summary, deactivate_missing)
            if not dry_run:
                _write(checker, plans, summary, say)
    except IntegrityError:
        raise HrImportError(
            _("People changed while the import ran; nothing was imported. Please run it again.")
        ) from None
    return summary


class _Checker:
    def __init__(self, export: HrExport, acting_user: User | None) -> None:
        self.export = export
        self.acting_pk = acting_user.pk if acting_user is not None else None
        self.errors: list[RowError] = list(export.errors)
        self.users = {
            user.pk: user for user in User.objects.select_related("department", "manager")
        }
        self.by_employee_id = {u.employee_id: u for u in self.users.values() if u.employee_id}
        self.by_email: dict[str, list[User]] = {}  # people without an employee ID
        self.with_id_by_email: dict[str, User] = {}
        for user in self.users.values():
            if user.email and not user.employee_id:
                self.by_email.setdefault(user.email.casefold(), []).append(user)
            elif user.email:
                self.with_id_by_email.setdefault(user.email.casefold(), user)
        self.by_username = {user.username: user for user in self.users.values()}
        self.departments: dict[str, Department] = {}
        self.departments_by_slug: dict[str, Department] = {}
        for department in Department.objects.all():
            self.departments[department.name.casefold()] = department
            self.departments_by_slug[department.slug] = department
        self.new_departments: dict[str, str] = {}  # folded → name as first written

    def error(self, rows, column: str, message: str) -> None:
        rows = rows if isinstance(rows, tuple) else (rows,)
        self.errors.append(RowError(rows, column, message))

    # -- checks ------------------------------------------------------------------------------

    def check(self) -> list[_Plan]:
        records = self.export.records
        for record in records:
            self.check_fields(record)
        records = self.without_duplicates(records)
        plans = [self.match(record) for record in records]
        for plan in plans:
            self.keep_what_the_export_leaves_out(plan)
        self.check_same_person(plans)
        self.name_new_people(plans)
        for plan in plans:
            self.find_department(plan)
        self.find_managers(plans)
        self.check_loops(plans)
        return plans

    def check_fields(self, record: HrRecord) -> None:
        column = record.column
        if not record.employee_id:
            self.error(
                record.number,
                column(EMPLOYEE_ID),
                _("missing; every person needs their ID from the HR system"),
            )
        elif len(record.employee_id) > 64:
            self.error(record.number, column(EMPLOYEE_ID), _("longer than 64 characters"))
        if record.email:
            try:
                validate_email(record.email)
                if len(record.email) > 254:
                    raise ValidationError("")
            except ValidationError:
                self.error(
                    record.number,
                    column(EMAIL),
                    _("“%(email)s” is not a valid email address") % {"email": record.email},
                )
        for name in (FIRST_NAME, LAST_NAME):
            if len(getattr(record, name)) > 150:
                self.error(record.number, column(name), _("longer than 150 characters"))
        if len(record.department) > 100:
            self.error(record.number, column(DEPARTMENT), _("longer than 100 characters"))
        if record.username:
            try:
                UnicodeUsernameValidator()(record.username)
                if len(record.username) > 150:
                    raise ValidationError("")
            except ValidationError:
                self.error(
                    record.number,
                    column(USERNAME),
                    _("“%(username)s” may contain only letters, digits and @ . + - _")
                    % {"username": record.username},
                )
        if record.manager and record.manager == record.employee_id:
            self.error(record.number, column(MANAGER), _("a person cannot be their own manager"))

    def without_duplicates(self, records: list[HrRecord]) -> list[HrRecord]:
        by_id: dict[str, list[HrRecord]] = {}
        for record in records:
            if record.employee_id:
                by_id.setdefault(record.employee_id, []).append(record)
        for same in by_id.values():
            if len(same) > 1:
                self.error(
                    tuple(record.number for record in same),
                    same[0].column(EMPLOYEE_ID),
                    _("the ID “%(id)s” appears more than once; each person once, please")
                    % {"id": same[0].employee_id},
                )
        return [same[0] for same in by_id.values()]

    def match(self, record: HrRecord) -> _Plan:
        user = self.by_employee_id.get(record.employee_id)
        if user is not None:
            return _Plan(record, user, found_by="employee_id")
        if record.email:
            candidates = self.by_email.get(record.email.casefold(), [])
            if len(candidates) > 1:
                self.error(
                    record.number,
                    record.column(EMAIL),
                    _(
                        "%(count)s people here have the address %(email)s and no employee ID; "
                        "enter the ID %(id)s on the right one in the user admin, then import "
                        "again"
                    )
                    % {"count": len(candidates), "email": record.email, "id": record.employee_id},
                )
                return _Plan(record, None)
            if candidates:
                return _Plan(record, candidates[0], found_by="email")
            other = self.with_id_by_email.get(record.email.casefold())
            # (An inactive record is skipped anyway: a leaver's old address may be reused.)
            if other is not None and record.active:
                # Most likely the same person under an ID written differently (Excel drops
                # leading zeros) or changed in the HR system: creating a second account
                # would split their records.
                self.error(
                    record.number,
                    record.column(EMPLOYEE_ID),
                    _(
                        "the address %(email)s belongs to %(username)s here, whose employee "
                        "ID is %(other)s, not %(id)s; if the ID changed, correct it in the "
                        "user admin, then import again"
                    )
                    % {
                        "email": record.email,
                        "username": other.username,
                        "other": other.employee_id,
                        "id": record.employee_id,
                    },
                )
                return _Plan(record, None)
        if record.username:
            user = self.by_username.get(record.username)
            if user is not None and not user.employee_id:
                return _Plan(record, user, found_by="username")
            if user is not None:
                self.error(
                    record.number,
                    record.column(USERNAME),
                    _(
                        "the username “%(username)s” belongs to the person with the employee "
                        "ID %(other)s here; correct the ID or the username"
                    )
                    % {"username": record.username, "other": user.employee_id},
                )
        return _Plan(record, None, skipped=not record.active)

    def keep_what_the_export_leaves_out(self, plan: _Plan) -> None:
        """A field the export does not have (a column not exported, an attribute the API
        key may not read) stays as it is here."""
        record, user = plan.record, plan.user
        if user is None:
            return
        for name in (FIRST_NAME, LAST_NAME, EMAIL):
            if not record.has(name):
                setattr(record, name, getattr(user, name))
        if not record.has(DEPARTMENT):
            record.department = user.department.name if user.department else ""
        if not record.has(MANAGER):
            plan.keep_manager = True

    def check_same_person(self, plans: list[_Plan]) -> None:
        by_user: dict[int, list[_Plan]] = {}
        for plan in plans:
            if plan.user is not None:
                by_user.setdefault(plan.user.pk, []).append(plan)
        for same in by_user.values():
            if len(same) > 1:
                self.error(
                    tuple(sorted(plan.record.number for plan in same)),
                    "",
                    _(
                        "these rows all find the same person here, “%(username)s” (by employee "
                        "ID, e-mail address or username); correct the IDs or addresses"
                    )
                    % {"username": same[0].user.username},
                )

    def name_new_people(self, plans: list[_Plan]) -> None:
        taken = {username.casefold() for username in self.by_username}
        for plan in plans:
            if plan.user is not None:
                plan.username = plan.user.username
                taken.add(plan.username.casefold())
        for plan in plans:
            if plan.user is not None or plan.skipped:
                continue
            plan.username = _unique(_username_base(plan.record), taken)
            taken.add(plan.username.casefold())

    def find_department(self, plan: _Plan) -> None:
        name = " ".join(plan.record.department.split())
        if not name:
            return
        folded = name.casefold()
        if folded in self.departments or name in self.departments_by_slug:
            department = self.departments.get(folded) or self.departments_by_slug[name]
            plan.department_key = department.name.casefold()
            return
        if not plan.skipped:
            self.new_departments.setdefault(folded, name)
        plan.department_key = folded

    def find_managers(self, plans: list[_Plan]) -> None:
        in_file = {plan.record.employee_id: plan for plan in plans}
        by_email: dict[str, list[_Plan]] = {}
        by_name: dict[str, list[_Plan]] = {}
        for plan in plans:
            if plan.record.email:
                by_email.setdefault(plan.record.email.casefold(), []).append(plan)
            if plan.record.full_name:
                by_name.setdefault(plan.record.full_name.casefold(), []).append(plan)
        self.plan_of_user = {plan.user.pk: plan for plan in plans if plan.user is not None}
        for plan in plans:
            if plan.keep_manager:
                manager_id = plan.user.manager_id
                plan.manager_key = ("u", manager_id) if manager_id is not None else None
                continue
            reference = plan.record.manager
            if not reference or reference == plan.record.employee_id:
                continue
            target = in_file.get(reference)
            if target is None and self.export.manager_by == BY_REFERENCE:
                found = by_email.get(reference.casefold()) or by_name.get(reference.casefold())
                if found and len(found) > 1:
                    self.error(
                        plan.record.number,
                        plan.record.column(MANAGER),
                        _(
                            "“%(manager)s” fits %(count)s people in this file; give the "
                            "supervisor's ID instead"
                        )
                        % {"manager": reference, "count": len(found)},
                    )
                    continue
                target = found[0] if found else None
            if target is plan:
                self.error(
                    plan.record.number,
                    plan.record.column(MANAGER),
                    _("a person cannot be their own manager"),
                )
                continue
            if target is not None:
                if target.skipped:
                    plan.manager_note = _("manager %(manager)s left") % {"manager": reference}
                elif target.user is not None:
                    plan.manager_key = ("u", target.user.pk)
                else:
                    plan.manager_key = ("r", target.record.number)
                continue
            user = self.by_employee_id.get(reference)
            if user is None and self.export.manager_by == BY_REFERENCE:
                candidates = self.by_email.get(reference.casefold(), [])
                user = candidates[0] if len(candidates) == 1 else None
            if user is not None:
                plan.manager_key = ("u", user.pk)
                continue
            self.error(
                plan.record.number,
                plan.record.column(MANAGER),
                _(
                    "no one has the ID “%(manager)s”, neither in this file nor here; export "
                    "the manager too, or correct the ID"
                )
                % {"manager": reference},
            )

    def manager_of(self, node: tuple) -> tuple | None:
        kind, key = node
        if kind == "r":
            return self.plan_by_number[key].manager_key
        plan = self.plan_of_user.get(key)
        if plan is not None:
            return plan.manager_key
        manager_id = self.users[key].manager_id
        return ("u", manager_id) if manager_id is not None else None

    def node(self, plan: _Plan) -> tuple:
        return ("u", plan.user.pk) if plan.user is not None else ("r", plan.record.number)

    def label(self, node: tuple) -> str:
        kind, key = node
        if kind == "r":
            return self.plan_by_number[key].record.employee_id
        plan = self.plan_of_user.get(key)
        if plan is not None:
            return plan.record.employee_id
        user = self.users[key]
        return _("%(name)s (existing user)") % {"name": user.employee_id or user.username}

    def check_loops(self, plans: list[_Plan]) -> None:
        self.plan_by_number = {plan.record.number: plan for plan in plans}
        number_of = {self.node(plan): plan.record.number for plan in plans}
        done: set[tuple] = set()
        for plan in plans:
            path: list[tuple] = []
            position: dict[tuple, int] = {}
            current = self.node(plan)
            while current is not None and current not in done and current not in position:
                position[current] = len(path)
                path.append(current)
                current = self.manager_of(current)
            if current is not None and current in position:
                loop = path[position[current] :]
                numbers = tuple(sorted(number_of[node] for node in loop if node in number_of))
                if numbers and len(loop) > 1:
                    names = [self.label(node) for node in loop]
                    self.error(
                        numbers,
                        plan.record.column(MANAGER),
                        _("the reporting lines form a loop: %(loop)s")
                        % {"loop": " → ".join([*names, names[0]])},
                    )
            done.update(path)

    # -- the plan ----------------------------------------------------------------------------

    def department_name(self, key: str) -> str:
        if not key:
            return ""
        department = self.departments.get(key)
        return department.name if department is not None else self.new_departments.get(key, "")

    def manager_username(self, key: tuple | None) -> str:
        if key is None:
            return ""
        kind, value = key
        if kind == "r":
            return self.plan_by_number[value].username
        return self.users[value].username

    def protected(self, user: User) -> str:
        """Why an import may not deactivate this person ("" if it may)."""
        if user.is_superuser:
            return _("superuser")
        if user.pk == self.acting_pk:
            return _("you are running the import")
        return ""

    def summarise(self, plans: list[_Plan], summary: HrImportSummary, missing: bool) -> None:
        summary.new_departments = sorted(self.new_departments.values(), key=str.casefold)
        for plan in plans:
            summary.rows.append(self.plan_change(plan, summary))
        if missing:
            matched = {plan.user.pk for plan in plans if plan.user is not None}
            for user in sorted(self.users.values(), key=lambda user: user.username):
                if not user.is_active or not user.employee_id or user.pk in matched:
                    continue
                reason = self.protected(user)
                if reason:
                    summary.kept_active.append(user.username)
                    description = _(
                        "not in the export, but stays active (%(reason)s): %(username)s"
                    ) % {"reason": reason, "username": user.username}
                    action = UNCHANGED
                else:
                    summary.deactivated += 1
                    description = _("deactivate %(username)s (ID %(id)s): not in the export") % {
                        "username": user.username,
                        "id": user.employee_id,
                    }
                    action = UPDATE
                summary.missing.append(RowChange(0, user.username, action, description))

    def plan_change(self, plan: _Plan, summary: HrImportSummary) -> RowChange:
        record, user = plan.record, plan.user
        number = record.number
        if plan.skipped:
            return RowChange(
                number,
                record.employee_id,
                UNCHANGED,
                _("skipped ID %(id)s: inactive in the export and not here")
                % {"id": record.employee_id},
            )
        department = self.department_name(plan.department_key)
        manager = self.manager_username(plan.manager_key)
        if user is None:
            details = [
                department or _("no department"),
                _("reports to %(manager)s") % {"manager": manager}
                if manager
                else (plan.manager_note or _("no manager")),
            ]
            return RowChange(
                number,
                plan.username,
                CREATE,
                _("create %(username)s (ID %(id)s; %(details)s)")
                % {
                    "username": plan.username,
                    "id": record.employee_id,
                    "details": ", ".join(details),
                },
            )
        changes = []
        kept = None
        if user.employee_id != record.employee_id:
            found_by = _("e-mail address") if plan.found_by == "email" else _("username")
            changes.append((_("employee ID"), NONE, f"{record.employee_id} ({found_by})"))
        if (user.first_name, user.last_name) != (record.first_name, record.last_name):
            changes.append(
                (
                    _("name"),
                    _display(user.first_name, user.last_name),
                    _display(record.first_name, record.last_name),
                )
            )
        if user.email != record.email:
            changes.append((_("email"), user.email or NONE, record.email or NONE))
        before_department = user.department.name if user.department else ""
        if before_department != department:
            changes.append((_("department"), before_department or NONE, department or NONE))
        before_manager = user.manager.username if user.manager else ""
        if before_manager != manager:
            after = manager or (f"{NONE} ({plan.manager_note})" if plan.manager_note else NONE)
            changes.append((_("manager"), before_manager or NONE, after))
        status = _("active"), _("inactive")
        if record.active and not user.is_active:
            summary.reactivated += 1
            changes.append((_("status"), status[1], status[0]))
        elif not record.active and user.is_active:
            reason = self.protected(user)
            if reason:
                summary.kept_active.append(user.username)
                kept = (_("status"), status[0], _("stays active (%(reason)s)") % {"reason": reason})
                changes.append(kept)
            else:
                summary.deactivated += 1
                changes.append((_("status"), status[0], status[1]))
        writes = [change for change in changes if change is not kept]
        if not changes:
            return RowChange(
                number,
                plan.username,
                UNCHANGED,
                _("unchanged %(username)s") % {"username": plan.username},
            )
        return RowChange(
            number,
            plan.username,
            UPDATE if writes else UNCHANGED,
            _("update %(username)s: %(changes)s")
            % {
                "username": plan.username,
                "changes": "; ".join(
                    f"{label} {before} → {after}" for label, before, after in changes
                ),
            },
            changes=changes,
        )


def _display(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name, last_name) if part) or NONE


def _clean_username(text: str) -> str:
    text = text.translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w.@+-]+", ".", text.strip().lower())
    return re.sub(r"\.{2,}", ".", text).strip(".")[:140]


def _username_base(record: HrRecord) -> str:
    if record.username:  # checked to be a valid username
        return record.username
    candidates = [
        record.email.partition("@")[0] if record.email else "",
        ".".join(part for part in (record.first_name, record.last_name) if part),
        f"employee-{record.employee_id}",
    ]
    for candidate in candidates:
        cleaned = _clean_username(candidate)
        if cleaned:
            return cleaned
    return "employee"


def _unique(base: str, taken: set[str]) -> str:
    if base.casefold() not in taken:
        return base
    number = 2
    while f"{base}{number}".casefold() in taken:
        number += 1
    return f"{base}{number}"


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name.translate(_UMLAUTS))[:90] or "department"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def _managers_first(plans: list[_Plan], plan_by_number: dict[int, _Plan]) -> list[_Plan]:
    """``plans`` (new people) ordered so that a new manager comes before their reports."""
    ordered: list[_Plan] = []
    placed: set[int] = set()
    for plan in plans:
        chain = []
        current: _Plan | None = plan
        while current is not None and current.record.number not in placed:
            chain.append(current)
            key = current.manager_key
            current = plan_by_number[key[1]] if key is not None and key[0] == "r" else None
        for link in reversed(chain):
            placed.add(link.record.number)
            ordered.append(link)
    return ordered


def _write(
    checker: _Checker,
    plans: list[_Plan],
    summary: HrImportSummary,
    say: Callable[[str], None],
) -> None:
    slugs = set(checker.departments_by_slug)
    for folded, name in checker.new_departments.items():
        checker.departments[folded] = Department.objects.create(
            name=name, slug=_unique_slug(name, slugs)
        )
    employees, _created = Group.objects.get_or_create(name=roles.EMPLOYEES)
    change_of = {change.row: change for change in summary.rows}
    created: dict[int, User] = {}
    new_plans = [plan for plan in plans if plan.user is None and not plan.skipped]
    updates = [
        plan
        for plan in plans
        if plan.user is not None and change_of[plan.record.number].action != UNCHANGED
    ]
    count, done = len(new_plans) + len(updates), 0

    def manager(plan: _Plan) -> User | None:
        if plan.manager_key is None:
            return None
        kind, key = plan.manager_key
        return created[key] if kind == "r" else checker.users[key]

    # New people after their new managers (there are no loops), so that each is saved once.
    for plan in _managers_first(new_plans, checker.plan_by_number):
        record = plan.record
        user = User(
            username=plan.username,
            employee_id=record.employee_id,
            first_name=record.first_name,
            last_name=record.last_name,
            email=record.email,
            department=checker.departments.get(plan.department_key),
            manager=manager(plan),
            is_active=True,
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(employees)
        created[record.number] = user
        done += 1
        if done % 1000 == 0:
            say(_("%(done)s of %(count)s written …") % {"done": done, "count": count})
    for plan in updates:
        record, user = plan.record, plan.user
        user.employee_id = record.employee_id
        user.first_name, user.last_name = record.first_name, record.last_name
        user.email = record.email
        user.department = checker.departments.get(plan.department_key)
        user.manager = manager(plan)
        user.save(
            update_fields=[
                "employee_id",
                "first_name",
                "last_name",
                "email",
                "department",
                "manager",
            ]
        )
        if record.active:
            services.set_active(user=user, active=True, source=SOURCE)
        elif not checker.protected(user):
            services.set_active(user=user, active=False, source=SOURCE)
        done += 1
        if done % 1000 == 0:
            say(_("%(done)s of %(count)s written …") % {"done": done, "count": count})
    for change in summary.missing:
        if change.action == UPDATE:
            user = checker.by_username[change.key]
            services.set_active(user=user, active=False, source=SOURCE)
