"""The evidence metrics of the rollout board, each one grouped query for all departments.

Every metric is one function registered with @metric (see registry.py), so the board runs
the same number of queries for four departments or forty, and for a hundred people or
fifty thousand. Metrics that need a track get the criterion's track (a foreign key), never
a slug: renaming a track keeps its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import Group
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from courses.models import Enrollment, Track
from lms.assignments.models import Assignment
from lms.award.selectors import winners
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.people.models import User
from lms.rollout.registry import metric
from lms.stories.selectors import live_stories
from lms.workshops.models import Booking


def share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def by_department(queryset, value="n") -> dict[int, int]:
    return {row["department_id"]: row[value] or 0 for row in queryset}


@dataclass
class MetricContext:
    """What several metrics of one board computation share (computed once)."""

    @cached_property
    def members(self):
        return User.objects.filter(is_active=True, department__isnull=False)

    @cached_property
    def headcount(self) -> dict[int, int]:
        return by_department(self.members.values("department_id").annotate(n=Count("pk")))


@metric(
    "managers_linkedin",
    needs_track=True,
    percent=True,
    label=_("Share of managers who completed the chosen track (%)"),
    track_label=_("Share of managers who completed %(track)s (%%)"),
)
def managers_completed_track(context: MetricContext, track: Track) -> dict[int, int]:
    """Managers (by group or with reports) who completed a course or attended a workshop
    of the track."""
    managers_group = Group.objects.filter(name=roles.MANAGERS)
    is_manager = Q(groups__in=managers_group) | Q(direct_reports__isnull=False)
    managers = context.members.filter(is_manager).distinct()
    done = Exists(
        Enrollment.objects.filter(
            user=OuterRef("pk"), completed_at__isnull=False, course__track=track
        )
    ) | Exists(Booking.objects.filter(user=OuterRef("pk"), attended=True, workshop__track=track))
    rows = (
        User.objects.filter(pk__in=managers.values("pk"))
        .values("department_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(done)))
    )
    return {row["department_id"]: share(row["done"], row["n"]) for row in rows}


@metric(
    "assigned_courses",
    percent=True,
    label=_("Share of people who completed all assigned courses (%)"),
)
def assigned_courses_completed(context: MetricContext, track=None) -> dict[int, int]:
    course_completed = Enrollment.objects.filter(
        user=OuterRef("assignee"), course=OuterRef("course"), completed_at__isnull=False
    )
    open_course = Assignment.objects.filter(assignee=OuterRef("pk"), course__isnull=False).exclude(
        Exists(course_completed)
    )
    has_course = Assignment.objects.filter(assignee=OuterRef("pk"), course__isnull=False)
    rows = (
        context.members.filter(Exists(has_course))
        .values("department_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=~Q(Exists(open_course))))
    )
    return {row["department_id"]: share(row["done"], row["n"]) for row in rows}


@metric(
    "guidelines_signed",
    percent=True,
    label=_("Share of people who accepted the current guidelines (%)"),
)
def guidelines_signed(context: MetricContext, track=None) -> dict[int, int]:
    """Share of people who accepted the current version of every live guidelines document."""
    documents = (
        GuidelinePage.objects.live()
        .filter(kind="guidelines")
        .annotate(
            current=Subquery(
                GuidelineVersion.objects.filter(document=OuterRef("pk"))
                .order_by("-number")
                .values("pk")[:1]
            )
        )
        .values_list("current", flat=True)
    )
    current_versions = [version for version in documents if version]
    if not current_versions:
        return {}
    signed_all = context.members
    for version_id in current_versions:
        signed_all = signed_all.filter(
            Exists(SignOff.objects.filter(user=OuterRef("pk"), version_id=version_id))
        )
    signed = by_department(signed_all.values("department_id").annotate(n=Count("pk")))
    return {dept: share(signed.get(dept, 0), total) for dept, total in context.headcount.items()}


@metric(
    "bootcamp_enrolment",
    percent=True,
    label=_("Share of people enrolled in a bootcamp course (%)"),
)
def enrolled_in_bootcamp(context: MetricContext, track=None) -> dict[int, int]:
    enrolled = by_department(
        context.members.filter(Exists(Enrollment.objects.filter(user=OuterRef("pk"))))
        .values("department_id")
        .annotate(n=Count("pk"))
    )
    return {dept: share(enrolled.get(dept, 0), total) for dept, total in context.headcount.items()}


@metric(
    "urgency_workshop",
    needs_track=True,
    label=_("Urgency workshop sessions attended by the department"),
)
def track_workshop_sessions(context: MetricContext, track: Track) -> dict[int, int]:
    """Sessions of the track's workshops that someone of the department attended."""
    return by_department(
        Booking.objects.filter(attended=True, workshop__track=track, user__department__isnull=False)
        .values(department_id=F("user__department_id"))
        .annotate(n=Count("session_id", distinct=True))
    )


@metric("kpi_months", label=_("Months of KPI data imported"))
def kpi_months(context: MetricContext, track=None) -> dict[int, int]:
    return by_department(
        KpiRecord.objects.values("department_id").annotate(n=Count("month", distinct=True))
    )


@metric("success_stories", label=_("Success stories published"))
def success_stories(context: MetricContext, track=None) -> dict[int, int]:
    return by_department(
        live_stories()
        .filter(department__isnull=False)
        .values("department_id")
        .annotate(n=Count("pk"))
    )


@metric("award_given", label=_("Social Selling Award winners announced"))
def award_given(context: MetricContext, track=None) -> dict[int, int]:
    return by_department(
        winners()
        .filter(winner__department__isnull=False)
        .values(department_id=F("winner__department_id"))
        .annotate(n=Count("pk"))
    )
