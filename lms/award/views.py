from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms.award import selectors, services
from lms.award.forms import AnnounceForm
from lms.award.models import AwardPeriod
from lms.people.selectors import is_admin

# Who sees the rollout board sees the award: one permission (created with the rollout's
# models, "Can see the rollout board and the award"), named here, not imported.
SEE_AWARD_PERMISSION = "rollout.view_rollout_board"


@login_required
@require_http_methods(["GET", "POST"])
def leaderboard(request, period_id: int | None = None):
    if not request.user.has_perm(SEE_AWARD_PERMISSION):
        raise PermissionDenied
    periods = list(selectors.periods())
    rules = selectors.rules()
    if period_id is not None:
        period = get_object_or_404(AwardPeriod, pk=period_id)
    else:
        period = selectors.current_period(length=rules.period_length) or (
            periods[0] if periods else None
        )
    entries = selectors.leaderboard(period=period) if period else []
    leaders = [entry.user for entry in entries if entry.rank == 1]
    form = AnnounceForm(request.POST or None, leaders=leaders)
    if request.method == "POST":
        if period is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                period = services.announce_winner(
                    period=period, winner=form.cleaned_data["winner"], by=request.user
                )
            except services.AwardError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The winner is announced on the home page."))
                return redirect("award:period", period_id=period.pk)
    return render(
        request,
        "award/leaderboard.html",
        {
            "period": period,
            "periods": periods,
            "rules": rules,
            "entries": entries,
            "form": form,
            "can_announce": is_admin(request.user),
        },
    )
