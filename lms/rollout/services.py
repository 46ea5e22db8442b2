"""Rollout rules: advancing stages and checklist ticks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.people.selectors import is_admin
from lms.rollout import selectors
from lms.rollout.models import (
    MAX_NOTE_LENGTH,
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    StageChange,
)

if TYPE_CHECKING:
    from lms.people.models import Department, User


class RolloutError(Exception):
    """The rollout change is refused; the message says why."""


def _check_note_length(note: str) -> None:
    if len(note) > MAX_NOTE_LENGTH:
        raise RolloutError(
            _("The note has %(length)s characters; the most is %(max)s.")
            % {"length": len(note), "max": MAX_NOTE_LENGTH}
        )


def rollout_for(*, department: Department) -> DepartmentRollout:
    rollout, _created = DepartmentRollout.objects.get_or_create(department=department)
    return rollout


def can_steer(*, user: User, rollout: DepartmentRollout) -> bool:
    return is_admin(user) or (rollout.owner_id is not None and rollout.owner_id == user.pk)


def advance(
    *, department: Department, by: User, note: str = "", override: bool = False
) -> StageChange:
    """Move the department to the next stage when the current stage's criteria are met.

    An admin may override unmet criteria with a reason, which the history keeps.
    """
    note = note.strip()
    _check_note_length(note)
    with transaction.atomic():
        rollout = DepartmentRollout.objects.select_for_update().get(
            pk=rollout_for(department=department).pk
        )
        if not can_steer(user=by, rollout=rollout):
            raise PermissionDenied
        if rollout.stage >= 8:
            raise RolloutError(_("The department is already at the last stage."))
        row = selectors.department_detail(department=department)
        criteria_met = row.current_cell.status == selectors.MET
        if not criteria_met:
            if not override:
                raise RolloutError(
                    _("The criteria of stage %(stage)d are not met yet.") % {"stage": rollout.stage}
                )
            if not is_admin(by):
                raise PermissionDenied
            if not note:
                raise RolloutError(_("An override needs a reason."))
        change = StageChange.objects.create(
            department=department,
            from_stage=rollout.stage,
            to_stage=rollout.stage + 1,
            changed_by=by,
            changed_at=timezone.now(),
            note=note,
            override=not criteria_met,
        )
        rollout.stage += 1
        rollout.save(update_fields=["stage"])
    return change


def tick(*, department: Department, criterion: Criterion, by: User, note: str) -> ChecklistTick:
    rollout = rollout_for(department=department)
    if not can_steer(user=by, rollout=rollout):
        raise PermissionDenied
    if criterion.kind != Criterion.CHECKLIST:
        raise RolloutError(_("Evidence is computed by the platform and cannot be ticked."))
    if not note.strip():
        raise RolloutError(_("Add a note that says where the evidence is."))
    _check_note_length(note.strip())
    tick_row, _created = ChecklistTick.objects.update_or_create(
        department=department,
        criterion=criterion,
        defaults={"ticked_by": by, "note": note.strip()},
    )
    return tick_row


def untick(*, department: Department, criterion: Criterion, by: User) -> None:
    rollout = rollout_for(department=department)
    if not can_steer(user=by, rollout=rollout):
        raise PermissionDenied
    ChecklistTick.objects.filter(department=department, criterion=criterion).delete()
