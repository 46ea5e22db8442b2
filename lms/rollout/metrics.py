"""The evidence metrics of the rollout board, for all departments at once.

Every metric is one function registered with @metric (see registry.py). The metrics
about people (managers, enrolments, assignments, sign-offs, attendance) read the counts
per department that every write keeps up to date (EvidenceTally, lms/rollout/summary.py):
one query of a few rows per department, for a hundred people or fifty thousand. The
others count small tables (KPI months, stories, award winners). Metrics that need a track
get the criterion's track (a foreign key), never a slug: renaming a track keeps its
evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from courses.models import Track
from lms.award.selectors import winners
from lms.kpis.models import KpiRecord
from lms.rollout import summary
from lms.rollout.models import EvidenceTally
from lms.rollout.registry import metric
from lms.stories.selectors import live_stories


def share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def by_department(queryset, value="n") -> dict[int, int]:
    return {row["department_id"]: row[value] or 0 for row in queryset}


@dataclass
class MetricContext:
    """What several metrics of one board computation share (read once)."""

    @cached_property
    def tallies(self) -> dict[tuple[str, int], dict[int, int]]:
        """(key, track) → {department id → count}; session rows are counted per track."""
        values: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
        for dept, key, track, _ref, value in EvidenceTally.objects.filter(value__gt=0).values_list(
            "department_id", "key", "track", "ref", "value"
        ):
            counts = values[(key, track)]
            counts[dept] = counts.get(dept, 0) + (1 if key == summary.SESSION else value)
        return values

    def tally(self, key: str, track: int = 0) -> dict[int, int]:
        return self.tallies.get((key, track), {})

    @property
    def headcount(self) -> dict[int, int]:
        return self.tally(summary.MEMBERS)

    def shares(self, part: str, whole: str, track: int = 0) -> dict[int, int]:
        done = self.tally(part, track)
        return {dept: share(done.get(dept, 0), n) for dept, n in self.tally(whole).items()}


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
    return context.shares(summary.MANAGER_DONE, summary.MANAGERS, track.pk)


@metric(
    "assigned_courses",
    percent=True,
    label=_("Share of people who completed all assigned courses (%)"),
)
def assigned_courses_completed(context: MetricContext, track=None) -> dict[int, int]:
    return context.shares(summary.ASSIGNED_DONE, summary.ASSIGNED)


@metric(
    "guidelines_signed",
    percent=True,
    label=_("Share of people who accepted the current guidelines (%)"),
)
def guidelines_signed(context: MetricContext, track=None) -> dict[int, int]:
    """Share of people who accepted the current version of every live guidelines document."""
    return context.shares(summary.SIGNED, summary.MEMBERS)


@metric(
    "bootcamp_enrolment",
    percent=True,
    label=_("Share of people enrolled in a bootcamp course (%)"),
)
def enrolled_in_bootcamp(context: MetricContext, track=None) -> dict[int, int]:
    return context.shares(summary.ENROLLED, summary.MEMBERS)


@metric(
    "urgency_workshop",
    needs_track=True,
    label=_("Urgency workshop sessions attended by the department"),
)
def track_workshop_sessions(context: MetricContext, track: Track) -> dict[int, int]:
    """Sessions of the track's workshops that someone of the department attended."""
    return context.tally(summary.SESSION, track.pk)


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
