from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from courses.models import Enrollment, ModuleCompletion
from lms.assignments.models import Assignment
from lms.award.models import AwardPeriod
from lms.core.caching import on_writes
from lms.core.changes import data_changed
from lms.guidelines.models import GuidelineVersion, SignOff
from lms.kpis.models import KpiRecord
from lms.people.models import Department, User, only_account_fields
from lms.quizzes.models import Sitting
from lms.rollout import cache
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
)
from lms.stories.models import SuccessStoryPage
from lms.workshops.models import Booking


@receiver(post_save, sender=Department)
def start_rollout_for_new_department(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        DepartmentRollout.objects.get_or_create(department=instance)


def _bump(sender=None, update_fields=None, **kwargs):
    if only_account_fields(update_fields):
        return
    cache.rollout_data.bump()


# Every write that can change evidence bumps the cache version (the award's leaderboard
# has its own cache and signals: lms/award/signals.py).
on_writes(
    _bump,
    Booking,
    Enrollment,
    ModuleCompletion,
    Assignment,
    GuidelineVersion,
    SignOff,
    User,
    Department,
    Sitting,
    AwardPeriod,
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    KpiRecord,
    SuccessStoryPage,
    uid="rollout-bump",
)
m2m_changed.connect(_bump, sender=User.groups.through, dispatch_uid="rollout-bump-groups")
# Writes without a model signal (bulk updates), announced by the services below.
data_changed.connect(_bump, dispatch_uid="rollout-bump-data-changed")
