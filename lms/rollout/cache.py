"""Caching of rollout evidence and the award leaderboard.

Both are computed from many tables, so they are cached under a version number that
every relevant write bumps (see signals.py): a cached value is never served after the
data behind it changed. With Redis as the cache (REDIS_URL) all app servers share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lms.core.caching import RefreshingCache, VersionedCache

T = TypeVar("T")

TIMEOUT = 600
rollout_data = VersionedCache("rollout", timeout=TIMEOUT)

# The home page's stories and award (every learner's dashboard). Its leaderboard may
# trail the points by a minute; new stories and winners show at once (signals.py).
HOME_FRESH_FOR = 60
home_page = RefreshingCache("home-highlights", fresh_for=HOME_FRESH_FOR)


def data_version() -> int:
    return rollout_data.version()


def bump() -> None:
    rollout_data.bump()


def cached(name: str, compute: Callable[[], T]) -> T:
    return rollout_data.get_or_compute(name, compute)
