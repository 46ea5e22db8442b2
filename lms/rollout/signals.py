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
    from django.db.models.signals import m2m_changed

    from courses.models import Booking, Enrollment, ModuleCompletion
    from lms.assignments.models import Assignment
    from lms.caching import on_writes
    from lms.guidelines.models import GuidelineVersion, SignOff
    from lms.kpis.models import KpiRecord
    from lms.kpis.signals import kpi_records_changed
    from lms.people.models import User
    from lms.quizzes.models import Sitting
    from lms.rollout.models import (
        AwardPeriod,
        AwardSettings,
        ChecklistTick,
        Criterion,
        DepartmentRollout,
        SuccessStoryPage,
    )

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
        AwardSettings,
        ChecklistTick,
        Criterion,
        DepartmentRollout,
        KpiRecord,
        SuccessStoryPage,
        uid="rollout-bump",
    )
    m2m_changed.connect(_bump, sender=User.groups.through, dispatch_uid="rollout-bump-groups")
    # The KPI import stores records in bulk (no post_save) and says so by its own signal.
    kpi_records_changed.connect(_bump, dispatch_uid="rollout-bump-kpis")

    # The home page's highlights trail the points by up to a minute, but a published,
    # withdrawn or moved story, an announced winner or new point values show at once.
    from wagtail.signals import page_unpublished, post_page_move

    from lms.rollout.cache import home_page

    def home_changed(sender, created=False, **kwargs):
        # Wagtail creates the settings row with its defaults on first read: no change.
        if not (sender is AwardSettings and created):
            home_page.forget()

    on_writes(home_changed, SuccessStoryPage, AwardPeriod, AwardSettings, uid="home-highlights")
    on_writes(
        home_page.forget,
        SuccessStoryPage,
        uid="home-highlights-story",
        signals=(page_unpublished, post_page_move),
    )


_connect_invalidation()
