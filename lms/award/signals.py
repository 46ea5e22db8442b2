"""Every write that can change award points or the leaderboard bumps the award cache."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from courses.models import ModuleCompletion
from lms.award import cache, points, tasks
from lms.award.models import AwardPeriod, AwardSettings
from lms.core.caching import on_writes
from lms.core.changes import data_changed, rows_written
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


# The points kept per person and period (lms/award/points.py), counted again in the
# transaction of each write behind them.
def _module_or_booking(sender, instance, raw=False, **kwargs):
    if not raw:
        points.refresh([instance.user_id])


on_writes(_module_or_booking, ModuleCompletion, Booking, uid="award-points")


def _sitting(sender, instance, raw=False, **kwargs):
    # An answer saves the attempt; only a finished one can count (or stop counting).
    if not raw and (instance.complete or kwargs.get("signal") is post_delete):
        points.refresh([instance.user_id])


on_writes(_sitting, Sitting, uid="award-points-sitting")


@receiver(pre_save, sender=KpiRecord, dispatch_uid="award-points-kpi-before")
def _kpi_before(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        instance._award_old_employee = (
            KpiRecord.objects.filter(pk=instance.pk).values_list("employee_id", flat=True).first()
        )


def _kpi(sender, instance, raw=False, **kwargs):
    if not raw:
        points.refresh([instance.employee_id, getattr(instance, "_award_old_employee", None)])


on_writes(_kpi, KpiRecord, uid="award-points-kpi")


@receiver(rows_written, dispatch_uid="award-points-bulk")
def _rows_written(sender, user_ids, **kwargs):
    if sender in {Booking, KpiRecord, ModuleCompletion, Sitting}:
        points.refresh(user_ids)


@receiver(post_save, sender=AwardSettings, dispatch_uid="award-points-rules")
def _rules_changed(sender, instance, created=False, raw=False, **kwargs):
    if raw or created:  # Wagtail creates the row with its defaults on first read
        return
    points.reweigh()
    for starts_on, ends_on in points.periods_to_count():
        tasks.request_count(starts_on=starts_on, ends_on=ends_on)


@receiver(post_save, sender=AwardPeriod, dispatch_uid="award-points-period")
def _period_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        tasks.request_count(starts_on=instance.starts_on, ends_on=instance.ends_on)
