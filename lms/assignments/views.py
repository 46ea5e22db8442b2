from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms.assignments import selectors, services
from lms.assignments.forms import AssignForm, TeamFilterForm
from lms.core import exports
from lms.people.selectors import is_admin


def _team_or_403(request):
    people = services.assignable_people(manager=request.user)
    if not is_admin(request.user) and not people.exists():
        raise PermissionDenied
    return people


def _team_view(request):
    people = _team_or_403(request)
    form = TeamFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    view = selectors.team_view(
        members=people,
        item=filters.get("item", ""),
        overdue_only=filters.get("overdue", False),
        unsigned_only=filters.get("unsigned", False),
    )
    return form, view


@login_required
def team(request):
    form, view = _team_view(request)
    return render(
        request,
        "assignments/team.html",
        {
            "form": form,
            "view": view,
            "query": request.GET.urlencode(),
            "today": timezone.localdate(),
        },
    )


@login_required
def team_export(request, file_format: str = exports.CSV):
    """The team view's rows (same filters) as CSV or .xlsx: one row per person and item."""
    _form, view = _team_view(request)
    return exports.export_response(
        spec=selectors.TEAM_EXPORT,
        rows=selectors.team_export_rows(view=view),
        filename="team-assignments",
        file_format=file_format,
        sheet_title=_("My team"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assign(request):
    people = _team_or_403(request)
    form = AssignForm(
        request.POST or None,
        people=people,
        allow_departments=is_admin(request.user),
        initial={"item": request.GET.get("item", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.assign(
                assigned_by=request.user,
                assignees=form.cleaned_data["people"],
                item=form.cleaned_data["item"],
                due_date=form.cleaned_data["due_date"],
                note=form.cleaned_data["note"],
            )
        except services.AssignmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Assigned “%(item)s”: %(created)d new, %(updated)d updated.")
                % {
                    "item": form.cleaned_data["item"].title,
                    "created": result.created,
                    "updated": result.updated,
                },
            )
            return redirect("assignments:team")
    return render(
        request,
        "assignments/assign.html",
        {
            "form": form,
            "people": people.select_related("department").order_by("last_name", "username"),
        },
    )
