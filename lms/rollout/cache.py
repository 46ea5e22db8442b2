"""Caching of rollout evidence.

It is computed from many tables, so it is cached under a version number that every
relevant write bumps (see signals.py): a cached value is never served after the data
behind it changed. With Redis as the cache (REDIS_URL) all app servers share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lms.core.caching import VersionedCache

T = TypeVar("T")

TIMEOUT = 600
rollout_data = VersionedCache("rollout", timeout=TIMEOUT)
# The KPI section of the board (charts and tables, rendered), which only KPI records and
# departments change: kept when learning changes the rest of the board.
kpi_section = VersionedCache("rollout-kpis", timeout=TIMEOUT)


def data_version() -> int:
    return rollout_data.version()


def bump() -> None:
    rollout_data.bump()


def cached(name: str, compute: Callable[[], T]) -> T:
    return rollout_data.get_or_compute(name, compute)
