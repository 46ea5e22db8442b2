"""Counting a period's award points for everybody, off the reader's request."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django_tasks import task

from lms.award import points
from lms.award.models import CountedPeriod

# How long one request to count a period holds off the next (a worker may be busy).
PENDING_FOR = 300


@task()
def count_period_task(*, starts_on: str, ends_on: str) -> int:
    try:
        return points.count_period(
            starts_on=date.fromisoformat(starts_on), ends_on=date.fromisoformat(ends_on)
        )
    finally:
        cache.delete(f"award:counting:{starts_on}:{ends_on}")


def request_count(*, starts_on: date, ends_on: date) -> None:
    """Have the period counted by the task worker (at once with the immediate backend),
    once however many readers or writes ask for it meanwhile."""
    if CountedPeriod.objects.filter(starts_on=starts_on, ends_on=ends_on).exists():
        return
    if cache.add(f"award:counting:{starts_on}:{ends_on}", 1, timeout=PENDING_FOR):
        count_period_task.enqueue(starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat())
