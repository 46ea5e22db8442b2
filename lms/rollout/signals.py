from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from wagtail.signals import page_unpublished

from courses.models import CoursePage, Enrollment, ModuleCompletion, Track
from lms.assignments.models import Assignment
from lms.award.models import AwardPeriod
from lms.core.caching import on_writes
from lms.core.changes import data_changed, rows_written
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.people.models import Department, User, only_account_fields
from lms.quizzes.models import Sitting
from lms.rollout import cache, summary
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    PersonEvidence,
)
from lms.stories.models import SuccessStoryPage
from lms.workshops.models import Booking, WorkshopPage


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
    CoursePage,
    WorkshopPage,
    GuidelinePage,
    Track,
    uid="rollout-bump",
)
m2m_changed.connect(_bump, sender=User.groups.through, dispatch_uid="rollout-bump-groups")
# Writes without a model signal (bulk updates), announced by the services below.
data_changed.connect(_bump, dispatch_uid="rollout-bump-data-changed")


def _kpis_changed(sender=None, **kwargs):
    cache.kpi_section.bump()


on_writes(_kpis_changed, KpiRecord, Department, uid="rollout-kpis")


@receiver(data_changed, dispatch_uid="rollout-kpis-data-changed")
def _kpis_bulk(sender, **kwargs):
    if sender is KpiRecord:
        cache.kpi_section.bump()


# The tallies behind the board (lms/rollout/summary.py), changed in the transaction of
# each write that concerns a person: whose row it is, per model.
PERSON_FIELD = {
    Enrollment: "user_id",
    Booking: "user_id",
    Assignment: "assignee_id",
    SignOff: "user_id",
}


def _person_written(sender, instance, raw=False, **kwargs):
    if not raw:
        summary.refresh([getattr(instance, PERSON_FIELD[sender])])


on_writes(_person_written, *PERSON_FIELD, uid="rollout-summary")


@receiver(post_save, sender=User, dispatch_uid="rollout-summary-user")
def _user_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if raw or only_account_fields(update_fields):
        return
    if created:
        summary.person_added(instance)
    else:
        summary.refresh([instance.pk])


@receiver(post_delete, sender=User, dispatch_uid="rollout-summary-user-deleted")
def _user_deleted(sender, instance, **kwargs):
    # The reports lost their manager by an update (SET_NULL), which sends no signal.
    reports = PersonEvidence.objects.filter(manager_id=instance.pk).values_list(
        "user_id", flat=True
    )
    summary.refresh([instance.pk, *reports])


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="rollout-summary-groups")
def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Of the groups, only the managers' counts on the board (is_manager): a change of any
    other role leaves everyone's evidence as it was, and is not counted again."""
    if reverse and instance.name != roles.MANAGERS:
        return
    if action == "pre_clear" and reverse:
        # A group loses all its members: who they are is known only before.
        instance._rollout_cleared = list(instance.user_set.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove", "post_clear"}:
        if not reverse:
            if action == "post_clear" or _managers_group() in (pk_set or ()):
                summary.refresh([instance.pk])
        elif action == "post_clear":
            summary.refresh(getattr(instance, "_rollout_cleared", []))
        else:
            summary.refresh(pk_set or [])


def _managers_group() -> int | None:
    return Group.objects.filter(name=roles.MANAGERS).values_list("pk", flat=True).first()


@receiver(rows_written, dispatch_uid="rollout-summary-bulk")
def _rows_written(sender, user_ids, **kwargs):
    """Bulk writes (completion by update, attendance, assignments) name their people."""
    if sender in PERSON_FIELD or sender is User:
        summary.refresh(user_ids)


@receiver(post_delete, sender=Department, dispatch_uid="rollout-summary-department")
def _department_deleted(sender, instance, **kwargs):
    # Its people were moved out by an update (SET_NULL), which sends no signal.
    summary.refresh(
        PersonEvidence.objects.filter(department_id=instance.pk).values_list("user_id", flat=True)
    )


def _guidelines_changed(sender, raw=False, **kwargs):
    if not raw:
        versions = summary.current_versions()
        if versions != summary._stored_versions():
            summary.recount_signed(versions=versions)


on_writes(_guidelines_changed, GuidelinePage, GuidelineVersion, uid="rollout-summary-guidelines")
page_unpublished.connect(
    _guidelines_changed, sender=GuidelinePage, dispatch_uid="rollout-summary-unpublished"
)


# A course or workshop moved to another track changes what its people completed.


def _remember_track(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        instance._rollout_old_track = (
            type(instance).objects.filter(pk=instance.pk).values_list("track_id", flat=True).first()
        )


def _track_moved(sender, instance, raw=False, created=False, **kwargs):
    if raw or created or getattr(instance, "_rollout_old_track", None) == instance.track_id:
        return
    if sender is CoursePage:
        people = Enrollment.objects.filter(course=instance, completed_at__isnull=False)
    else:
        people = Booking.objects.filter(workshop=instance, attended=True)
    summary.refresh(people.values_list("user_id", flat=True).distinct())


for _model in (CoursePage, WorkshopPage):
    pre_save.connect(
        _remember_track, sender=_model, dispatch_uid=f"rollout-track-{_model.__name__}"
    )
    post_save.connect(_track_moved, sender=_model, dispatch_uid=f"rollout-moved-{_model.__name__}")


@receiver(post_delete, sender=Track, dispatch_uid="rollout-summary-track")
def _track_deleted(sender, instance, **kwargs):
    # Its workshops lost their track by an update (SET_NULL), which sends no signal.
    summary.recount(repair=True)
