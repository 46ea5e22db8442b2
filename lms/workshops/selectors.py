"""Read-side queries for workshops: sessions with their seats, a person's bookings, the
waiting list and the attendance roster. Every function takes keyword arguments only and
runs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from courses.selectors import PAGE_LINK_FIELDS
from lms.core import learner_rows
from lms.workshops.models import Booking, WorkshopIndexPage, WorkshopPage, WorkshopSession

if TYPE_CHECKING:
    from lms.people.models import User

SESSION_HAS_BOOKINGS_TO_MOVE = gettext_lazy(
    "People have booked this session; it cannot move to another workshop."
)


def booked_seats(*, session: WorkshopSession) -> int:
    return Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()


def too_few_seats_message(*, booked: int) -> str:
    return ngettext(
        "%(count)d seat is booked; the session cannot have fewer seats. "
        "Cancel bookings, or the session, instead.",
        "%(count)d seats are booked; the session cannot have fewer seats. "
        "Cancel bookings, or the session, instead.",
        booked,
    ) % {"count": booked}


@dataclass
class SessionView:
    session: WorkshopSession
    booked: int
    waiting: int

    @property
    def is_cancelled(self) -> bool:
        return self.session.is_cancelled

    @property
    def seats_left(self) -> int:
        return max(self.session.capacity - self.booked, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    @property
    def has_started(self) -> bool:
        return self.session.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        return self.session.ends_at <= timezone.now()


@dataclass
class WorkshopView:
    workshop: WorkshopPage
    sessions: list[SessionView]
    booking: Booking | None
    may_book: bool
    is_assigned: bool
    waiting_position: int | None
    # A booking of a session that has ended: history, not a place in a coming session.
    past_booking: Booking | None = None
    # The person's seat in a coming session that the trainer cancelled.
    cancelled_by_session: Booking | None = None


def sessions_with_counts(*, workshop: WorkshopPage) -> list[SessionView]:
    sessions = WorkshopSession.objects.filter(workshop=workshop).annotate(
        booked_count=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)),
        waiting_count=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITLISTED)),
    )
    return [
        SessionView(session=session, booked=session.booked_count, waiting=session.waiting_count)
        for session in sessions.order_by("starts_at")
    ]


def active_booking(*, workshop: WorkshopPage, user: User) -> Booking | None:
    return (
        Booking.objects.filter(workshop=workshop, user=user, status__in=Booking.ACTIVE)
        .select_related("session")
        .first()
    )


def is_assigned_workshop(*, workshop: WorkshopPage, user: User) -> bool:
    # Through the reverse relation the assignments app adds to workshops: a manager's
    # assignment opens a workshop to the person, and workshops need not import that app.
    return workshop.assignments.filter(assignee=user).exists()


def may_book(*, workshop: WorkshopPage, user: User) -> bool:
    if not user.is_authenticated:
        return False
    if workshop.open_to_all:
        return True
    if user.department_id and workshop.open_to_departments.filter(pk=user.department_id).exists():
        return True
    return is_assigned_workshop(workshop=workshop, user=user)


def waiting_position(*, booking: Booking) -> int | None:
    if booking.status != Booking.Status.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        session_id=booking.session_id, status=Booking.Status.WAITLISTED
    ).filter(
        Q(created_at__lt=booking.created_at) | Q(created_at=booking.created_at, pk__lt=booking.pk)
    )
    return ahead.count() + 1


def workshop_view(*, workshop: WorkshopPage, user: User) -> WorkshopView:
    booking = active_booking(workshop=workshop, user=user)
    past_booking = None
    if booking is not None and booking.session.ends_at <= timezone.now():
        past_booking, booking = booking, None
    cancelled = None
    if booking is None and past_booking is None:
        cancelled = (
            Booking.objects.filter(
                workshop=workshop,
                user=user,
                status=Booking.Status.CANCELLED,
                session__cancelled_at__isnull=False,
                session__starts_at__gt=timezone.now(),
            )
            .select_related("session")
            .order_by("-cancelled_at", "-pk")
            .first()
        )
    return WorkshopView(
        past_booking=past_booking,
        cancelled_by_session=cancelled,
        workshop=workshop,
        sessions=sessions_with_counts(workshop=workshop),
        booking=booking,
        may_book=may_book(workshop=workshop, user=user),
        is_assigned=is_assigned_workshop(workshop=workshop, user=user),
        waiting_position=waiting_position(booking=booking) if booking else None,
    )


def session_roster(*, session: WorkshopSession) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(session=session)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("user", "user__department")
        .order_by("status", "created_at", "pk")
    )


def can_take_attendance(*, session: WorkshopSession, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return session.workshop.trainer_id == user.pk or user.is_trainer


def active_bookings(*, user: User) -> list[Booking]:
    """The learner's booked or waitlisted sessions, soonest first."""
    return list(
        Booking.objects.filter(user=user, status__in=Booking.ACTIVE)
        .select_related("session", "workshop")
        # The workshop's title and URL only: its description is not decoded for a list.
        .only(
            "status",
            "session",
            "workshop",
            "session__starts_at",
            "session__ends_at",
            *(f"workshop__{name}" for name in PAGE_LINK_FIELDS),
        )
        .order_by("session__starts_at")
    )


def upcoming_bookings(*, user: User, active: list[Booking] | None = None) -> list[Booking]:
    """Active bookings whose session has not ended; `active` may come from the learner
    cache, since which sessions are still to come changes with the clock, not the data."""
    if active is None:
        active = active_bookings(user=user)
    now = timezone.now()
    return [booking for booking in active if booking.session.ends_at >= now]


def live_workshops(*, index: WorkshopIndexPage) -> QuerySet[WorkshopPage]:
    """The published workshops of the index page, by title."""
    return WorkshopPage.objects.live().child_of(index).select_related("track").order_by("title")


BOOKING_ROW = "booking"


def learner_booking_rows(*, user_id: int) -> QuerySet:
    """Every booking of the learner (also cancelled or attended ones: assignment states
    read them) as rows for one UNION query (lms.core.learner_rows)."""
    return learner_rows.rows(
        Booking.objects.filter(user_id=user_id),
        kind=BOOKING_ROW,
        pk="pk",
        page="workshop_id",
        other="session_id",
        at="session__starts_at",
        until="session__ends_at",
        flag="attended",
        text="status",
    )


def bookings_from_rows(
    *, rows: list[learner_rows.LearnerRow], workshops: dict[int, WorkshopPage]
) -> list[Booking]:
    """Every booking among the rows, soonest session first, with its session's times and
    the workshop's title and URL."""
    bookings = []
    for row in rows:
        if row.kind != BOOKING_ROW:
            continue
        booking = Booking(
            pk=row.pk,
            workshop_id=row.page,
            session_id=row.other,
            status=row.text,
            attended=row.flag,
        )
        booking.session = WorkshopSession(
            pk=row.other, workshop_id=row.page, starts_at=row.at, ends_at=row.until
        )
        booking.workshop = workshops[row.page]
        bookings.append(booking)
    bookings.sort(key=lambda booking: booking.session.starts_at)
    return bookings


def workshop_links() -> dict[int, WorkshopPage]:
    """Every workshop with its title and URL (one query)."""
    return {workshop.pk: workshop for workshop in WorkshopPage.objects.only(*PAGE_LINK_FIELDS)}


def workshop_standings(
    *, user_ids: list[int], workshop_ids: list[int]
) -> dict[tuple[int, int], bool]:
    """(person id, workshop id) → True if the person attended a session of the workshop,
    False if they hold a seat or a place on the waiting list and have not attended yet; a
    pair that is missing is a workshop not booked. One query, whatever the numbers.
    Attended is what the trainer marked (Booking.attended), as assignments count it."""
    if not user_ids or not workshop_ids:
        return {}
    standings: dict[tuple[int, int], bool] = {}
    for user_id, workshop_id, attended in (
        Booking.objects.filter(
            Q(attended=True) | Q(status__in=Booking.ACTIVE),
            user_id__in=user_ids,
            workshop_id__in=workshop_ids,
        )
        .order_by()
        .values_list("user_id", "workshop_id", "attended")
    ):
        key = (user_id, workshop_id)
        standings[key] = standings.get(key, False) or attended is True
    return standings
