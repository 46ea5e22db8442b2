from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms.assignments import selectors, services
from lms.assignments.forms import AssignForm, TeamFilterForm
from lms.core.exports import csv_response
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
def team_csv(request):
    _form, view = _team_view(request)
    header = [
        "username",
        "name",
        "department",
        "item",
        "kind",
        "due_date",
        "state",
        "guidelines_outstanding",
    ]
    return csv_response(filename="team-assignments.csv", header=header, rows=_team_csv_rows(view))


def _team_csv_rows(view):
    for row in view.rows:
        member = row.member
        base = [
            member.username,
            member.get_full_name(),
            member.department.name if member.department else "",
        ]
        outstanding = "yes" if row.guidelines_outstanding else ""
        assigned = [(item, cell) for item, cell in zip(view.items, row.cells, strict=True) if cell]
        if not assigned:
            yield [*base, "", "", "", "", outstanding]
        for item, cell in assigned:
            yield [*base, item.title, item.kind, cell.due_date.isoformat(), cell.state, outstanding]


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
