"""Reads of success stories for the pages that show them (home, the rollout evidence)."""

from __future__ import annotations

from django.db.models import QuerySet

from lms.stories.models import SuccessStoryPage


def live_stories() -> QuerySet[SuccessStoryPage]:
    return SuccessStoryPage.objects.live()


def latest_stories(*, limit: int = 3) -> QuerySet[SuccessStoryPage]:
    return live_stories().select_related("department").order_by("-first_published_at")[:limit]
