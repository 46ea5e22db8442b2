"""The award leaderboard's cache.

The leaderboard is computed from many tables, so it is cached under a version number
that every write behind it bumps (see signals.py): a cached leaderboard is never served
after the points changed. The home page reads its three leaders fresh (home/highlights.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lms.core.caching import VersionedCache

T = TypeVar("T")

TIMEOUT = 600
award_data = VersionedCache("award", timeout=TIMEOUT)


def data_version() -> int:
    return award_data.version()


def bump(*args, **kwargs) -> None:
    award_data.bump()


def cached(name: str, compute: Callable[[], T]) -> T:
    return award_data.get_or_compute(name, compute)
