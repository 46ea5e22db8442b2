"""The booking's calendar file, read back with icalendar as a calendar app reads it."""

from datetime import UTC

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from lms.workshops import services
from lms.workshops.models import WorkshopPage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_workshop(db):
    return factories.workshop(open_to_all=True)


def calendar_of(client: Client, booking) -> tuple[icalendar.Calendar, icalendar.Event, bytes]:
    response = client.get(reverse("workshops:booking_ics", args=[booking.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="workshop-{booking.session_id}.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event, response.content


def test_a_booked_seat_is_a_confirmed_event(employee_client, employee, open_workshop):
    session = factories.session(workshop=open_workshop, location="Raum Köln; 3. OG, links")
    booking = services.book_session(user=employee, session=session)

    calendar, event, _body = calendar_of(employee_client, booking)

    assert calendar["METHOD"] == "PUBLISH" and calendar["VERSION"] == "2.0"
    assert event["UID"] == f"booking-{booking.pk}@testserver"
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == 0
    assert event["SUMMARY"] == open_workshop.title
    assert event["LOCATION"] == "Raum Köln; 3. OG, links"
    # Calendars count in whole seconds.
    assert event.decoded("DTSTART") == session.starts_at.astimezone(UTC).replace(microsecond=0)
    assert event.decoded("DTEND") == session.ends_at.astimezone(UTC).replace(microsecond=0)
    assert event["URL"] == f"http://testserver{open_workshop.url}"


def test_a_place_on_the_waiting_list_is_tentative(employee_client, employee, open_workshop):
    session = factories.session(workshop=open_workshop, capacity=1)
    services.book_session(user=factories.user(), session=session)
    booking = services.book_session(user=employee, session=session)

    _calendar, event, _body = calendar_of(employee_client, booking)

    assert event["STATUS"] == "TENTATIVE"


def test_line_breaks_from_admin_textareas_are_escaped(employee_client, employee, open_workshop):
    """Admin textareas send CR LF, and some browsers a bare CR: no raw CR may reach the
    file, where it would end the line in the middle of a property."""
    WorkshopPage.objects.filter(pk=open_workshop.pk).update(
        summary="First line\r\nsecond line\rthird, with a comma; and a semicolon"
    )
    session = factories.session(workshop=open_workshop)
    session.online_url = "https://meet.example.com/room"
    session.save()
    booking = services.book_session(user=employee, session=session)

    _calendar, event, body = calendar_of(employee_client, booking)

    assert b"\r" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    description = str(event["DESCRIPTION"])
    assert description.splitlines() == [
        "First line",
        "second line",
        "third, with a comma; and a semicolon",
        "",
        "https://meet.example.com/room",
    ]


def test_a_cancelled_booking_gives_the_cancellation_of_the_same_event(
    employee_client, employee, open_workshop
):
    booking = services.book_session(
        user=employee, session=factories.session(workshop=open_workshop)
    )
    _calendar, added, _body = calendar_of(employee_client, booking)

    response = employee_client.post(reverse("workshops:cancel_booking", args=[booking.pk]))
    assert response.status_code == 302
    calendar, cancelled, _body = calendar_of(employee_client, booking)

    assert calendar["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == added["UID"]
    assert cancelled["SEQUENCE"] > added["SEQUENCE"]
    assert cancelled.decoded("DTSTART") == added.decoded("DTSTART")


def test_a_cancelled_session_gives_a_cancellation_linked_from_the_workshop_page(
    employee_client, employee, trainer, open_workshop
):
    session = factories.session(workshop=open_workshop)
    booking = services.book_session(user=employee, session=session)
    _calendar, added, _body = calendar_of(employee_client, booking)

    services.cancel_session(session=session, user=trainer)

    page = employee_client.get(open_workshop.url).content.decode()
    assert "Remove it from your calendar (.ics)" in page
    assert reverse("workshops:booking_ics", args=[booking.pk]) in page
    calendar, cancelled, _body = calendar_of(employee_client, booking)
    assert calendar["METHOD"] == "CANCEL" and cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == added["UID"]
