"""Write-side rules for workshops: booking, cancelling, the waiting list, attendance and
changing or cancelling sessions, all under one lock order."""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lms.core import changes, learner_cache
from lms.workshops.models import Booking, WorkshopPage, WorkshopSession
from lms.workshops.selectors import (
    SESSION_HAS_BOOKINGS_TO_MOVE,
    booked_seats,
    may_book,
    too_few_seats_message,
)
from lms.workshops.signals import booking_promoted

if TYPE_CHECKING:
    from lms.people.models import User

# Lock order. Every write to a workshop's sessions or bookings (booking, cancelling,
# promotion from the waiting list, attendance, changing or cancelling a session, a leaver's
# places given up) takes its row locks in this one order, inside one transaction:
#
#   1. the workshop row (courses_workshoppage), so that everything a person or a trainer
#      does to one workshop happens one after the other;
#   2. the session row(s) it touches;
#   3. the booking rows, by primary key.
#
# A transaction that waits for a lock gives up after BOOKING_LOCK_TIMEOUT and the person
# is asked to try again (BookingRefused); no path can wait on another in a circle, so
# PostgreSQL never has to break a deadlock. SQLite runs every transaction as IMMEDIATE,
# which serialises them too.

BOOKING_LOCK_TIMEOUT = "5s"
# lock_not_available, deadlock_detected, serialization_failure
_CONTENTION_SQLSTATES = {"55P03", "40P01", "40001"}


class BookingRefused(Exception):
    """The booking cannot be made or changed; the message says why."""


def _is_contention(error: OperationalError) -> bool:
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in _CONTENTION_SQLSTATES:
        return True
    return "database is locked" in str(error)


@contextmanager
def _workshop_locked(*workshop_ids: int):
    """A transaction holding the lock of each workshop (by primary key: step 1)."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = %s", [BOOKING_LOCK_TIMEOUT])
            for workshop_id in sorted(set(workshop_ids)):
                # FOR NO KEY UPDATE: foreign keys to the workshop (new bookings,
                # assignments) are not blocked by it, only the other writers here.
                list(
                    WorkshopPage.objects.filter(pk=workshop_id)
                    .select_for_update(no_key=True, of=("self",))
                    .values_list("pk", flat=True)
                )
            yield
    except OperationalError as error:
        if _is_contention(error):
            raise BookingRefused(
                _("Many people are booking this workshop right now. Please try again.")
            ) from error
        raise


def _lock_session(session_id: int, *, workshop_id: int) -> WorkshopSession:
    """Step 2; the caller holds the workshop's lock."""
    session = (
        WorkshopSession.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=session_id)
    )
    if session.workshop_id != workshop_id:  # moved to another workshop meanwhile
        raise BookingRefused(_("This session has changed. Please reload the page."))
    return session


def book_session(*, user: User, session: WorkshopSession, now=None) -> Booking:
    """Book a seat, or a place on the waiting list when the session is full."""
    now = now or timezone.now()
    with _workshop_locked(session.workshop_id):
        session = _lock_session(session.pk, workshop_id=session.workshop_id)
        workshop = session.workshop
        if not workshop.live:
            raise BookingRefused(_("This workshop is not published."))
        if session.is_cancelled:
            raise BookingRefused(_("This session has been cancelled; choose another one."))
        if session.starts_at <= now:
            raise BookingRefused(_("This session has already started; choose a later one."))
        if not may_book(workshop=workshop, user=user):
            raise BookingRefused(
                _(
                    "This workshop is open to people who are assigned to it or whose department it is for."
                )
            )
        existing = (
            Booking.objects.select_for_update(of=("self",))
            .filter(user=user, workshop=workshop, status__in=Booking.ACTIVE)
            .select_related("session")
            .first()
        )
        if existing is not None:
            if existing.session_id == session.pk:
                return existing
            if existing.session.ends_at > now:
                raise BookingRefused(
                    _(
                        "You already have a place in another session of this workshop; cancel it first."
                    )
                )
            _close_past_booking(existing, now=now)
        # Whoever is waiting gets a free seat before a newcomer does.
        _promote_from_waiting_list(session, now=now)
        booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
        status = Booking.Status.BOOKED if booked < session.capacity else Booking.Status.WAITLISTED
        try:
            with transaction.atomic():
                return Booking.objects.create(
                    session=session, workshop=workshop, user=user, status=status, created_at=now
                )
        except IntegrityError:
            raise BookingRefused(_("You already have a place in this workshop.")) from None


def _close_past_booking(booking: Booking, *, now) -> None:
    """A booking of a session that has ended no longer holds the person's place in the
    workshop: who attended is done with it, who missed it may book another session."""
    if booking.status == Booking.Status.BOOKED and booking.attended:
        raise BookingRefused(
            _("You took part in this workshop on %(date)s.")
            % {"date": formats.date_format(timezone.localtime(booking.session.starts_at))}
        )
    if booking.status == Booking.Status.BOOKED:
        booking.status = Booking.Status.MISSED
        booking.save(update_fields=["status"])
    else:  # still on the waiting list when the session ended
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])


def cancel_booking(*, user: User, booking: Booking, now=None) -> Booking | None:
    """Cancel; a freed seat goes to the first person on the waiting list, who is returned."""
    now = now or timezone.now()
    with _workshop_locked(booking.workshop_id):
        session = _lock_session(booking.session_id, workshop_id=booking.workshop_id)
        booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if booking.user_id != user.pk:
            raise Booking.DoesNotExist
        if booking.status == Booking.Status.CANCELLED:
            return None
        if session.starts_at <= now:
            raise BookingRefused(_("The session has started; it can no longer be cancelled."))
        freed_seat = booking.status == Booking.Status.BOOKED
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        if not freed_seat:
            return None
        promoted = _promote_from_waiting_list(session, now=now)
        return promoted[0] if promoted else None


def release_bookings(*, user: User, now=None) -> list[Booking]:
    """A leaver's coming bookings: every seat and waiting-list place in a session that has
    not started is cancelled (the rows stay, marked cancelled), and each freed seat goes to
    the first person waiting, as when the person cancels. Sessions that have started keep
    their bookings: attendance is a record. Returns the bookings cancelled.

    Called when a person is deactivated (lms/workshops/receivers.py). Reactivation does not
    bring the places back: the seat may have gone to someone else; they book again."""
    now = now or timezone.now()
    coming = Booking.objects.filter(
        user=user, status__in=Booking.ACTIVE, session__starts_at__gt=now
    ).order_by("pk")
    found = list(coming.values_list("workshop_id", "session_id"))
    if not found:
        return []
    released = []
    with _workshop_locked(*{workshop_id for workshop_id, _session in found}):
        sessions = {
            session_id: _lock_session(session_id, workshop_id=workshop_id)
            for workshop_id, session_id in sorted(found, key=lambda pair: pair[1])
        }
        for booking in coming.filter(session_id__in=sessions).select_for_update(of=("self",)):
            session = sessions[booking.session_id]
            if session.starts_at <= now:
                continue
            freed_seat = booking.status == Booking.Status.BOOKED
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = now
            booking.save(update_fields=["status", "cancelled_at"])
            released.append(booking)
            if freed_seat:
                _promote_from_waiting_list(session, now=now)
    return released


def _promote_from_waiting_list(session: WorkshopSession, *, now) -> list[Booking]:
    """Give every free seat to the people waiting, first come first served.

    The one way anybody moves up: they find their seat booked on the workshop page, on
    their home page and in their calendar file (promoted_at says when)."""
    if session.is_cancelled or session.starts_at <= now:
        return []
    booked = Booking.objects.filter(session=session, status=Booking.Status.BOOKED).count()
    free = session.capacity - booked
    if free <= 0:
        return []
    waiting = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(session=session, status=Booking.Status.WAITLISTED)
        .order_by("created_at", "pk")[:free]
    )
    for booking in waiting:
        booking.status = Booking.Status.BOOKED
        booking.promoted_at = now
        booking.save(update_fields=["status", "promoted_at"])
        transaction.on_commit(partial(booking_promoted.send, sender=Booking, booking=booking))
    return waiting


def save_session(*, session: WorkshopSession, now=None) -> list[Booking]:
    """Create or change a session (as the trainer's form left it).

    Fewer seats than are booked is refused; more seats go to the people waiting, in
    order, before any newcomer can book them. Returns who moved up."""
    now = now or timezone.now()
    stored = (
        WorkshopSession.objects.filter(pk=session.pk).values("workshop_id").first()
        if session.pk
        else None
    )
    workshops = [session.workshop_id] + ([stored["workshop_id"]] if stored else [])
    with _workshop_locked(*workshops):
        if stored is None:
            session.save()
            return []
        _lock_session(session.pk, workshop_id=stored["workshop_id"])
        if stored["workshop_id"] != session.workshop_id and session.bookings.exists():
            raise BookingRefused(SESSION_HAS_BOOKINGS_TO_MOVE)
        booked = booked_seats(session=session)
        if session.capacity < booked:
            raise BookingRefused(too_few_seats_message(booked=booked))
        session.save()
        return _promote_from_waiting_list(session, now=now)


def cancel_session(*, session: WorkshopSession, user: User, now=None) -> list[Booking]:
    """Cancel a coming session: its bookings are cancelled and it stays, marked cancelled,
    with them. Returns the bookings cancelled."""
    now = now or timezone.now()
    with _workshop_locked(session.workshop_id):
        session = _lock_session(session.pk, workshop_id=session.workshop_id)
        if session.is_cancelled:
            return []
        if session.starts_at <= now:
            raise BookingRefused(_("The session has started; it can no longer be cancelled."))
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(session=session, status__in=Booking.ACTIVE)
            .order_by("pk")
        )
        for booking in bookings:
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = now
            booking.save(update_fields=["status", "cancelled_at"])
        session.cancelled_at = now
        session.cancelled_by = user
        session.save(update_fields=["cancelled_at", "cancelled_by"])
    return bookings


def mark_attendance(
    *, marker: User, session: WorkshopSession, attended_ids: set[int], now=None
) -> int:
    """Record who attended a session (booked participants only); returns how many attended."""
    now = now or timezone.now()
    if session.starts_at > now:
        raise BookingRefused(_("Attendance can be recorded once the session has started."))
    with _workshop_locked(session.workshop_id):
        session = _lock_session(session.pk, workshop_id=session.workshop_id)
        if session.is_cancelled:
            raise BookingRefused(_("This session was cancelled; nobody attended it."))
        bookings = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(session=session, status=Booking.Status.BOOKED)
            .order_by("pk")
        )
        unknown = attended_ids - {booking.pk for booking in bookings}
        if unknown:
            raise BookingRefused(_("Some of the people marked are not booked on this session."))
        for booking in bookings:
            booking.attended = booking.pk in attended_ids
            booking.attendance_marked_by = marker
            booking.attendance_marked_at = now
        Booking.objects.bulk_update(
            bookings, ["attended", "attendance_marked_by", "attendance_marked_at"]
        )
        for booking in bookings:  # bulk_update sends no signals
            learner_cache.learner_changed(booking.user_id)
        changes.rows_changed(Booking, user_ids=[booking.user_id for booking in bookings])
    return len(attended_ids)
