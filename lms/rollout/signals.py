from django.db.models.signals import post_save
from django.dispatch import receiver

from lms.people.models import Department


@receiver(post_save, sender=Department)
def start_rollout_for_new_department(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from lms.rollout.models import DepartmentRollout

        DepartmentRollout.objects.get_or_create(department=instance)


# Saves that touch only these fields change no evidence (every login updates last_login).
IRRELEVANT_USER_FIELDS = frozenset({"last_login", "password", "language"})


def _bump(sender=None, update_fields=None, **kwargs):
    from lms.rollout.cache import bump

    if update_fields and set(update_fields) <= IRRELEVANT_USER_FIELDS:
        return
    bump()


def _connect_invalidation() -> None:
    """Every write that can change evidence or award points bumps the cache version."""
    from django.db.models.signals import m2m_changed, post_delete

    from courses.models import Booking, Enrollment, ModuleCompletion
    from lms.assignments.models import Assignment
    from lms.guidelines.models import GuidelineVersion, SignOff
    from lms.people.models import User
    from lms.quizzes.models import Sitting
    from lms.rollout.models import (
        AwardPeriod,
        AwardSettings,
        ChecklistTick,
        Criterion,
        DepartmentRollout,
        KpiRecord,
        SuccessStoryPage,
    )

    for model in (
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
        AwardSettings,
        ChecklistTick,
        Criterion,
        DepartmentRollout,
        KpiRecord,
        SuccessStoryPage,
    ):
        post_save.connect(_bump, sender=model, dispatch_uid=f"rollout-bump-save-{model.__name__}")
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"rollout-bump-delete-{model.__name__}"
        )
    m2m_changed.connect(_bump, sender=User.groups.through, dispatch_uid="rollout-bump-groups")


_connect_invalidation()
