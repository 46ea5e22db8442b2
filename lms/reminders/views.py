from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.assignments.models import Assignment
from lms.core.input_safety import bad_request_response, whole_number
from lms.reminders import services


def _back_to_team(request) -> str:
    """Back to the team view with its filters, from the form's own `next` only."""
    team = reverse("assignments:team")
    target = request.POST.get("next", "")
    if target.startswith(team) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return team


@login_required
@require_POST
def remind(request):
    """A manager reminds one person of one open assignment (team view, "Remind")."""
    assignment_id = whole_number(request.POST.get("assignment", ""))
    if assignment_id is None:
        return bad_request_response(request, _("The reminder names no assignment."))
    assignment = get_object_or_404(Assignment.objects.select_related("assignee"), pk=assignment_id)
    try:
        # PermissionDenied (403) unless the person is in the sender's team, or for admins.
        services.remind(sender=request.user, assignment=assignment)
    except services.RemindRefused as refused:
        return render(
            request,
            "reminders/refused.html",
            {"message": refused.message, "back": _back_to_team(request)},
            status=refused.status,
        )
    messages.success(
        request,
        _("%(name)s has been reminded of “%(item)s” by e-mail.")
        % {"name": assignment.assignee, "item": assignment.item.title},
    )
    return redirect(_back_to_team(request))
