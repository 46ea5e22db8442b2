"""Award points per person and period, kept up to date by the writes behind them.

The leaderboard used to group every completion, pass, attendance and lead of the period
in the reader's request (128–650 ms at 50,000 employees), cached for a minute. Now each
counted period (CountedPeriod: the current one, the saved ones) keeps one PeriodPoints row
per person with points; a write that concerns people (signals.py) counts those people
again in its own transaction (four indexed queries, whatever the number of periods), and
the leaderboard reads the top rows of an index. New point values re-weigh every row with
one UPDATE; a period nobody has counted yet is filled by a task (tasks.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, Sum, Value
from django.utils import timezone

from courses.models import ModuleCompletion
from lms.award.models import (
    AwardPeriod,
    AwardSettings,
    CountedPeriod,
    PeriodPoints,
    calendar_period,
)
from lms.kpis.models import KpiRecord, Metric
from lms.people.models import User
from lms.quizzes.models import Sitting
from lms.workshops.models import Booking

SOURCES = ("modules", "quizzes", "workshops", "leads")
CHUNK = 500
Period = tuple[date, date]


def _bounds(period: Period) -> tuple[datetime, datetime]:
    # Datetime ranges, not __date lookups: those defeat the time indexes.
    start, end = period
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _counts(periods: list[Period], ids: list[int] | None) -> dict[tuple[int, int], dict]:
    """{(period index, user id): {source: count}} from the raw tables, one grouped query
    per source for all the periods (for these people, or for everybody)."""

    def scoped(queryset, field):
        return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})

    found: dict[tuple[int, int], dict] = {}

    def collect(source, rows):
        for row in rows:
            person = row.pop("person")
            for index in range(len(periods)):
                value = row[f"p{index}"] or 0
                if value:
                    found.setdefault((index, person), dict.fromkeys(SOURCES, 0))[source] = value

    def per_period(field, aggregate, **options):
        annotations = {}
        for index, period in enumerate(periods):
            since, until = _bounds(period)
            window = Q(**{f"{field}__gte": since, f"{field}__lt": until})
            annotations[f"p{index}"] = aggregate(filter=window, **options)
        return annotations

    collect(
        "modules",
        scoped(ModuleCompletion.objects, "user_id")
        .order_by()
        .values(person=F("user_id"))
        .annotate(**per_period("completed_at", lambda **o: Count("pk", **o))),
    )
    collect(
        "quizzes",
        scoped(Sitting.objects.filter(passed=True), "user_id")
        .order_by()
        .values(person=F("user_id"))
        .annotate(**per_period("end", lambda **o: Count("quiz_id", distinct=True, **o))),
    )
    collect(
        "workshops",
        scoped(Booking.objects.filter(attended=True), "user_id")
        .order_by()
        .values(person=F("user_id"))
        .annotate(
            **per_period("session__starts_at", lambda **o: Count("workshop_id", distinct=True, **o))
        ),
    )
    leads = {}
    for index, (start, end) in enumerate(periods):
        window = Q(month__gte=start.replace(day=1), month__lte=end)
        leads[f"p{index}"] = Sum("value", filter=window)
    collect(
        "leads",
        scoped(KpiRecord.objects.filter(employee__isnull=False, metric=Metric.LEADS), "employee_id")
        .order_by()
        .values(person=F("employee_id"))
        .annotate(**leads),
    )
    return found


def _weights() -> dict[str, int]:
    return {key: value for key, _label, value in AwardSettings.load().sources()}


def _points(counts: dict, weights: dict[str, int]) -> int:
    return sum(counts[source] * weights[source] for source in SOURCES)


def counted_periods() -> list[Period]:
    return list(
        CountedPeriod.objects.order_by("starts_on", "ends_on").values_list("starts_on", "ends_on")
    )


def refresh(user_ids: Iterable[int | None]) -> None:
    """Count these people's points again in every counted period (in the write's
    transaction)."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    periods = counted_periods()
    if not ids or not periods:
        return
    weights = _weights()
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            counts = _counts(periods, chunk)
            existing = {
                (row.starts_on, row.ends_on, row.user_id): row
                for row in PeriodPoints.objects.select_for_update().filter(user_id__in=chunk)
            }
            alive = set(User.objects.filter(pk__in=chunk).values_list("pk", flat=True))
            wanted = {
                (*periods[index], person): values
                for (index, person), values in counts.items()
                if person in alive
            }
            gone = [row.pk for key, row in existing.items() if key not in wanted]
            if gone:
                PeriodPoints.objects.filter(pk__in=gone).delete()
            changed, added = [], []
            for (starts_on, ends_on, person), values in wanted.items():
                points = _points(values, weights)
                row = existing.get((starts_on, ends_on, person))
                if row is None:
                    added.append(
                        PeriodPoints(
                            starts_on=starts_on,
                            ends_on=ends_on,
                            user_id=person,
                            points=points,
                            **values,
                        )
                    )
                elif (row.points, *(getattr(row, s) for s in SOURCES)) != (
                    points,
                    *(values[s] for s in SOURCES),
                ):
                    row.points = points
                    for source in SOURCES:
                        setattr(row, source, values[source])
                    changed.append(row)
            if changed:
                PeriodPoints.objects.bulk_update(changed, ["points", *SOURCES])
            if added:
                PeriodPoints.objects.bulk_create(added, ignore_conflicts=True)


def count_period(*, starts_on: date, ends_on: date) -> int:
    """Count one period for everybody (a task, the migration, the bench): its rows."""
    period = (starts_on, ends_on)
    weights = _weights()
    alive = set(User.objects.values_list("pk", flat=True))
    rows = [
        PeriodPoints(
            starts_on=starts_on,
            ends_on=ends_on,
            user_id=person,
            points=_points(values, weights),
            **values,
        )
        for (_index, person), values in _counts([period], None).items()
        if person in alive
    ]
    with transaction.atomic():
        PeriodPoints.objects.filter(starts_on=starts_on, ends_on=ends_on).delete()
        PeriodPoints.objects.bulk_create(rows, batch_size=2000)
        CountedPeriod.objects.update_or_create(starts_on=starts_on, ends_on=ends_on)
    return len(rows)


def reweigh() -> None:
    """New point values: every row's points from its counts, in one UPDATE."""
    weights = _weights()
    points = Value(0)
    for source in SOURCES:
        points = points + F(source) * weights[source]
    PeriodPoints.objects.update(points=points)


def periods_to_count(*, today: date | None = None) -> list[Period]:
    """The saved periods and the calendar period of today's rules."""
    today = today or timezone.localdate()
    periods = set(AwardPeriod.objects.values_list("starts_on", "ends_on"))
    calendar = calendar_period(AwardSettings.load().period_length, today)
    if calendar is not None:
        periods.add(calendar[1:])
    return sorted(periods)


def rebuild() -> int:
    """Count every period to count from scratch (migration, bench generation)."""
    return sum(count_period(starts_on=start, ends_on=end) for start, end in periods_to_count())
