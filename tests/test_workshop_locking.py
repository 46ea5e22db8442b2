"""One lock order for every write to a workshop's sessions and bookings
(lms.workshops.services): parallel requests of one person never deadlock, and the loser of a
race, or of a long wait, is told what happened instead of getting an error page."""

import threading
from functools import partial

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from lms.workshops import services
from lms.workshops.models import Booking
from tests import factories

# serialized_rollback restores what the migrations created (groups, pages), which the
# flush after a transactional test would otherwise remove for the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 8


def run_together(*calls):
    """Run the calls in parallel threads, released at once; returns their outcomes."""
    barrier, outcomes = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # reported by the callers' assertions
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def logged_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(user)
    return client


def test_one_person_booking_two_sessions_at_once_gets_one_seat_and_a_clear_message():
    workshop = factories.workshop(open_to_all=True)
    person = factories.user()
    for _ in range(ROUNDS):
        Booking.objects.filter(user=person).update(status=Booking.CANCELLED)
        first, second = (factories.session(workshop=workshop) for _ in range(2))
        clients = [logged_in(person), logged_in(person)]

        responses = run_together(
            *(
                partial(client.post, reverse("workshops:book", args=[session.pk]), follow=True)
                for client, session in zip(clients, (first, second), strict=True)
            )
        )

        assert [response.status_code for response in responses] == [200, 200]
        pages = [response.content.decode() for response in responses]
        assert sum("Your seat is booked." in page for page in pages) == 1
        assert (
            sum(
                "You already have a place in another session of this workshop" in page
                for page in pages
            )
            == 1
        ), "the second request waits for the first and is told why it gets no seat"
        assert Booking.objects.filter(user=person, status__in=Booking.ACTIVE).count() == 1


def test_switching_sessions_while_cancelling_never_deadlocks():
    """Cancelling a seat and booking another session of the workshop at the same time
    took the session and booking locks in opposite orders: PostgreSQL killed one."""
    workshop = factories.workshop(open_to_all=True)
    person = factories.user()
    for _ in range(ROUNDS):
        Booking.objects.filter(user=person).update(status=Booking.CANCELLED)
        first, second = (factories.session(workshop=workshop, capacity=1) for _ in range(2))
        seat = services.book_session(user=person, session=first)

        outcomes = run_together(
            partial(services.cancel_booking, user=person, booking=seat),
            partial(services.book_session, user=person, session=second),
        )

        cancelled, booking = outcomes
        assert cancelled is None, cancelled
        assert isinstance(booking, Booking | services.BookingRefused), repr(booking)
        if isinstance(booking, services.BookingRefused):
            assert "another session of this workshop" in str(booking)
        assert Booking.objects.filter(user=person, status__in=Booking.ACTIVE).count() <= 1


def test_moving_up_while_booking_elsewhere_never_deadlocks():
    """A cancellation promotes the first person waiting while that person books another
    session of the workshop."""
    workshop = factories.workshop(open_to_all=True)
    holder, waiting = factories.user(), factories.user()
    for _ in range(ROUNDS):
        Booking.objects.filter(user__in=[holder, waiting]).update(status=Booking.CANCELLED)
        full, other = (factories.session(workshop=workshop, capacity=1) for _ in range(2))
        seat = services.book_session(user=holder, session=full)
        services.book_session(user=waiting, session=full)

        outcomes = run_together(
            partial(services.cancel_booking, user=holder, booking=seat),
            partial(services.book_session, user=waiting, session=other),
        )

        promoted, booking = outcomes
        assert isinstance(promoted, Booking | None), repr(promoted)
        assert isinstance(booking, Booking | services.BookingRefused), repr(booking)
        assert Booking.objects.filter(user=waiting, status__in=Booking.ACTIVE).count() == 1


def test_a_long_wait_for_the_workshop_ends_with_a_clear_message(monkeypatch):
    if connections["default"].vendor != "postgresql":
        pytest.skip("SQLite waits for its busy timeout (20 s) instead of a lock timeout")
    monkeypatch.setattr(services, "BOOKING_LOCK_TIMEOUT", "200ms")
    workshop = factories.workshop(open_to_all=True)
    session = factories.session(workshop=workshop)
    person = factories.user()
    holding, release = threading.Event(), threading.Event()

    def hold_the_workshop():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM courses_workshoppage WHERE page_ptr_id = %s FOR UPDATE",
                    [workshop.pk],
                )
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_workshop)
    holder.start()
    try:
        assert holding.wait(10)
        response = logged_in(person).post(reverse("workshops:book", args=[session.pk]), follow=True)
    finally:
        release.set()
        holder.join()

    assert response.status_code == 200
    assert "Many people are booking this workshop right now" in response.content.decode()
    assert not Booking.objects.filter(user=person).exists()
