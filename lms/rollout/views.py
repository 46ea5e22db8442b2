from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.people.models import Department
from lms.people.selectors import is_admin
from lms.rollout import cache, cells, charts, selectors, services
from lms.rollout.forms import AdvanceForm, TickForm
from lms.rollout.models import Criterion

BOARD_PERMISSION = "rollout.view_rollout_board"


def _can_see_board(user) -> bool:
    return user.has_perm(BOARD_PERMISSION)


def _chart(rows, history) -> str:
    grouped = selectors.history_by_department(history)
    series = []
    for row in rows:
        changes = grouped.get(row.department.pk, [])
        initial = changes[0].from_stage if changes else row.rollout.stage
        series.append(
            (
                row.department.name,
                initial,
                [(change.changed_at, change.to_stage) for change in changes],
            )
        )
    return mark_safe(
        charts.progress_svg(series=series, title=_("Rollout progress over time"))
    )  # built from escaped values only


def _kpi_charts(trends) -> list[tuple[selectors.KpiTrend, str | None]]:
    return [
        (
            trend,
            mark_safe(  # built from escaped values only
                charts.kpi_svg(
                    title=_("%(kpi)s per department and month") % {"kpi": trend.label},
                    months=trend.months,
                    series=trend.departments,
                    chart_id=f"kpi-{trend.metric}",
                )
            )
            if trend.departments
            else None,
        )
        for trend in trends
    ]


def _kpi_section() -> str:
    """The KPI charts and tables, rendered once per language and month until a KPI
    record or a department changes (signals.py)."""
    today = timezone.localdate()
    return mark_safe(  # rendered by the template engine, which escapes
        cache.kpi_section.get_or_compute(
            f"html:{get_language()}:{today:%Y-%m}",
            lambda: render_to_string(
                "rollout/_kpi_section.html",
                {"kpi_charts": _kpi_charts(selectors.kpi_trends(today=today))},
            ),
        )
    )


def warm_up() -> None:
    """At a worker's start (lms.core.startup): the board's cached evidence and its KPI
    section in every language, so that the first admin after a start does not pay."""
    selectors.board()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            _kpi_section()


@login_required
def board(request):
    if not _can_see_board(request.user):
        raise PermissionDenied
    rows = selectors.board()
    cells.add_cell_html(rows)
    return render(
        request,
        "rollout/board.html",
        {
            "rows": rows,
            "stages": [cell.stage for cell in rows[0].cells] if rows else [],
            "chart": _chart(rows, selectors.stage_history()),
            "kpi_section": _kpi_section(),
        },
    )


@login_required
@require_http_methods(["GET"])
def department(request, slug: str):
    department = get_object_or_404(Department, slug=slug)
    rollout = services.rollout_for(department=department)
    if not (_can_see_board(request.user) or services.can_steer(user=request.user, rollout=rollout)):
        raise PermissionDenied
    row = selectors.department_detail(department=department)
    history = list(selectors.stage_history(department=department))
    return render(
        request,
        "rollout/department.html",
        {
            "row": row,
            "history": history,
            "can_steer": services.can_steer(user=request.user, rollout=rollout),
            "is_admin": is_admin(request.user),
            "advance_form": AdvanceForm(),
            "chart": _chart([row], history),
        },
    )


@login_required
@require_POST
def advance(request, slug: str):
    department = get_object_or_404(Department, slug=slug)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form."))
        return redirect("rollout:department", slug=slug)
    try:
        change = services.advance(
            department=department,
            by=request.user,
            note=form.cleaned_data["note"],
            override=form.cleaned_data["override"],
        )
    except services.RolloutError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(department)s is now at stage %(stage)d.")
            % {"department": department.name, "stage": change.to_stage},
        )
    return redirect("rollout:department", slug=slug)


@login_required
@require_POST
def tick(request, slug: str, criterion_id: int):
    department = get_object_or_404(Department, slug=slug)
    criterion = get_object_or_404(Criterion, pk=criterion_id)
    form = TickForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("rollout:department", slug=slug)
    try:
        if form.cleaned_data["undo"]:
            services.untick(department=department, criterion=criterion, by=request.user)
        else:
            services.tick(
                department=department,
                criterion=criterion,
                by=request.user,
                note=form.cleaned_data["note"],
            )
    except services.RolloutError as error:
        messages.error(request, str(error))
    return redirect("rollout:department", slug=slug)
