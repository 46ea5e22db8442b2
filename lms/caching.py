"""Values computed from many rows, cached under a version number that writes bump.

A cached value is never served after the data behind it changed: every write that can
change it bumps the namespace's version (by signal, or on commit), and readers only look
up keys of the current version. With Redis as the cache (REDIS_URL) all app servers
share versions and values; old versions simply expire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")


class VersionedCache:
    def __init__(self, namespace: str, *, timeout: int = 600) -> None:
        self.namespace = namespace
        self.timeout = timeout
        self.version_key = f"{namespace}:data-version"

    def version(self) -> int:
        version = cache.get(self.version_key)
        if version is None:
            cache.add(self.version_key, 1, timeout=None)
            version = cache.get(self.version_key, 1)
        return version

    def bump(self, *args, **kwargs) -> None:
        """Invalidate every value of the namespace (usable as a signal receiver)."""
        try:
            cache.incr(self.version_key)
        except ValueError:
            cache.set(self.version_key, 2, timeout=None)

    def get_or_compute(self, name: str, compute: Callable[[], T]) -> T:
        key = f"{self.namespace}:{name}:v{self.version()}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, timeout=self.timeout)
        return value
