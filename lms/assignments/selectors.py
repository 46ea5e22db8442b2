"""Assignment states, derived from learning data in SQL (never stored, never stale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from courses.models import Booking, CoursePage, Enrollment, WorkshopPage
from lms.assignments.models import Assignment

if TYPE_CHECKING:
    from lms.people.models import User

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"


def with_state(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    enrolment = Enrollment.objects.filter(user=OuterRef("assignee"), course=OuterRef("course"))
    bookings = Booking.objects.filter(user=OuterRef("assignee"), workshop=OuterRef("workshop"))
    return assignments.annotate(
        course_done=Exists(enrolment.filter(completed_at__isnull=False)),
        course_started=Exists(enrolment),
        workshop_done=Exists(bookings.filter(attended=True)),
        workshop_booked=Exists(bookings.filter(status__in=Booking.ACTIVE)),
    ).select_related("course", "workshop", "assignee", "assigned_by")


def state_of(assignment: Assignment, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if assignment.course_done or assignment.workshop_done:
        return COMPLETED
    if assignment.due_date < today:
        return OVERDUE
    if assignment.course_started or assignment.workshop_booked:
        return IN_PROGRESS
    return NOT_STARTED


def overdue_filter(today: date) -> Q:
    return Q(due_date__lt=today) & ~Q(course_done=True) & ~Q(workshop_done=True)


@dataclass
class AssignmentRow:
    assignment: Assignment
    state: str

    @property
    def item(self):
        return self.assignment.item


def assignments_for(*, user: User) -> list[AssignmentRow]:
    """The learner's own assignments, open ones first by due date."""
    today = timezone.localdate()
    rows = [
        AssignmentRow(assignment=assignment, state=state_of(assignment, today=today))
        for assignment in with_state(Assignment.objects.filter(assignee=user)).order_by(
            "due_date", "pk"
        )
    ]
    return sorted(rows, key=lambda row: row.state == COMPLETED)


def assignable_items() -> tuple[list[CoursePage], list[WorkshopPage]]:
    courses = list(CoursePage.objects.live().order_by("title"))
    workshops = list(WorkshopPage.objects.live().order_by("title"))
    return courses, workshops


@dataclass
class TeamRow:
    member: User
    cells: dict[str, AssignmentRow]
    guidelines_outstanding: bool


@dataclass
class TeamView:
    rows: list[TeamRow]
    items: list[tuple[str, object]]
    totals: dict[str, int]


def item_key(assignment: Assignment) -> str:
    return (
        f"course:{assignment.course_id}"
        if assignment.course_id
        else f"workshop:{assignment.workshop_id}"
    )


def team_view(
    *,
    members: QuerySet[User],
    item: str = "",
    overdue_only: bool = False,
    unsigned_only: bool = False,
) -> TeamView:
    """Members × assigned items with state and due date, in a fixed number of queries."""
    from lms.guidelines.selectors import reportable_documents, team_matrix

    today = timezone.localdate()
    assignments = with_state(Assignment.objects.filter(assignee__in=members.values("pk")))
    if item.startswith("course:") and item[7:].isdigit():
        assignments = assignments.filter(course_id=int(item[7:]))
    elif item.startswith("workshop:") and item[9:].isdigit():
        assignments = assignments.filter(workshop_id=int(item[9:]))
    if overdue_only:
        assignments = assignments.filter(overdue_filter(today))

    by_member: dict[int, dict[str, AssignmentRow]] = {}
    items: dict[str, object] = {}
    totals = {NOT_STARTED: 0, IN_PROGRESS: 0, COMPLETED: 0, OVERDUE: 0}
    for assignment in assignments:
        key = item_key(assignment)
        items[key] = assignment.item
        row = AssignmentRow(assignment=assignment, state=state_of(assignment, today=today))
        totals[row.state] += 1
        by_member.setdefault(assignment.assignee_id, {})[key] = row

    documents = reportable_documents()
    outstanding = {
        entry["member"].pk
        for entry in team_matrix(members=members, documents=documents)
        if any(state in ("older", "never") for state in entry["states"])
    }
    people = list(
        members.select_related("department").order_by("last_name", "first_name", "username")
    )
    if overdue_only or item:
        people = [person for person in people if person.pk in by_member]
    if unsigned_only:
        people = [person for person in people if person.pk in outstanding]
    rows = [
        TeamRow(
            member=person,
            cells=by_member.get(person.pk, {}),
            guidelines_outstanding=person.pk in outstanding,
        )
        for person in people
    ]
    ordered_items = sorted(items.items(), key=lambda pair: str(pair[1]))
    return TeamView(rows=rows, items=ordered_items, totals=totals)
