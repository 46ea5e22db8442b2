"""Evidence for the rollout board, computed in SQL for all departments at once.

Each metric (lms/rollout/metrics.py, registered in registry.py) is one grouped query, so
the board runs the same number of queries for four departments or forty, and for a hundred
people or fifty thousand: one per (metric, track) pair the criteria use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from lms.kpis.models import KpiRecord, Metric
from lms.people.models import Department
from lms.rollout import cache, metrics, registry
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    Stage,
    StageChange,
)

MET = "met"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"

EvidenceKey = tuple[str, int | None]  # (metric key, track id)


def evidence_values() -> dict[EvidenceKey, dict[int, int]]:
    """(metric, track id) → {department id → value}, for every pair the criteria use."""
    return cache.cached("evidence", _compute_evidence)


def _compute_evidence() -> dict[EvidenceKey, dict[int, int]]:
    context = metrics.MetricContext()
    needed = (
        Criterion.objects.filter(kind=Criterion.Kind.EVIDENCE)
        .select_related("track")
        .order_by("metric", "track_id")
    )
    values: dict[EvidenceKey, dict[int, int]] = {}
    for criterion in needed:
        key = (criterion.metric, criterion.track_id)
        entry = registry.get(criterion.metric)
        if key in values or entry is None or criterion.lacks_track:
            continue
        values[key] = entry.compute(context, criterion.track if entry.needs_track else None)
    return values


@dataclass
class CriterionResult:
    criterion: Criterion
    value: int | None
    met: bool
    tick: ChecklistTick | None = None
    # The metric needs a track and the criterion has none: no value, never a silent zero.
    missing_track: bool = False


@dataclass
class StageCell:
    stage: Stage
    status: str
    results: list[CriterionResult] = field(default_factory=list)


@dataclass
class DepartmentRow:
    department: Department
    rollout: DepartmentRollout
    cells: list[StageCell]

    @property
    def current_cell(self) -> StageCell:
        return self.cells[self.rollout.stage - 1]

    @property
    def ready_to_advance(self) -> bool:
        return self.rollout.stage < 8 and self.current_cell.status == MET


def _evaluate(criterion: Criterion, values, ticks, department_id) -> CriterionResult:
    if criterion.kind == Criterion.CHECKLIST:
        tick = ticks.get((department_id, criterion.pk))
        return CriterionResult(criterion=criterion, value=None, met=tick is not None, tick=tick)
    if criterion.lacks_track:
        return CriterionResult(criterion=criterion, value=None, met=False, missing_track=True)
    track_id = criterion.track_id if criterion.needs_track else None
    value = values.get((criterion.metric, track_id), {}).get(department_id, 0)
    return CriterionResult(criterion=criterion, value=value, met=value >= criterion.target)


def board(*, departments=None) -> list[DepartmentRow]:
    """Departments × eight stages with the evidence behind each cell."""
    departments = list(
        departments if departments is not None else Department.objects.order_by("name")
    )
    rollouts = {
        rollout.department_id: rollout
        for rollout in DepartmentRollout.objects.filter(department__in=departments).select_related(
            "owner"
        )
    }
    stages = list(Stage.objects.prefetch_related("criteria__track").order_by("number"))
    values = evidence_values()
    ticks = {
        (tick.department_id, tick.criterion_id): tick
        for tick in ChecklistTick.objects.filter(department__in=departments).select_related(
            "ticked_by"
        )
    }
    rows = []
    for department in departments:
        rollout = rollouts.get(department.pk) or DepartmentRollout(department=department, stage=1)
        cells = []
        for stage in stages:
            results = [_evaluate(c, values, ticks, department.pk) for c in stage.criteria.all()]
            if stage.number < rollout.stage:
                status = MET
            elif stage.number == rollout.stage:
                status = MET if all(r.met for r in results) else IN_PROGRESS
            else:
                status = NOT_STARTED
            cells.append(StageCell(stage=stage, status=status, results=results))
        rows.append(DepartmentRow(department=department, rollout=rollout, cells=cells))
    return rows


def department_detail(*, department: Department) -> DepartmentRow:
    return board(departments=[department])[0]


def stage_history(*, department: Department | None = None):
    changes = StageChange.objects.select_related("department", "changed_by")
    if department is not None:
        changes = changes.filter(department=department)
    return changes.order_by("changed_at", "pk")


def history_by_department(changes) -> dict[int, list[StageChange]]:
    grouped: dict[int, list[StageChange]] = defaultdict(list)
    for change in changes:
        grouped[change.department_id].append(change)
    return grouped


@dataclass
class KpiTrend:
    """One KPI over the months, one line of figures per department that has any."""

    metric: str
    label: str
    months: list[date]
    departments: list[tuple[str, list[int | None]]]  # (name, value per month; None = no data)

    @property
    def rows(self) -> list[tuple[date, list[int | None]]]:
        """Month by month, the departments' values (the table beside the chart)."""
        return [
            (month, [values[index] for _name, values in self.departments])
            for index, month in enumerate(self.months)
        ]


def kpi_trends(*, months: int = 12, today: date | None = None) -> list[KpiTrend]:
    """Awareness, leads and applications per department and month, oldest month first:
    one grouped query, cached with the board's evidence (labels in the reader's language)."""
    last = (today or timezone.localdate()).replace(day=1)
    month_list = [last]
    while len(month_list) < months:
        month_list.insert(0, (month_list[0] - timedelta(days=1)).replace(day=1))
    values = cache.cached(
        f"kpi-trends:{last:%Y-%m}:{months}", lambda: _kpi_values(month_list[0], last)
    )
    return [
        KpiTrend(
            metric=metric.value,
            label=str(metric.label),
            months=month_list,
            departments=[
                (name, [by_month.get(month) for month in month_list])
                for name, by_month in sorted(values.get(metric.value, {}).items())
            ],
        )
        for metric in Metric
    ]


def _kpi_values(first: date, last: date) -> dict[str, dict[str, dict[date, int]]]:
    """metric → department name → month → total."""
    totals = (
        KpiRecord.objects.filter(month__gte=first, month__lte=last)
        .values_list("metric", "department__name", "month")
        .annotate(total=Sum("value"))
        .order_by("metric", "department__name", "month")
    )
    values: dict[str, dict[str, dict[date, int]]] = {}
    for metric, department, month, total in totals:
        values.setdefault(metric, {}).setdefault(department, {})[month] = total
    return values
