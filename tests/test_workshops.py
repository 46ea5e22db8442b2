import threading
from datetime import UTC, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lms.assignments.models import Assignment
from lms.workshops import services
from lms.workshops.models import Booking, WorkshopSession
from tests import factories

pytestmark = pytest.mark.django_db


def login(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def book(client, session, follow=False):
    return client.post(reverse("workshops:book", args=[session.pk]), follow=follow)


@pytest.fixture
def open_workshop(db):
    return factories.workshop(open_to_all=True)


class TestBooking:
    def test_book_a_seat(self, employee_client, employee, open_workshop):
        session = factories.session(workshop=open_workshop)
        response = book(employee_client, session, follow=True)
        assert "Your seat is booked." in response.content.decode()
        booking = Booking.objects.get(user=employee)
        assert booking.status == Booking.BOOKED and booking.workshop == open_workshop

    def test_workshop_page_shows_sessions_and_seats(self, employee_client, open_workshop):
        factories.session(workshop=open_workshop, capacity=5)
        page = employee_client.get(open_workshop.url).content.decode()
        assert "5 / 5" in page and "Book a seat" in page

    def test_full_session_puts_people_on_the_waiting_list(self, open_workshop):
        session = factories.session(workshop=open_workshop, capacity=1)
        first, second, third = (factories.user() for _ in range(3))
        assert services.book_session(user=first, session=session).status == Booking.BOOKED
        response = book(login(second), session, follow=True)
        assert "You are on the waiting list" in response.content.decode()
        services.book_session(user=third, session=session)
        assert list(Booking.objects.filter(session=session).values_list("status", flat=True)) == [
            "booked",
            "waitlisted",
            "waitlisted",
        ]
        page = login(third).get(open_workshop.url).content.decode()
        assert "number 2 on the waiting list" in page

    def test_cancelling_moves_the_first_waiting_person_up(self, open_workshop):
        session = factories.session(workshop=open_workshop, capacity=1)
        first, second, third = (factories.user() for _ in range(3))
        seat = services.book_session(user=first, session=session)
        services.book_session(user=second, session=session)
        services.book_session(user=third, session=session)
        response = login(first).post(reverse("workshops:cancel_booking", args=[seat.pk]))
        assert response.status_code == 302
        statuses = dict(Booking.objects.values_list("user__username", "status"))
        assert statuses == {
            first.username: "cancelled",
            second.username: "booked",
            third.username: "waitlisted",
        }
        assert Booking.objects.get(user=second).promoted_at is not None

    def test_capacity_is_never_exceeded(self, open_workshop):
        session = factories.session(workshop=open_workshop, capacity=3)
        for _ in range(6):
            services.book_session(user=factories.user(), session=session)
        assert Booking.objects.filter(session=session, status=Booking.BOOKED).count() == 3

    def test_a_started_session_cannot_be_booked(self, employee_client, open_workshop):
        session = factories.session(workshop=open_workshop, starts_in_days=-1)
        response = book(employee_client, session, follow=True)
        assert "already started" in response.content.decode()
        assert not Booking.objects.exists()

    def test_one_active_booking_per_workshop(self, employee, open_workshop):
        first = factories.session(workshop=open_workshop)
        second = factories.session(workshop=open_workshop)
        services.book_session(user=employee, session=first)
        assert services.book_session(user=employee, session=first).session == first
        with pytest.raises(services.BookingRefused, match="another session"):
            services.book_session(user=employee, session=second)
        assert Booking.objects.count() == 1

    def test_closed_workshop_needs_an_assignment_or_the_department(
        self, employee, employee_client, sales
    ):
        closed = factories.workshop()
        session = factories.session(workshop=closed)
        response = book(employee_client, session, follow=True)
        assert "open to people who are assigned" in response.content.decode()
        assert not Booking.objects.exists()

        Assignment.objects.create(assignee=employee, workshop=closed, due_date=timezone.localdate())
        book(employee_client, session)
        assert Booking.objects.filter(user=employee).exists()

        for_sales = factories.workshop(departments=(sales,))
        services.book_session(user=employee, session=factories.session(workshop=for_sales))

    def test_cancel_someone_elses_booking_is_404(self, employee_client, open_workshop):
        other = factories.user()
        booking = services.book_session(
            user=other, session=factories.session(workshop=open_workshop)
        )
        response = employee_client.post(reverse("workshops:cancel_booking", args=[booking.pk]))
        assert response.status_code == 404
        assert Booking.objects.get().status == Booking.BOOKED

    def test_get_on_booking_urls_is_405(self, employee_client, open_workshop):
        session = factories.session(workshop=open_workshop)
        assert employee_client.get(reverse("workshops:book", args=[session.pk])).status_code == 405

    def test_unknown_session_is_404(self, employee_client):
        assert employee_client.post(reverse("workshops:book", args=[999999])).status_code == 404


class TestCalendarFile:
    def test_ics_for_own_booking(self, employee_client, employee, open_workshop):
        session = factories.session(workshop=open_workshop, location="Raum Köln, 3. OG")
        booking = services.book_session(user=employee, session=session)
        response = employee_client.get(reverse("workshops:booking_ics", args=[booking.pk]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        body = response.content.decode()
        assert body.startswith("BEGIN:VCALENDAR\r\n")
        assert f"SUMMARY:{open_workshop.title}" in body
        assert "LOCATION:Raum Köln\\, 3. OG" in body
        assert f"DTSTART:{session.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in body
        assert f"DTEND:{session.ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in body
        assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    def test_ics_of_someone_else_is_404(self, employee_client, open_workshop):
        booking = services.book_session(
            user=factories.user(), session=factories.session(workshop=open_workshop)
        )
        assert (
            employee_client.get(reverse("workshops:booking_ics", args=[booking.pk])).status_code
            == 404
        )


class TestAttendance:
    def test_trainer_marks_attendance_which_completes_the_assignment(
        self, trainer, employee, manager, sales
    ):
        workshop = factories.workshop(departments=(sales,), trainer=trainer)
        session = factories.session(workshop=workshop, starts_in_days=2)
        booking = services.book_session(user=employee, session=session)
        Assignment.objects.create(
            assignee=employee, workshop=workshop, due_date=timezone.localdate() + timedelta(days=30)
        )
        WorkshopSession.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - timedelta(hours=4),
            ends_at=timezone.now() - timedelta(hours=1),
        )
        client = login(trainer)
        url = reverse("workshops:attendance", args=[session.pk])
        assert str(employee) in client.get(url).content.decode()
        response = client.post(url, {"attended": [booking.pk]})
        assert response.status_code == 302
        booking.refresh_from_db()
        assert booking.attended is True and booking.attendance_marked_by == trainer

        from lms.assignments.selectors import COMPLETED, assignments_for

        assert assignments_for(user=employee)[0].state == COMPLETED

    def test_attendance_before_the_session_is_refused(self, trainer, open_workshop, employee):
        session = factories.session(workshop=open_workshop)
        booking = services.book_session(user=employee, session=session)
        response = login(trainer).post(
            reverse("workshops:attendance", args=[session.pk]),
            {"attended": [booking.pk]},
            follow=True,
        )
        assert "once the session has started" in response.content.decode()
        booking.refresh_from_db()
        assert booking.attended is None

    def test_employees_cannot_take_attendance(self, employee_client, open_workshop):
        session = factories.session(workshop=open_workshop)
        assert (
            employee_client.get(reverse("workshops:attendance", args=[session.pk])).status_code
            == 403
        )

    def test_unknown_or_bad_booking_ids(self, trainer, open_workshop):
        session = factories.session(workshop=open_workshop, starts_in_days=-1)
        client = login(trainer)
        url = reverse("workshops:attendance", args=[session.pk])
        assert client.post(url, {"attended": ["abc"]}).status_code == 400
        response = client.post(url, {"attended": ["999999"]}, follow=True)
        assert "not booked on this session" in response.content.decode()


# serialized_rollback restores what the migrations created (groups, pages), which the
# flush after a transactional test would otherwise remove for the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_bookings_never_exceed_capacity():
    workshop = factories.workshop(open_to_all=True)
    session = factories.session(workshop=workshop, capacity=2)
    people = [factories.user() for _ in range(6)]
    barrier, unexpected = threading.Barrier(len(people)), []

    def take_a_seat(person):
        try:
            barrier.wait()
            services.book_session(user=person, session=session)
        except Exception as error:  # reported by the assertion below
            unexpected.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_a_seat, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert Booking.objects.filter(session=session, status=Booking.BOOKED).count() == 2
    assert Booking.objects.filter(session=session, status=Booking.WAITLISTED).count() == 4


class TestPastBookings:
    """A booking of a session that has ended must not hold the person's place for good."""

    @pytest.fixture
    def workshop(self):
        return factories.workshop(title="Storytelling live", open_to_all=True)

    def past_booking(self, workshop, employee, *, attended):
        past = factories.session(workshop=workshop, starts_in_days=-30)
        return Booking.objects.create(
            session=past, workshop=workshop, user=employee, attended=attended
        )

    def test_who_missed_a_session_can_book_another(self, workshop, employee):
        missed = self.past_booking(workshop, employee, attended=None)
        page = login(employee).get(workshop.url).content.decode()
        assert "has passed. You can book another one." in page
        assert "Your seat is booked" not in page and "Cancel booking" not in page

        later = factories.session(workshop=workshop, starts_in_days=7)
        booking = services.book_session(user=employee, session=later)

        assert booking.status == Booking.BOOKED and booking.session == later
        missed.refresh_from_db()
        assert missed.status == Booking.MISSED
        assert "Your seat is booked" in login(employee).get(workshop.url).content.decode()

    def test_who_attended_is_told_so_and_not_booked_again(self, workshop, employee):
        self.past_booking(workshop, employee, attended=True)
        later = factories.session(workshop=workshop, starts_in_days=7)
        client = login(employee)
        assert "You took part in this workshop on" in client.get(workshop.url).content.decode()

        response = client.post(reverse("workshops:book", args=[later.pk]), follow=True)

        assert "You took part in this workshop on" in response.content.decode()
        assert not Booking.objects.filter(session=later).exists()

    def test_a_coming_session_still_holds_the_place(self, workshop, employee):
        first = factories.session(workshop=workshop, starts_in_days=3)
        second = factories.session(workshop=workshop, starts_in_days=10)
        services.book_session(user=employee, session=first)
        with pytest.raises(services.BookingRefused):
            services.book_session(user=employee, session=second)


def session_form(session, **changes):
    data = {
        "workshop": session.workshop_id,
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
        "ends_at": timezone.localtime(session.ends_at).strftime("%Y-%m-%d %H:%M"),
        "location": session.location,
        "online_url": session.online_url,
        "capacity": session.capacity,
    }
    data.update(changes)
    return data


def edit_session(client, session, **changes):
    return client.post(
        reverse("workshop-sessions:edit", args=[session.pk]),
        session_form(session, **changes),
        follow=True,
    )


class TestSeats:
    """The waiting list keeps its order when a trainer changes the seats."""

    @pytest.fixture
    def full_session(self, open_workshop):
        session = factories.session(workshop=open_workshop, capacity=1)
        people = [factories.user() for _ in range(4)]
        for person in people:
            services.book_session(user=person, session=session)
        return session, people

    def statuses(self, people):
        return [Booking.objects.get(user=person).status for person in people]

    def test_more_seats_go_to_the_people_waiting_in_order(self, trainer, full_session):
        session, people = full_session
        response = edit_session(login(trainer), session, capacity=3)
        assert response.status_code == 200
        assert self.statuses(people) == ["booked", "booked", "booked", "waitlisted"]
        assert all(Booking.objects.get(user=person).promoted_at for person in people[1:3])
        newcomer = factories.user()
        assert services.book_session(user=newcomer, session=session).status == "waitlisted"
        page = login(people[1]).get(session.workshop.url).content.decode()
        assert "Your seat is booked" in page

    def test_people_waiting_come_before_a_newcomer_whatever_raised_the_seats(self, full_session):
        session, people = full_session
        WorkshopSession.objects.filter(pk=session.pk).update(capacity=2)  # no promotion

        newcomer = services.book_session(user=factories.user(), session=session)

        assert newcomer.status == "waitlisted"
        assert self.statuses(people) == ["booked", "booked", "waitlisted", "waitlisted"]

    def test_fewer_seats_than_booked_is_a_form_error(self, trainer, full_session):
        session, people = full_session
        edit_session(login(trainer), session, capacity=3)

        response = edit_session(login(trainer), session, capacity=2)

        assert response.status_code == 200
        assert "3 seats are booked; the session cannot have fewer seats." in (
            response.content.decode()
        )
        session.refresh_from_db()
        assert session.capacity == 3
        assert self.statuses(people).count("booked") == 3

    def test_no_seat_at_all_is_a_form_error(self, trainer, open_workshop):
        session = factories.session(workshop=open_workshop)
        response = edit_session(login(trainer), session, capacity=0)
        assert "A session needs at least one seat." in response.content.decode()

    def test_the_service_refuses_too_few_seats_too(self, full_session):
        """The form checks first; the service checks again under the workshop's lock."""
        session, _people = full_session
        WorkshopSession.objects.filter(pk=session.pk).update(capacity=2)
        services.book_session(user=factories.user(), session=session)  # promotes one
        session.refresh_from_db()
        session.capacity = 1
        with pytest.raises(services.BookingRefused, match="2 seats are booked"):
            services.save_session(session=session)
        assert WorkshopSession.objects.get(pk=session.pk).capacity == 2

    def test_the_database_holds_the_seat_rules(self, full_session):
        session, _people = full_session
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE courses_workshopsession SET capacity = 0 WHERE id = %s", [session.pk]
            )
        with pytest.raises(DatabaseError), transaction.atomic():
            Booking.objects.filter(session=session, status="waitlisted").update(status="booked")
        assert WorkshopSession.objects.get(pk=session.pk).capacity == 1
        assert Booking.objects.filter(session=session, status="booked").count() == 1

    def test_a_session_people_booked_cannot_move_to_another_workshop(self, trainer, full_session):
        session, _people = full_session
        other = factories.workshop(title="Another workshop", open_to_all=True)
        response = edit_session(login(trainer), session, workshop=other.pk)
        assert "it cannot move to another workshop" in response.content.decode()
        assert WorkshopSession.objects.get(pk=session.pk).workshop_id == session.workshop_id


class TestSessionCancellation:
    @pytest.fixture
    def booked_session(self, open_workshop, employee):
        session = factories.session(workshop=open_workshop, capacity=1)
        services.book_session(user=employee, session=session)
        services.book_session(user=factories.user(), session=session)  # waiting
        return session

    def test_deleting_a_booked_session_explains_and_offers_cancelling(
        self, trainer, booked_session
    ):
        client = login(trainer)
        url = reverse("workshop-sessions:delete", args=[booked_session.pk])
        for response in (client.get(url, follow=True), client.post(url, follow=True)):
            assert response.status_code == 200
            page = response.content.decode()
            assert "This session has 2 bookings, which are kept as a record" in page
            assert "Cancel it instead" in page
            assert response.redirect_chain[-1][0] == reverse(
                "workshop-sessions:cancel", args=[booked_session.pk]
            )
        assert WorkshopSession.objects.filter(pk=booked_session.pk).exists()

    def test_a_session_nobody_booked_can_be_deleted(self, trainer, open_workshop):
        session = factories.session(workshop=open_workshop)
        response = login(trainer).post(reverse("workshop-sessions:delete", args=[session.pk]))
        assert response.status_code == 302
        assert not WorkshopSession.objects.filter(pk=session.pk).exists()

    def test_cancelling_cancels_the_bookings_and_tells_the_people(
        self, trainer, employee, booked_session
    ):
        client = login(trainer)
        url = reverse("workshop-sessions:cancel", args=[booked_session.pk])
        listing = client.get(reverse("workshop-sessions:index")).content.decode()
        assert url in listing and "Cancel session" in listing
        assert "also cancels its 2 bookings" in client.get(url).content.decode()

        response = client.post(url, follow=True)

        assert "2 bookings were cancelled with it" in response.content.decode()
        booked_session.refresh_from_db()
        assert booked_session.is_cancelled and booked_session.cancelled_by == trainer
        assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
        page = login(employee).get(booked_session.workshop.url).content.decode()
        assert "has been cancelled, and your booking with it" in page
        assert "This session has been cancelled." in page and "Book a seat" not in page
        response = book(login(employee), booked_session, follow=True)
        assert "This session has been cancelled; choose another one." in (response.content.decode())
        assert not Booking.objects.filter(status__in=Booking.ACTIVE).exists()

    def test_the_database_keeps_a_cancelled_session_empty(self, employee, booked_session):
        services.cancel_session(session=booked_session, user=employee)
        with pytest.raises(DatabaseError), transaction.atomic():
            Booking.objects.create(
                session=booked_session, workshop=booked_session.workshop, user=factories.user()
            )

    def test_only_who_manages_sessions_may_cancel(self, employee_client, booked_session):
        url = reverse("workshop-sessions:cancel", args=[booked_session.pk])
        assert employee_client.post(url).status_code in (302, 403)
        assert not WorkshopSession.objects.get(pk=booked_session.pk).is_cancelled

    def test_a_started_session_cannot_be_cancelled(self, trainer, open_workshop):
        session = factories.session(workshop=open_workshop, starts_in_days=-1)
        response = login(trainer).post(
            reverse("workshop-sessions:cancel", args=[session.pk]), follow=True
        )
        assert "The session has started; it can no longer be cancelled." in (
            response.content.decode()
        )
        assert not WorkshopSession.objects.get(pk=session.pk).is_cancelled
