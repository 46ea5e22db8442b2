"""Assigning courses and workshops. Permission rules live here so every caller gets them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from lms.assignments.events import assignments_created
from lms.assignments.models import Assignment
from lms.core import changes, learner_cache
from lms.people.models import User
from lms.people.selectors import is_admin, team_of
from lms.workshops.models import WorkshopPage


class AssignmentError(Exception):
    """Input that cannot be assigned; the message says why."""


@dataclass(frozen=True)
class AssignResult:
    created: int
    updated: int


def assignable_people(*, manager: User):
    """Whom this person may assign to: their team, or every employee for admins (guests,
    customers in a bootcamp, are nobody's to assign: they have no manager either)."""
    if is_admin(manager):
        return User.objects.filter(is_active=True, is_guest=False)
    return team_of(manager=manager).filter(is_active=True)


def assign(
    *,
    assigned_by: User,
    assignees: list[User],
    item: CoursePage | WorkshopPage,
    due_date: date,
    note: str = "",
) -> AssignResult:
    """Assign the item to each person once; assigning again updates due date and note."""
    if not assignees:
        raise AssignmentError(_("Choose at least one person."))
    if due_date < timezone.localdate():
        raise AssignmentError(_("The due date is in the past."))
    if not item.live:
        raise AssignmentError(_("Only published courses and workshops can be assigned."))
    allowed = set(
        assignable_people(manager=assigned_by)
        .filter(pk__in=[person.pk for person in assignees])
        .values_list("pk", flat=True)
    )
    if any(person.pk not in allowed for person in assignees):
        raise PermissionDenied(_("You can only assign to people in your team."))
    field = "course" if isinstance(item, CoursePage) else "workshop"
    created = updated = 0
    with transaction.atomic():
        existing = {
            assignment.assignee_id: assignment
            for assignment in Assignment.objects.select_for_update().filter(
                **{field: item}, assignee__in=assignees
            )
        }
        new = []
        for person in assignees:
            assignment = existing.get(person.pk)
            if assignment is None:
                new.append(
                    Assignment(
                        assignee=person,
                        due_date=due_date,
                        note=note,
                        assigned_by=assigned_by,
                        **{field: item},
                    )
                )
            elif assignment.due_date != due_date or assignment.note != note:
                assignment.due_date = due_date
                assignment.note = note
                assignment.assigned_by = assigned_by
                assignment.save(update_fields=["due_date", "note", "assigned_by", "updated_at"])
                updated += 1
        Assignment.objects.bulk_create(new, ignore_conflicts=True)
        created = len(new)
        if new:
            # ignore_conflicts leaves the new rows without ids; the receivers look them
            # up by item and assignee once the rows are committed.
            transaction.on_commit(
                partial(
                    assignments_created.send,
                    sender=Assignment,
                    field=field,
                    item_id=item.pk,
                    assignee_ids=[assignment.assignee_id for assignment in new],
                )
            )
        # bulk_create sends no post_save, so the caches are told here.
        changes.rows_changed(Assignment, user_ids=[assignment.assignee_id for assignment in new])
        for assignment in new:
            learner_cache.learner_changed(assignment.assignee_id)
    return AssignResult(created=created, updated=updated)
