"""Caching of rollout evidence and the award leaderboard.

Both are computed from many tables, so they are cached under a version number that
every relevant write bumps (see signals.py): a cached value is never served after the
data behind it changed. With Redis as the cache (REDIS_URL) all app servers share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

VERSION_KEY = "rollout:data-version"
TIMEOUT = 600


def data_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def cached(name: str, compute: Callable[[], T]) -> T:
    key = f"rollout:{name}:v{data_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value
