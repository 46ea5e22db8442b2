"""Values computed from many rows, cached under a version number that writes bump.

A VersionedCache value is never served after the data behind it changed: every write
that can change it bumps the namespace's version (by signal, or on commit), and readers
only look up keys of the current version. What changes with every completion and is
read by everyone (the home page's award leaders) is not cached but read from a summary
kept on write. With Redis as the cache (REDIS_URL) all app servers share versions and values; old
versions simply expire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

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

    def get_or_compute(
        self, name: str, compute: Callable[[], T], *, version: int | None = None
    ) -> T:
        """The value under the current version; `version` if the caller has just read it."""
        key = f"{self.namespace}:{name}:v{version or self.version()}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, timeout=self.timeout)
        return value


def on_writes(receiver: Callable, *senders: type, uid: str, signals=(post_save, post_delete)):
    """Connect `receiver` to `signals` (saves and deletes unless given) of every sender.

    Held strongly: receivers are often closures that nothing else references."""
    for sender in senders:
        for signal in signals:
            signal.connect(
                receiver,
                sender=sender,
                weak=False,
                dispatch_uid=f"{uid}-{sender.__name__}-{id(signal)}",
            )
