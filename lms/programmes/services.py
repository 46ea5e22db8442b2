"""Write-side rules for bootcamp runs: adding participants within the run's capacity.

Every write to a run's participants takes the run's row lock first (SELECT ... FOR
UPDATE), then counts and adds inside the same transaction, so two trainers adding people
at the same moment cannot take the run over its capacity: the second waits for the
first and counts its rows. SQLite runs every transaction as IMMEDIATE, which serialises
them too. A wait longer than RUN_LOCK_TIMEOUT is refused with a message to try again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.people.models import User
from lms.programmes.models import BootcampRun, RunParticipant

if TYPE_CHECKING:
    from lms.people.models import Department

RUN_LOCK_TIMEOUT = "5s"
_CONTENTION_SQLSTATES = {"55P03", "40P01", "40001"}


class RunRefused(Exception):
    """The participants cannot be added; the message says why."""


def _is_contention(error: OperationalError) -> bool:
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in _CONTENTION_SQLSTATES:
        return True
    return "database is locked" in str(error)


@contextmanager
def _run_locked(run_id: int):
    """A transaction holding the run's row lock; yields the run as it is now."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = %s", [RUN_LOCK_TIMEOUT])
            try:
                run = BootcampRun.objects.select_for_update(no_key=True).get(pk=run_id)
            except BootcampRun.DoesNotExist as error:
                raise RunRefused(_("This run no longer exists.")) from error
            yield run
    except OperationalError as error:
        if _is_contention(error):
            raise RunRefused(
                _("Someone else is changing this run right now. Please try again.")
            ) from error
        raise


def _refusal_for(user: User) -> str:
    if not user.is_active:
        return _("%(name)s is deactivated and cannot join a run.") % {"name": _name(user)}
    return ""


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def add_participants(
    *, run: BootcampRun, users: Iterable[User], added_by: User | None
) -> list[RunParticipant]:
    """Add these people to the run; those already in it are left as they are. Refused as
    a whole (nothing added) when one of them is deactivated or the run has too few places
    left. Returns the new participants."""
    users = list({user.pk: user for user in users}.values())
    for user in users:
        refusal = _refusal_for(user)
        if refusal:
            raise RunRefused(refusal)
    with _run_locked(run.pk) as locked:
        present = set(
            RunParticipant.objects.filter(
                run=locked, user_id__in=[user.pk for user in users]
            ).values_list("user_id", flat=True)
        )
        new = [user for user in users if user.pk not in present]
        if locked.capacity is not None and new:
            taken = RunParticipant.objects.filter(run=locked).count()
            free = max(locked.capacity - taken, 0)
            if len(new) > free:
                raise RunRefused(
                    ngettext(
                        "The run has %(free)d place left, too few for %(count)d new "
                        "participants; nobody was added.",
                        "The run has %(free)d places left, too few for %(count)d new "
                        "participants; nobody was added.",
                        free,
                    )
                    % {"free": free, "count": len(new)}
                )
        try:
            with transaction.atomic():
                return RunParticipant.objects.bulk_create(
                    [RunParticipant(run=locked, user=user, added_by=added_by) for user in new]
                )
        except IntegrityError as error:  # a person deleted meanwhile
            raise RunRefused(_("The participants have changed. Please reload the page.")) from error


def department_members(*, department: Department):
    """The active employees of a department (guests have none)."""
    return User.objects.filter(department=department, is_active=True, is_guest=False)


def add_department(
    *, run: BootcampRun, department: Department, added_by: User | None
) -> list[RunParticipant]:
    """Add every active employee of the department (see add_participants)."""
    return add_participants(
        run=run, users=list(department_members(department=department)), added_by=added_by
    )


def remove_participant(*, run: BootcampRun, user: User) -> bool:
    """Take the person out of the run; whether they were in it."""
    with _run_locked(run.pk) as locked:
        deleted, _rows = RunParticipant.objects.filter(run=locked, user=user).delete()
    return bool(deleted)
