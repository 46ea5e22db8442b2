"""The learner dashboard in one query beyond what every page of the site reads.

The learner's own rows — enrolments, module completions, assignments, bookings — come in
one UNION ALL query of selectors that each app owns (lms.core.learner_rows). The same
query reads the content token (lms.core.content_version): what the dashboard shows of the
courses and workshops (titles, URLs, live modules, recommendations) is built once per
process and token, so a course published in another process shows at the next request.
With the shared learner cache on, the rows are cached per learner as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone, translation
from wagtail.models import Page, Site

from courses.selectors import (
    CourseContent,
    Dashboard,
    course_content,
    dashboard_from_rows,
    enrolments_from_rows,
    learner_course_rows,
)
from lms.assignments.selectors import AssignmentRow, assignments_from_rows, learner_assignment_rows
from lms.core import content_version, learner_cache, learner_rows
from lms.people.models import User
from lms.workshops.models import Booking, WorkshopPage
from lms.workshops.selectors import (
    bookings_from_rows,
    learner_booking_rows,
    upcoming_bookings,
    workshop_links,
)


class PageUrls:
    """The URLs of the content's pages as {% pageurl %} gives them, remembered per site
    layout and language for as long as the content is kept (Site writes change the
    content token: lms.core.learner_cache)."""

    def __init__(self) -> None:
        self._urls: dict[tuple, str | None] = {}

    def url(self, page: Page, *, request: HttpRequest) -> str | None:
        site = Site.find_for_request(request)  # remembered on the request
        key = (page.pk, site.pk if site else None, translation.get_language())
        try:
            return self._urls[key]
        except KeyError:
            url = self._urls[key] = page.get_url(request=request)
            return url


@dataclass(frozen=True)
class DashboardContent:
    courses: CourseContent
    workshops: dict[int, WorkshopPage]
    urls: PageUrls = field(default_factory=PageUrls)


@dataclass(frozen=True)
class LearnerHome:
    dashboard: Dashboard
    assignments: list[AssignmentRow]
    bookings: list[Booking]  # upcoming, booked or waitlisted
    urls: PageUrls
    token: int | None = None  # the content token the rows were read with


def learner_row_querysets(user_id: int) -> list:
    """The learner's rows and the content token, as the querysets of one UNION."""
    return [
        learner_rows.content_token_row(User.objects.filter(pk=user_id)),
        *learner_course_rows(user_id=user_id),
        learner_assignment_rows(user_id=user_id),
        learner_booking_rows(user_id=user_id),
    ]


learner_rows_of = learner_rows.PreparedUnion(learner_row_querysets)


def dashboard_content(*, token: int | None) -> DashboardContent:
    return content_version.remembered(
        "home-dashboard",
        token=token,
        compute=lambda: DashboardContent(courses=course_content(), workshops=workshop_links()),
    )


def warm_up() -> None:
    """At a worker's start (lms.core.startup): the content every dashboard shows under
    the current token, and the learners' UNION compiled (run for no learner)."""
    dashboard_content(token=content_version.current_token())
    learner_rows_of(user_id=learner_rows.SENTINEL_USER_ID)


def learner_home(*, user: User) -> LearnerHome:
    rows = learner_cache.remember(
        user=user, name="dashboard-rows", compute=lambda: learner_rows_of(user_id=user.pk)
    )
    token = next((row.pk for row in rows if row.kind == "content"), None)
    content = dashboard_content(token=token)
    bookings = bookings_from_rows(rows=rows, workshops=content.workshops)
    pages = {**content.courses.courses, **content.workshops}
    enrolments = enrolments_from_rows(rows)  # once: the assignments and the dashboard
    assignments = assignments_from_rows(
        rows=rows,
        enrolments=enrolments,
        bookings=bookings,
        pages=pages,
        today=timezone.localdate(),
    )
    active = [booking for booking in bookings if booking.status in Booking.ACTIVE]
    return LearnerHome(
        dashboard=dashboard_from_rows(
            rows=rows, content=content.courses, user=user, enrolments=enrolments
        ),
        assignments=assignments,
        bookings=upcoming_bookings(user=user, active=active),
        urls=content.urls,
        token=token,
    )
