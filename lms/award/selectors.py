"""The Social Selling Award: the current period, the leaderboard and the winners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from courses.models import ModuleCompletion
from lms.award import tasks
from lms.award.models import (
    AwardPeriod,
    AwardSettings,
    CountedPeriod,
    PeriodPoints,
    calendar_period,
)
from lms.core.compiled import CompiledQueries
from lms.kpis.models import KpiRecord, Metric
from lms.people.models import Department, User
from lms.quizzes.models import Sitting
from lms.workshops.models import Booking


@dataclass
class LeaderboardEntry:
    rank: int
    user: User
    points: int
    modules: int
    quizzes: int
    workshops: int
    leads: int


def periods() -> QuerySet[AwardPeriod]:
    return AwardPeriod.objects.select_related("winner").order_by("-starts_on")


@dataclass
class AwardRules:
    """What the award page shows and the leaderboard applies."""

    settings: AwardSettings
    period_length: str
    period_length_label: str
    eligible_departments: list[Department]
    sources: list[tuple[str, str, int]]  # (key, label, points) of the sources that count

    @property
    def points(self) -> dict[str, int]:
        return {key: points for key, _label, points in self.settings.sources()}


def rules() -> AwardRules:
    """The award's rules: two queries (the setting, its departments)."""
    settings = AwardSettings.load()
    return AwardRules(
        settings=settings,
        period_length=settings.period_length,
        period_length_label=str(settings.get_period_length_display()),
        eligible_departments=list(settings.eligible_departments.order_by("name")),
        sources=[source for source in settings.sources() if source[2] > 0],
    )


def current_period(*, today: date | None = None, length: str | None = None) -> AwardPeriod | None:
    """The period holding today. With yearly or quarterly rules and no period entered for
    today, the calendar year or quarter (not saved until a winner is announced)."""
    today = today or timezone.localdate()
    period = AwardPeriod.objects.filter(starts_on__lte=today, ends_on__gte=today).first()
    if period is not None:
        return period
    calendar = calendar_period(length or AwardSettings.load().period_length, today)
    if calendar is None:
        return None
    name, starts_on, ends_on = calendar
    return AwardPeriod(name=name, starts_on=starts_on, ends_on=ends_on)


# The leaderboard's two queries, compiled once per limit and number of departments: building
# them with the ORM cost more than running them, and the home page runs them on every request.
_edge_points = CompiledQueries("award-leaderboard-edge")
_top_points = CompiledQueries("award-leaderboard")
_DAY, _ID, _POINTS = DateField(), IntegerField(), IntegerField()


def _counted(period: AwardPeriod) -> QuerySet[CountedPeriod]:
    return CountedPeriod.objects.filter(starts_on=period.starts_on, ends_on=period.ends_on)


def _period_rows(*, starts_on: date, ends_on: date, departments: list[int]) -> QuerySet:
    """The period's kept points of active employees (in these departments, if any): guests
    (customers in a bootcamp) are never on the leaderboard."""
    counted = CountedPeriod.objects.filter(starts_on=starts_on, ends_on=ends_on)
    rows = PeriodPoints.objects.filter(
        Exists(counted),
        starts_on=starts_on,
        ends_on=ends_on,
        user__is_active=True,
        user__is_guest=False,
    )
    if departments:
        rows = rows.filter(user__department_id__in=departments)
    return rows


def _edge_query(*, limit: int, **period) -> QuerySet:
    """The limit-th score above zero: the top rows of the (period, points) index."""
    return (
        _period_rows(**period)
        .filter(points__gt=0)
        .order_by("-points")
        .values_list("points")[limit - 1 : limit]
    )


def _top_points_query(*, edge: int, **period) -> QuerySet[PeriodPoints]:
    """The period's rows at or above the edge score, with the person and department.

    The edge is a value, not a subquery: PostgreSQL plans a subquery's result as a third of
    the period's rows and hash-joins every person of the company to them (5.7 ms at 50,000
    people against 1.7 ms at 10,000); with the value it looks up the few people by key. No
    `points > 0` beside the `>=` either: SQLite would take that range of the index and walk
    every scorer, not the top rows."""
    return (
        _period_rows(**period)
        .filter(points__gte=edge)
        .select_related("user", "user__department")
        .order_by("-points", "user__last_name", "user__first_name", "user__username")
    )


def leaderboard(
    *, period: AwardPeriod, limit: int = 20, eligible: list[int] | None = None
) -> list[LeaderboardEntry]:
    """Employees ranked by award points in the period; equal points share a rank.

    Read from the points kept per person (lms/award/points.py): two queries on the top
    rows of an index (the limit-th score, then the rows at or above it), whatever the
    headcount. ``eligible``: the ids of the departments that
    take part (empty: all), if the caller has them; else read from the settings. A period
    nobody has counted yet (a new calendar quarter) is handed to the task worker, and is
    empty until it is counted."""
    if eligible is None:
        eligible = list(AwardSettings.load().eligible_departments.values_list("pk", flat=True))
    params = {
        "starts_on": (_DAY, period.starts_on),
        "ends_on": (_DAY, period.ends_on),
        "departments": (_ID, eligible),
    }

    def run() -> list[PeriodPoints]:
        edge = _edge_points.run(
            limit, lambda **values: _edge_query(limit=limit, **values), params=params
        )
        # Ties at the edge stay together; at least 1 point.
        scores = {**params, "edge": (_POINTS, edge[0][0] if edge else 1)}
        return _top_points.run(limit, _top_points_query, params=scores)

    ranked = run()
    if not ranked and not _counted(period).exists():
        tasks.request_count(starts_on=period.starts_on, ends_on=period.ends_on)
        if not _counted(period).exists():
            return []
        ranked = run()  # counted at once (a task backend that runs immediately)
    entries: list[LeaderboardEntry] = []
    for position, row in enumerate(ranked, start=1):
        rank = entries[-1].rank if entries and entries[-1].points == row.points else position
        entries.append(
            LeaderboardEntry(
                rank=rank,
                user=row.user,
                points=row.points,
                modules=row.modules,
                quizzes=row.quizzes,
                workshops=row.workshops,
                leads=row.leads,
            )
        )
    return entries[:limit]


def leaders(*, period: AwardPeriod) -> list[LeaderboardEntry]:
    """The people sharing the first rank: those who may be announced as the winner."""
    return [entry for entry in leaderboard(period=period) if entry.rank == 1]


def _points_by_person(period: AwardPeriod, points: dict[str, int]) -> QuerySet | None:
    """(person, modules, quizzes, workshops, leads) rows, one per source and person with
    activity in the period: each source grouped once, whatever the headcount."""
    start, end = period.starts_on, period.ends_on
    # Datetime ranges, not __date lookups: those defeat the time indexes.
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    zero = Value(0)
    columns = ("person", "modules", "quizzes", "workshops", "leads")
    modules = (
        ModuleCompletion.objects.filter(completed_at__gte=since, completed_at__lt=until)
        .order_by()
        .values(person=F("user_id"))
        .annotate(modules=Count("pk"), quizzes=zero, workshops=zero, leads=zero)
        .values_list(*columns)
    )
    quizzes = (
        Sitting.objects.filter(passed=True, end__gte=since, end__lt=until)
        .order_by()
        .values(person=F("user_id"))
        .annotate(modules=zero, quizzes=Count("quiz_id", distinct=True), workshops=zero, leads=zero)
        .values_list(*columns)
    )
    workshops = (
        Booking.objects.filter(
            attended=True, session__starts_at__gte=since, session__starts_at__lt=until
        )
        .order_by()
        .values(person=F("user_id"))
        .annotate(
            modules=zero, quizzes=zero, workshops=Count("workshop_id", distinct=True), leads=zero
        )
        .values_list(*columns)
    )
    leads = (
        KpiRecord.objects.filter(
            employee__isnull=False,
            metric=Metric.LEADS,
            month__gte=start.replace(day=1),
            month__lte=end,
        )
        .order_by()
        .values(person=F("employee_id"))
        .annotate(modules=zero, quizzes=zero, workshops=zero, leads=Sum("value"))
        .values_list(*columns)
    )
    counted = [
        source
        for key, source in (
            ("modules", modules),
            ("quizzes", quizzes),
            ("workshops", workshops),
            ("leads", leads),
        )
        if points[key] > 0
    ]
    if not counted:
        return None
    return counted[0].union(*counted[1:], all=True) if len(counted) > 1 else counted[0]


LEADERBOARD_SQL = """
    SELECT person, modules, quizzes, workshops, leads, points,
           RANK() OVER (ORDER BY points DESC) AS rank
    FROM (
        SELECT scored.person AS person,
               SUM(scored.modules) AS modules,
               SUM(scored.quizzes) AS quizzes,
               SUM(scored.workshops) AS workshops,
               SUM(scored.leads) AS leads,
               SUM(scored.modules) * %s + SUM(scored.quizzes) * %s
                   + SUM(scored.workshops) * %s + SUM(scored.leads) * %s AS points
        FROM ({points}) AS scored
        GROUP BY scored.person
    ) AS totals
    JOIN {users} AS people ON people.id = totals.person
    WHERE people.is_active AND NOT people.is_guest AND totals.points > 0{eligible}
    ORDER BY points DESC, people.last_name, people.first_name, people.username
    LIMIT %s
"""


def recount_leaderboard(*, period: AwardPeriod, limit: int = 20) -> list[LeaderboardEntry]:
    """The leaderboard counted from the raw tables (to check the kept points against).

    One query that groups each source of points once. A subquery per employee and
    source cost 200 ms on SQLite and 430 on PostgreSQL at 10,000 employees."""
    settings = AwardSettings.load()
    points = {key: value for key, _label, value in settings.sources()}
    scored = _points_by_person(period, points)
    if scored is None:
        return []
    eligible = list(settings.eligible_departments.values_list("pk", flat=True))
    points_sql, points_params = scored.query.sql_with_params()
    sql = LEADERBOARD_SQL.format(
        points=points_sql,
        users=connection.ops.quote_name(User._meta.db_table),
        eligible=(
            " AND people.department_id IN ({})".format(", ".join(["%s"] * len(eligible)))
            if eligible
            else ""
        ),
    )
    params = [
        points["modules"],
        points["quizzes"],
        points["workshops"],
        points["leads"],
        *points_params,
        *eligible,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    people = User.objects.select_related("department").in_bulk([row[0] for row in rows])
    return [
        LeaderboardEntry(
            rank=rank,
            user=people[person],
            points=int(points),
            modules=int(modules),
            quizzes=int(quizzes),
            workshops=int(workshops),
            leads=int(leads),
        )
        for person, modules, quizzes, workshops, leads, points, rank in rows
        if person in people  # not deleted since the first query
    ]


def latest_winner() -> AwardPeriod | None:
    return (
        AwardPeriod.objects.filter(winner__isnull=False)
        .select_related("winner", "winner__department")
        .order_by("-announced_at")
        .first()
    )


def winners() -> QuerySet[AwardPeriod]:
    """Periods whose winner has been announced (the rollout counts them per department)."""
    return AwardPeriod.objects.filter(winner__isnull=False)
