"""What a learner's pages show, cached per learner until their learning data changes.

The dashboard, course and module pages are read far more often than a learner acts, and
building their queries costs more than the pages' own rendering. Their data is cached
under two versions: the learner's own (bumped by every write that concerns them:
enrolments, completions, quiz attempts, assignments, bookings, sign-offs, the account)
and the course content's (bumped by every page publish, unpublish, move or delete and by
quiz, track and session changes). Versions are bumped at the write and again once it has
committed, so data read before the commit is never kept under the final version. This
module knows no app: which models' writes concern a learner, or the content, each app
registers in its own signals.py (invalidate_learner_on, invalidate_content_on).

Only with a cache shared by every app process (Redis, see settings LMS_LEARNER_CACHE):
with one memory cache per process, another process would keep showing a learner the
state before their last action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from lms.core import content_version
from lms.core.caching import VersionedCache, on_writes

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

T = TypeVar("T")

course_content = VersionedCache("course-content", timeout=60 * 60)


def _learner(user_id: int) -> VersionedCache:
    return VersionedCache(f"learner:{user_id}", timeout=60 * 60)


def is_enabled() -> bool:
    return getattr(settings, "LMS_LEARNER_CACHE", False)


def remember(*, user: AbstractBaseUser | AnonymousUser, name: str, compute: Callable[[], T]) -> T:
    """`compute()`, cached for this learner and the current course content."""
    if not is_enabled() or not user.is_authenticated:
        return compute()
    learner = _learner(user.pk)
    # Both versions in one round trip: learners' pages read them on every request.
    found = cache.get_many([course_content.version_key, learner.version_key])
    content = found.get(course_content.version_key) or course_content.version()
    own = found.get(learner.version_key) or learner.version()
    return learner.get_or_compute(f"{name}:c{content}", compute, version=own)


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
    """Forget every learner's cached course data (and every process's, by a new content
    token: lms/core/content_version.py)."""
    content_version.bump()
    if is_enabled():
        _bump_now_and_on_commit(course_content)


def invalidate_learner_on(model: type, *, learner_field: str) -> None:
    """Every save and delete of `model` forgets what was cached for the learner whose id
    is in `learner_field`. Each app registers its own models (in its signals.py): this
    module knows no app."""

    def receiver(sender, instance, raw=False, **kwargs):
        if not raw:
            learner_changed(getattr(instance, learner_field))

    on_writes(receiver, model, uid="learner-cache")


def invalidate_content_on(*models: type) -> None:
    """Every save and delete of these models forgets every learner's cached course data."""
    on_writes(content_changed, *models, uid="learner-cache")


def connect_page_changes() -> None:
    """A page published, unpublished, moved or deleted changes the course content (called
    by lms.core's AppConfig)."""
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(content_changed, dispatch_uid=f"learner-cache-pages-{id(signal)}")

    def page_deleted(sender, instance, **kwargs):
        if isinstance(instance, Page):
            content_changed()

    post_delete.connect(page_deleted, weak=False, dispatch_uid="learner-cache-page-deleted")

    def page_saved(sender, instance, raw=False, **kwargs):
        # A page added or changed without a publish (add_child, a draft): its title, URL
        # or live flag may be what a process kept.
        if not raw and isinstance(instance, Page):
            content_version.bump()

    post_save.connect(page_saved, weak=False, dispatch_uid="content-version-page-saved")
    # A site's root page or hostname changes every page's URL.
    on_writes(content_changed, Site, uid="learner-cache")
