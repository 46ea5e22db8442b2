"""Write-side rules for learner progress."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import (
    Booking,
    CoursePage,
    Enrollment,
    ModuleCompletion,
    ModulePage,
    WorkshopPage,
    WorkshopSession,
)
from courses.selectors import (
    SESSION_HAS_BOOKINGS_TO_MOVE,
    booked_seats,
    course_of,
    course_progress,
    guidelines_blocking_start,
    too_few_seats_message,
)
from lms.core import changes, learner_cache
from lms.quizzes.models import Sitting
from lms.quizzes.selectors import has_passed

if TYPE_CHECKING:
    from lms.guidelines.models import GuidelinePage
    from lms.people.models import User


class GuidelinesMissing(Exception):
    """The course requires documents the learner has not accepted yet."""

    def __init__(self, documents):
        super().__init__()
        self.documents = documents


class QuizNotPassed(Exception):
    """The module has a quiz; only passing it completes the module."""


class QuizUnavailable(QuizNotPassed):
    """The module's quiz is a draft or archived: the gate stays shut until it is back."""


@dataclass(frozen=True)
class CompletionResult:
    completion: ModuleCompletion
    created: bool
    enrolled_now: bool
    course_completed_now: bool


def _get_or_create_race_safe(model, **lookup):
    """get_or_create that survives two requests inserting the same row at once.

    The unique constraint decides; the loser of the race reads the winner's row.
    """
    try:
        with transaction.atomic():
            return model.objects.get_or_create(**lookup)
    except IntegrityError:
        return model.objects.get(**lookup), False


def enrol(*, user: User, course: CoursePage) -> tuple[Enrollment, bool]:
    """Enrol the learner; enrolling twice returns the existing enrolment.

    A course may require accepted guidelines before it starts.
    """
    missing = guidelines_blocking_start(course=course, user=user)
    if missing:
        raise GuidelinesMissing(missing)
    return _get_or_create_race_safe(Enrollment, user=user, course=course)


def complete_module(*, user: User, module: ModulePage) -> CompletionResult:
    """Record that the learner finished a module.

    A learner who was not enrolled is enrolled first, so a direct link to a module
    still counts. A module with a quiz completes only after the learner passed it,
    whether or not the quiz can be taken at the moment.
    When every counted module of the course is done the enrolment gets
    its completion time, once: a later completion never moves it.
    """
    quiz_id = module.active_quiz_id
    if quiz_id and not has_passed(user=user, quiz_id=quiz_id):
        # A gate that cannot be met (the quiz is a draft or archived) blocks; it never opens.
        raise QuizNotPassed if module.quiz.is_available else QuizUnavailable
    course = course_of(module=module)
    with transaction.atomic():
        enrollment, enrolled_now = enrol(user=user, course=course)
        completion, created = _get_or_create_race_safe(ModuleCompletion, user=user, module=module)
        course_completed_now = False
        if enrollment.completed_at is None:
            progress = course_progress(course=course, user=user)
            if progress.counted_modules and progress.percent == 100:
                course_completed_now = bool(
                    Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(
                        completed_at=timezone.now()
                    )
                )
                if course_completed_now:
                    changes.rows_changed(Enrollment)  # an update sends no signal
                    learner_cache.learner_changed(user.pk)
    return CompletionResult(
        completion=completion,
        created=created,
        enrolled_now=enrolled_now,
        course_completed_now=course_completed_now,
    )


def complete_modules_for_pass(*, sitting: Sitting) -> None:
    """Passing a quiz completes the module it was taken from and every module using it
    in the courses the learner is enrolled in.

    Runs in the transaction that passes the attempt (lms.quizzes.signals.quiz_passed). A
    module whose course still waits for guidelines the learner has to accept stays open:
    the answer and the pass are kept, the result page says what is missing, and the
    module counts once the documents are accepted (complete_modules_after_signoff).
    """
    modules = {
        module.pk: module
        for module in ModulePage.objects.live().filter(quiz_id=sitting.quiz_id)
        if Enrollment.objects.filter(
            user_id=sitting.user_id, course__path=module.path[: -module.steplen]
        ).exists()
    }
    if sitting.module_id and sitting.module.live and sitting.module.quiz_id == sitting.quiz_id:
        modules[sitting.module_id] = sitting.module
    for module in modules.values():
        try:
            complete_module(user=sitting.user, module=module)
        except GuidelinesMissing:
            continue


def _modules_waiting_for_guidelines(*, user: User, courses) -> list[ModulePage]:
    """Modules of these courses whose quiz the learner passed from the module itself but
    that are not complete: the course was waiting for accepted guidelines."""
    paths = {course.path for course in courses}
    if not paths:
        return []
    sittings = (
        Sitting.objects.filter(user=user, passed=True, module__live=True)
        .exclude(module__completions__user=user)
        .select_related("module")
        .order_by("end")
    )
    modules = {}
    for sitting in sittings:
        module = sitting.module
        if module.quiz_id == sitting.quiz_id and module.path[: -module.steplen] in paths:
            modules[module.pk] = module
    return list(modules.values())


def complete_modules_after_signoff(*, user: User, document: GuidelinePage) -> None:
    """A learner accepted a document: the quiz passes that waited for it now count."""
    courses = CoursePage.objects.live().filter(required_guidelines=document)
    for module in _modules_waiting_for_guidelines(user=user, courses=courses):
        try:
            complete_module(user=user, module=module)
        except (GuidelinesMissing, QuizNotPassed):
            continue  # other documents are still missing (or the pass no longer counts)


# --- Workshops -------------------------------------------------------------------------
#
# Lock order. Every write to a workshop's sessions or bookings (booking, cancelling,
# promotion from the waiting list, attendance, changing or cancelling a session) takes
# its row locks in this one order, inside one transaction:
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
    from courses.selectors import may_book

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
        booked = Booking.objects.filter(session=session, status=Booking.BOOKED).count()
        status = Booking.BOOKED if booked < session.capacity else Booking.WAITLISTED
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
    if booking.status == Booking.BOOKED and booking.attended:
        raise BookingRefused(
            _("You took part in this workshop on %(date)s.")
            % {"date": formats.date_format(timezone.localtime(booking.session.starts_at))}
        )
    if booking.status == Booking.BOOKED:
        booking.status = Booking.MISSED
        booking.save(update_fields=["status"])
    else:  # still on the waiting list when the session ended
        booking.status = Booking.CANCELLED
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
        if booking.status == Booking.CANCELLED:
            return None
        if session.starts_at <= now:
            raise BookingRefused(_("The session has started; it can no longer be cancelled."))
        freed_seat = booking.status == Booking.BOOKED
        booking.status = Booking.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        if not freed_seat:
            return None
        promoted = _promote_from_waiting_list(session, now=now)
        return promoted[0] if promoted else None


def _promote_from_waiting_list(session: WorkshopSession, *, now) -> list[Booking]:
    """Give every free seat to the people waiting, first come first served.

    The one way anybody moves up: they find their seat booked on the workshop page, on
    their home page and in their calendar file (promoted_at says when)."""
    if session.is_cancelled or session.starts_at <= now:
        return []
    booked = Booking.objects.filter(session=session, status=Booking.BOOKED).count()
    free = session.capacity - booked
    if free <= 0:
        return []
    waiting = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(session=session, status=Booking.WAITLISTED)
        .order_by("created_at", "pk")[:free]
    )
    for booking in waiting:
        booking.status = Booking.BOOKED
        booking.promoted_at = now
        booking.save(update_fields=["status", "promoted_at"])
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
            raise BookingRefused(too_few_seats_message(booked))
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
            booking.status = Booking.CANCELLED
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
            .filter(session=session, status=Booking.BOOKED)
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
        changes.rows_changed(Booking)
    return len(attended_ids)
