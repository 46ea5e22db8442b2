"""Every write that can change award points or the leaderboard bumps the award cache."""

from __future__ import annotations

from django.db.models.signals import m2m_changed

from courses.models import ModuleCompletion
from lms.award import cache
from lms.award.models import AwardPeriod, AwardSettings
from lms.core.caching import on_writes
from lms.core.changes import data_changed
from lms.kpis.models import KpiRecord
from lms.people.models import Department, User, only_account_fields
from lms.quizzes.models import Sitting
from lms.workshops.models import Booking


def _bump(sender=None, update_fields=None, **kwargs):
    if only_account_fields(update_fields):
        return
    cache.bump()


on_writes(
    _bump,
    ModuleCompletion,
    Sitting,
    Booking,
    KpiRecord,
    User,
    Department,
    AwardPeriod,
    AwardSettings,
    uid="award-bump",
)
# Writes without a model signal (bulk updates), announced by the services below.
data_changed.connect(_bump, dispatch_uid="award-bump-data-changed")
# The eligible departments are saved after the setting itself (no post_save for them).
m2m_changed.connect(
    _bump, sender=AwardSettings.eligible_departments.through, dispatch_uid="award-bump-eligible"
)
