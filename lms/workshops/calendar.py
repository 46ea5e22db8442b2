"""iCalendar (RFC 5545) files for workshop bookings, so people can add sessions to Outlook.

Written with the `icalendar` package, which escapes text (commas, semicolons, line breaks
of any kind, including the bare carriage returns admin textareas send) and folds long
lines. A booking keeps one UID: once it or its session is cancelled, its file is a
cancellation (METHOD:CANCEL, STATUS:CANCELLED, a higher SEQUENCE) that removes the event
from the calendar it was added to.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from lms.workshops.models import Booking

PRODID = "-//Bootcamp LMS//Workshops//DE"


def _utc(moment: datetime) -> datetime:
    """Times in UTC (…Z): every calendar reads them without a VTIMEZONE block."""
    return moment.astimezone(UTC)


def is_cancellation(booking: Booking) -> bool:
    return booking.status == Booking.Status.CANCELLED or booking.session.is_cancelled


def booking_ics(*, booking: Booking, url: str, host: str) -> bytes:
    session = booking.session
    workshop = session.workshop
    cancelled = is_cancellation(booking)
    description = workshop.summary
    if session.online_url:
        description += f"\n\n{session.online_url}"

    event = icalendar.Event()
    event.add("uid", f"booking-{booking.pk}@{host}")
    stamp = (booking.cancelled_at or session.cancelled_at) if cancelled else None
    event.add("dtstamp", _utc(stamp or booking.created_at))
    # The cancellation supersedes the file the person added to their calendar before.
    event.add("sequence", 1 if cancelled else 0)
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    event.add("summary", workshop.title)
    event.add("description", description)
    event.add("location", session.location or session.online_url)
    event.add("url", url)
    if cancelled:
        status = "CANCELLED"
    elif booking.status == Booking.Status.BOOKED:
        status = "CONFIRMED"
    else:
        status = "TENTATIVE"
    event.add("status", status)

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
