"""What a learner's pages show, cached per learner until their learning data changes.

The dashboard, course and module pages are read far more often than a learner acts, and
building their queries costs more than the pages' own rendering. Their data is cached
under two versions: the learner's own (bumped by every write that concerns them:
enrolments, completions, quiz attempts, assignments, bookings, sign-offs, the account)
and the course content's (bumped by every page publish, unpublish, move or delete and by
quiz, track and session changes). Versions are bumped at the write and again once it has
committed, so data read before the commit is never kept under the final version.

Only with a cache shared by every app process (Redis, see settings LMS_LEARNER_CACHE):
with one memory cache per process, another process would keep showing a learner the
state before their last action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import transaction

from lms.caching import VersionedCache, on_writes

if TYPE_CHECKING:
    from lms.people.models import User

T = TypeVar("T")

course_content = VersionedCache("course-content", timeout=60 * 60)


def _learner(user_id: int) -> VersionedCache:
    return VersionedCache(f"learner:{user_id}", timeout=60 * 60)


def is_enabled() -> bool:
    return getattr(settings, "LMS_LEARNER_CACHE", False)


def remember(*, user: User, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, cached for this learner and the current course content."""
    if not is_enabled() or not user.is_authenticated:
        return compute()
    return _learner(user.pk).get_or_compute(f"{name}:c{course_content.version()}", compute)


def _bump_now_and_on_commit(cache: VersionedCache) -> None:
    # Now, so the writing request itself reads fresh data; once more after the commit,
    # because another request may have cached data from before the commit in between.
    cache.bump()
    transaction.on_commit(cache.bump)


def learner_changed(user_id: int | None) -> None:
    """Forget what was cached for this learner."""
    if user_id is not None and is_enabled():
        _bump_now_and_on_commit(_learner(user_id))


def content_changed(*args, **kwargs) -> None:
    """Forget every learner's cached course data."""
    if is_enabled():
        _bump_now_and_on_commit(course_content)


def _connect() -> None:
    from django.db.models.signals import post_delete
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from courses.models import Enrollment, ModuleCompletion, Track
    from lms.assignments.models import Assignment
    from lms.guidelines.models import SignOff
    from lms.people.models import User
    from lms.quizzes.models import Quiz, Sitting

    def learner_of(field: str):
        def receiver(sender, instance, raw=False, **kwargs):
            if not raw:
                learner_changed(getattr(instance, field))

        return receiver

    for model, field in (
        (Enrollment, "user_id"),
        (ModuleCompletion, "user_id"),
        (Sitting, "user_id"),
        (Assignment, "assignee_id"),
        (SignOff, "user_id"),
        (User, "pk"),
    ):
        on_writes(learner_of(field), model, uid="learner-cache")

    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(content_changed, dispatch_uid=f"learner-cache-pages-{id(signal)}")

    def page_deleted(sender, instance, **kwargs):
        if isinstance(instance, Page):
            content_changed()

    post_delete.connect(page_deleted, weak=False, dispatch_uid="learner-cache-page-deleted")
    # Workshops register their bookings and sessions themselves (lms.workshops.signals).
    on_writes(content_changed, Quiz, Track, uid="learner-cache")
