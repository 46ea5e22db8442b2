"""Announcing the Social Selling Award winner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.award import selectors
from lms.award.models import AwardPeriod
from lms.people.selectors import is_admin

if TYPE_CHECKING:
    from lms.people.models import User


class AwardError(Exception):
    """The announcement is refused; the message says why."""


def announce_winner(*, period: AwardPeriod, winner: User, by: User) -> AwardPeriod:
    """Announce one of the period's leaders; with a tie the admin chooses among them."""
    if not is_admin(by):
        raise PermissionDenied
    leaders = selectors.leaders(period=period)
    if not leaders:
        raise AwardError(_("Nobody has award points in this period yet."))
    if winner.pk not in {entry.user.pk for entry in leaders}:
        raise AwardError(_("The winner must be one of the people leading the period."))
    with transaction.atomic():
        if period.pk is None:  # the calendar year or quarter of the rules, saved now
            period, _created = AwardPeriod.objects.get_or_create(
                starts_on=period.starts_on, ends_on=period.ends_on, defaults={"name": period.name}
            )
        locked = AwardPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.winner_id is not None:
            raise AwardError(_("The winner of this period has already been announced."))
        locked.winner = winner
        locked.announced_by = by
        locked.announced_at = timezone.now()
        locked.save(update_fields=["winner", "announced_by", "announced_at"])
    return locked
