"""A bootcamp run's pages: the participant's run page and the trainers' progress grid.

Who may open what is checked here, on every request: a run's page is for its
participants, its trainers and admins; its progress (and export) for its trainers and
admins. Anyone else gets a 404, so that a run's existence is not given away. Guests reach
this namespace (apps.py opens it) and are then held to the same checks.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.core import exports
from lms.people.selectors import is_admin
from lms.programmes import selectors
from lms.programmes.calendar import run_ics


def _read_only(request):
    """Reading only; checked after who may open the run, so that a POST from someone
    outside it is the same 404 as a GET."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return None


def _run_or_404(run_id: int):
    run = selectors.run_with_programme(run_id=run_id)
    if run is None:
        raise Http404
    return run


def _may_manage(run, user) -> bool:
    return is_admin(user) or selectors.is_run_trainer(run=run, user=user)


def _viewable_run(request, run_id: int):
    """The run, whether the person takes part and whether they manage it; 404 for anyone
    else."""
    run = _run_or_404(run_id)
    user = request.user
    participant = selectors.is_participant(run=run, user=user)
    manages = not user.is_guest and _may_manage(run, user)
    if not participant and not manages:
        raise Http404
    return run, participant, manages


@login_required
def run_detail(request, run_id: int):
    run, participant, manages = _viewable_run(request, run_id)
    user = request.user
    if refused := _read_only(request):
        return refused
    # A trainer who is not a participant sees the path as it stands for them: the
    # items, their opening and due dates.
    path, steps = selectors.run_path(run=run, user=user)
    return render(
        request,
        "programmes/run_detail.html",
        {
            "run": run,
            "path": path,
            "steps": steps,
            "participant": participant,
            "manages": manages,
            "trainers": selectors.run_trainers(run=run),
            "sessions": selectors.run_sessions(run=run),
            "today": timezone.localdate(),
        },
    )


def _progress_or_404(request, run_id: int):
    run = _run_or_404(run_id)
    if request.user.is_guest or not _may_manage(run, request.user):
        raise Http404
    return selectors.run_progress(run=run)


@login_required
def run_progress(request, run_id: int):
    progress = _progress_or_404(request, run_id)
    if refused := _read_only(request):
        return refused
    return render(
        request,
        "programmes/run_progress.html",
        {"run": progress.run, "progress": progress, "today": timezone.localdate()},
    )


@login_required
def run_progress_export(request, run_id: int, file_format: str = exports.CSV):
    """The grid as CSV or .xlsx: one row per participant and item."""
    progress = _progress_or_404(request, run_id)
    if refused := _read_only(request):
        return refused
    return exports.export_response(
        spec=selectors.RUN_PROGRESS_EXPORT,
        rows=selectors.run_progress_rows(progress=progress),
        filename=f"run-{progress.run.pk}-progress",
        file_format=file_format,
        sheet_title=_("Run progress"),
    )


@login_required
def run_calendar(request, run_id: int):
    """The run's live sessions as one calendar file (cancelled ones as cancellations)."""
    run, _participant, _manages = _viewable_run(request, run_id)
    if refused := _read_only(request):
        return refused
    content = run_ics(
        run=run,
        sessions=selectors.run_sessions(run=run),
        url=request.build_absolute_uri(run.get_absolute_url()),
        host=request.get_host(),
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bootcamp-run-{run.pk}.ics"'
    return response
