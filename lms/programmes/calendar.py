"""The iCalendar (RFC 5545) file of a bootcamp run: one event per live session.

Written with the `icalendar` package like the workshops' booking files (text escaped,
long lines folded, times in UTC). Each session keeps one UID per run, so a file fetched
again updates the events already added; a cancelled session is CANCELLED with a higher
SEQUENCE, which removes it from the calendar it was added to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import icalendar

from lms.programmes.models import BootcampRun
from lms.workshops.models import WorkshopSession

PRODID = "-//Bootcamp LMS//Bootcamp runs//DE"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def run_ics(*, run: BootcampRun, sessions: Iterable[WorkshopSession], url: str, host: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", run.title)
    for session in sessions:
        cancelled = session.is_cancelled
        event = icalendar.Event()
        event.add("uid", f"run-{run.pk}-session-{session.pk}@{host}")
        event.add("dtstamp", _utc(session.cancelled_at or run.created_at))
        event.add("sequence", 1 if cancelled else 0)
        event.add("dtstart", _utc(session.starts_at))
        event.add("dtend", _utc(session.ends_at))
        event.add("summary", f"{session.workshop.title} ({run.title})")
        description = session.workshop.summary or ""
        if session.online_url:
            description += f"\n\n{session.online_url}"
        event.add("description", description.strip())
        event.add("location", session.location or session.online_url)
        event.add("url", url)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
