"""Assignment states, derived from learning data in SQL (never stored, never stale)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from courses.models import CoursePage, Enrollment
from courses.selectors import PAGE_LINK_FIELDS
from lms.assignments.models import Assignment, AssignmentState
from lms.core import exports, learner_rows
from lms.core.compiled import CompiledQueries
from lms.guidelines.selectors import members_with_outstanding_guidelines
from lms.people.models import User
from lms.workshops.models import Booking, WorkshopPage

NOT_STARTED = AssignmentState.NOT_STARTED
IN_PROGRESS = AssignmentState.IN_PROGRESS
COMPLETED = AssignmentState.COMPLETED
OVERDUE = AssignmentState.OVERDUE


def with_state(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    bookings = Booking.objects.filter(user=OuterRef("assignee"), workshop=OuterRef("workshop"))
    return assignments.annotate(
        # A join on the one enrolment per person and course. As EXISTS subqueries,
        # PostgreSQL hashed every enrolment of the company for a team of 200 (80 ms).
        assignee_enrolment=FilteredRelation(
            "course__enrollments", condition=Q(course__enrollments__user=F("assignee"))
        ),
        course_done=ExpressionWrapper(
            Q(assignee_enrolment__completed_at__isnull=False), output_field=BooleanField()
        ),
        course_started=ExpressionWrapper(
            Q(assignee_enrolment__isnull=False), output_field=BooleanField()
        ),
        workshop_done=Exists(bookings.filter(attended=True)),
        workshop_booked=Exists(bookings.filter(status__in=Booking.ACTIVE)),
    ).select_related("course", "workshop", "assignee", "assigned_by")


def _state(*, done: bool, started: bool, due_date: date, today: date) -> str:
    if done:
        return COMPLETED
    if due_date < today:
        return OVERDUE
    if started:
        return IN_PROGRESS
    return NOT_STARTED


def state_of(assignment: Assignment, *, today: date | None = None) -> str:
    return _state(
        done=assignment.course_done or assignment.workshop_done,
        started=assignment.course_started or assignment.workshop_booked,
        due_date=assignment.due_date,
        today=today or timezone.localdate(),
    )


def overdue_filter(today: date) -> Q:
    return Q(due_date__lt=today) & ~Q(course_done=True) & ~Q(workshop_done=True)


@dataclass
class AssignmentRow:
    assignment: Assignment
    state: str
    item: Page  # the course or workshop, read lightly for title and URL


def assignments_for(*, user: User) -> list[AssignmentRow]:
    """The learner's own assignments, open ones first by due date (two queries).

    The courses and workshops come as plain pages with title and URL: joining both
    page models for every assignment cost more than the rest of the dashboard.
    """
    today = timezone.localdate()
    assignments = list(
        with_state(Assignment.objects.filter(assignee=user))
        .select_related(None)
        .select_related("assigned_by")
        .order_by("due_date", "pk")
    )
    pages = Page.objects.only(*PAGE_LINK_FIELDS).in_bulk(
        [assignment.course_id or assignment.workshop_id for assignment in assignments]
    )
    rows = [
        AssignmentRow(
            assignment=assignment,
            state=state_of(assignment, today=today),
            item=pages[assignment.course_id or assignment.workshop_id],
        )
        for assignment in assignments
    ]
    return sorted(rows, key=lambda row: row.state == COMPLETED)


def assignable_items() -> tuple[list[CoursePage], list[WorkshopPage]]:
    courses = list(CoursePage.objects.live().order_by("title"))
    workshops = list(WorkshopPage.objects.live().order_by("title"))
    return courses, workshops


@dataclass(frozen=True)
class TeamItem:
    key: str  # "course:<id>" or "workshop:<id>", as the filter form names items
    title: str

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]


@dataclass(frozen=True)
class TeamCell:
    assignment_id: int | None  # None: learning nobody assigned (no due date, no reminder)
    state: str
    due_date: date | None


@dataclass
class TeamRow:
    member: User
    cells: list[TeamCell | None]  # one per item of the view, in the same order
    guidelines_outstanding: bool


@dataclass
class TeamView:
    rows: list[TeamRow]
    items: list[TeamItem]
    totals: dict[str, int]


def team_view(
    *,
    members: QuerySet[User],
    item: str = "",
    overdue_only: bool = False,
    unsigned_only: bool = False,
) -> TeamView:
    """Members × their learning with state and due date, in a fixed number of queries.

    Assigned items come with their due date. Learning nobody assigned counts too: a
    course someone started or completed on their own, a workshop they booked or attended,
    is a cell (in progress or completed, without due date) of the same column. It cannot be
    overdue, so "overdue only" leaves it out. Totals count the cells shown, so they agree
    with the filters.

    Teams run to hundreds of people and dozens of items, so assignments are read as
    plain rows rather than model instances with their pages.
    """
    today = timezone.localdate()
    people = list(
        members.select_related("department")
        .only("pk", "username", "first_name", "last_name", "is_active", "department__name")
        .order_by("last_name", "first_name", "username")
    )
    member_ids = [person.pk for person in people]
    kind, item_id = _parse_item(item)
    by_member: dict[int, dict[str, TeamCell]] = {}
    rows = (
        _team_queries.run(
            ("assignments", kind, overdue_only),
            functools.partial(_assignment_rows, kind=kind, overdue=overdue_only),
            params=_params(member_ids, today=today if overdue_only else None, item_id=item_id),
        )
        if member_ids
        else []
    )
    for pk, member_id, course_id, workshop_id, due_date, *flags in rows:
        course_done, course_started, workshop_done, workshop_booked = flags
        key = f"course:{course_id}" if course_id else f"workshop:{workshop_id}"
        state = _state(
            done=course_done or workshop_done,
            started=course_started or workshop_booked,
            due_date=due_date,
            today=today,
        )
        by_member.setdefault(member_id, {})[key] = TeamCell(
            assignment_id=pk, state=state, due_date=due_date
        )

    if not overdue_only:
        _add_unassigned_learning(by_member, member_ids=member_ids, item=item)

    outstanding = members_with_outstanding_guidelines(members=people)
    if overdue_only or item:
        people = [person for person in people if person.pk in by_member]
    if unsigned_only:
        people = [person for person in people if person.pk in outstanding]

    # Columns and totals from the people shown only, so that each filter narrows both.
    totals = {NOT_STARTED: 0, IN_PROGRESS: 0, COMPLETED: 0, OVERDUE: 0}
    page_ids: dict[str, int] = {}
    for person in people:
        for key, cell in by_member.get(person.pk, {}).items():
            totals[cell.state] += 1
            page_ids[key] = int(key.split(":", 1)[1])
    titles = dict(Page.objects.filter(pk__in=page_ids.values()).values_list("pk", "title"))
    items = sorted(
        (TeamItem(key=key, title=titles.get(page_id, "")) for key, page_id in page_ids.items()),
        key=lambda team_item: (team_item.title, team_item.key),
    )
    team_rows = []
    for person in people:
        cells = by_member.get(person.pk, {})
        team_rows.append(
            TeamRow(
                member=person,
                cells=[cells.get(team_item.key) for team_item in items],
                guidelines_outstanding=person.pk in outstanding,
            )
        )
    return TeamView(rows=team_rows, items=items, totals=totals)


# The team view's queries, compiled once per process for each team size and filter
# (lms.core.compiled): building them with the ORM (with_state's relation and subqueries,
# hundreds of ids) cost more than running them.
_team_queries = CompiledQueries("team-view")
_DAY, _ID = DateField(), BigIntegerField()


def _params(member_ids: list[int], *, today: date | None = None, item_id: int | None = None):
    """The compiled queries' parameters: the members' ids, and those of the filters that
    the query uses."""
    params: dict[str, tuple] = {"members": (_ID, member_ids)}
    if today is not None:
        params["today"] = (_DAY, today)
    if item_id is not None:
        params["item_id"] = (_ID, item_id)
    return params


def _assignment_rows(
    *,
    kind: str,
    overdue: bool,
    members: list[int],
    today: date | None = None,
    item_id: int | None = None,
) -> QuerySet[Assignment]:
    """The members' assignments (of one item, overdue ones only) with their state's
    facts, unordered: the cells go into a dict per person and item."""
    # The ids themselves, not the reporting-tree subquery: PostgreSQL cannot estimate a
    # recursive query's size, planned for half the company and hashed every enrolment
    # (90 ms at 10,000 employees instead of 5).
    assignments = with_state(Assignment.objects.filter(assignee_id__in=members))
    if kind == "course":
        assignments = assignments.filter(course_id=item_id)
    elif kind == "workshop":
        assignments = assignments.filter(workshop_id=item_id)
    if overdue:
        assignments = assignments.filter(overdue_filter(today))
    return assignments.order_by().values_list(
        "pk",
        "assignee_id",
        "course_id",
        "workshop_id",
        "due_date",
        "course_done",
        "course_started",
        "workshop_done",
        "workshop_booked",
    )


def _parse_item(item: str) -> tuple[str, int | None]:
    """("course" or "workshop", id) of a filter value such as "course:12"; ("", None)
    for anything else, which filters nothing."""
    kind, _colon, number = item.partition(":")
    if kind in ("course", "workshop") and number.isdigit():
        return kind, int(number)
    return "", None


def _enrolment_rows(*, members: list[int], item_id: int | None = None) -> QuerySet[Enrollment]:
    # Hundreds of people with a dozen courses each: done as 1/0, not a completion time to
    # parse per row.
    enrolments = Enrollment.objects.filter(user_id__in=members, course__live=True)
    if item_id is not None:
        enrolments = enrolments.filter(course_id=item_id)
    return enrolments.order_by().values_list(
        "user_id", "course_id", Case(When(completed_at__isnull=False, then=1), default=0)
    )


def _booking_rows(*, members: list[int], item_id: int | None = None) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(
        Q(attended=True) | Q(status__in=Booking.ACTIVE),
        user_id__in=members,
        workshop__live=True,
    )
    if item_id is not None:
        bookings = bookings.filter(workshop_id=item_id)
    return bookings.order_by().values_list(
        "user_id", "workshop_id", Case(When(attended=True, then=1), default=0)
    )


def _add_unassigned_learning(
    by_member: dict[int, dict[str, TeamCell]], *, member_ids: list[int], item: str
) -> None:
    """Cells for the live courses and workshops people took up without an assignment
    (two queries; none when the item filter names the other kind)."""
    if not member_ids:
        return
    kind, item_id = _parse_item(item)
    params = _params(member_ids, item_id=item_id)
    found: list[tuple[int, str, int]] = []
    if kind in ("", "course"):
        found.extend(
            (user_id, f"course:{course_id}", done)
            for user_id, course_id, done in _team_queries.run(
                ("enrolments", kind), _enrolment_rows, params=params
            )
        )
    if kind in ("", "workshop"):
        found.extend(
            (user_id, f"workshop:{workshop_id}", done)
            for user_id, workshop_id, done in _team_queries.run(
                ("bookings", kind), _booking_rows, params=params
            )
        )
    completed = TeamCell(assignment_id=None, state=COMPLETED, due_date=None)
    in_progress = TeamCell(assignment_id=None, state=IN_PROGRESS, due_date=None)
    for user_id, key, done in found:
        cells = by_member.setdefault(user_id, {})
        current = cells.get(key)
        if current is not None and (current.assignment_id is not None or not done):
            continue  # an assignment's own cell, or already completed
        cells[key] = completed if done else in_progress


TEAM_EXPORT = exports.ExportSpec(
    columns=(
        exports.Column(gettext_lazy("Username")),
        exports.Column(gettext_lazy("Name"), width=28),
        exports.Column(gettext_lazy("Department")),
        exports.Column(gettext_lazy("Course or workshop"), width=36),
        exports.Column(
            gettext_lazy("Kind"),
            exports.LABEL,
            labels={"course": gettext_lazy("Course"), "workshop": gettext_lazy("Workshop")},
            width=12,
        ),
        exports.Column(gettext_lazy("Due date"), exports.DATE, width=12),
        exports.Column(
            gettext_lazy("State"), exports.LABEL, labels=dict(AssignmentState.choices), width=16
        ),
        exports.Column(gettext_lazy("Guidelines outstanding"), exports.YES_NO, width=14),
    )
)


def team_export_rows(*, view: TeamView):
    """The rows of TEAM_EXPORT: one per person and item of the view, assigned or taken up
    on their own (no due date); a person with none: one row without item."""
    for row in view.rows:
        member = row.member
        base = [
            member.username,
            member.get_full_name(),
            member.department.name if member.department else "",
        ]
        outstanding = row.guidelines_outstanding
        assigned = [(item, cell) for item, cell in zip(view.items, row.cells, strict=True) if cell]
        if not assigned:
            yield [*base, "", "", None, "", outstanding]
        for item, cell in assigned:
            yield [*base, item.title, item.kind, cell.due_date, cell.state, outstanding]


ASSIGNMENT_ROW = "assignment"


def learner_assignment_rows(*, user_id: int) -> QuerySet:
    """The learner's assignments as rows for one UNION query (lms.core.learner_rows):
    course in `page`, workshop in `other`, the assigning person's names."""
    return learner_rows.rows(
        Assignment.objects.filter(assignee_id=user_id),
        kind=ASSIGNMENT_ROW,
        pk="pk",
        page="course_id",
        other="workshop_id",
        at="created_at",
        day="due_date",
        text="note",
        first_name="assigned_by__first_name",
        last_name="assigned_by__last_name",
        username="assigned_by__username",
    )


def assignments_from_rows(
    *,
    rows: list[learner_rows.LearnerRow],
    enrolments: list[Enrollment],
    bookings: list[Booking],
    pages: dict[int, Page],
    today: date | None = None,
) -> list[AssignmentRow]:
    """assignments_for(), built from the learner's rows: the states from the same
    enrolments and bookings that with_state() reads in SQL."""
    today = today or timezone.localdate()
    started = {enrolment.course_id for enrolment in enrolments}
    done = {enrolment.course_id for enrolment in enrolments if enrolment.completed_at}
    attended = {booking.workshop_id for booking in bookings if booking.attended}
    booked = {booking.workshop_id for booking in bookings if booking.status in Booking.ACTIVE}
    assignments = []
    for row in rows:
        if row.kind != ASSIGNMENT_ROW:
            continue
        assignment = Assignment(
            pk=row.pk,
            course_id=row.page,
            workshop_id=row.other,
            due_date=row.day,
            note=row.text or "",
            created_at=row.at,
        )
        if row.username is not None:
            # For its name only.
            assignment.assigned_by = User(
                first_name=row.first_name, last_name=row.last_name, username=row.username
            )
        else:
            assignment.assigned_by = None
        assignment.course_done = row.page in done
        assignment.course_started = row.page in started
        assignment.workshop_done = row.other in attended
        assignment.workshop_booked = row.other in booked
        assignments.append(assignment)
    assignments.sort(key=lambda assignment: (assignment.due_date, assignment.pk))
    result = [
        AssignmentRow(
            assignment=assignment,
            state=state_of(assignment, today=today),
            item=pages[assignment.course_id or assignment.workshop_id],
        )
        for assignment in assignments
    ]
    return sorted(result, key=lambda row: row.state == COMPLETED)
