"""Values computed from many rows, cached under a version number that writes bump.

A VersionedCache value is never served after the data behind it changed: every write
that can change it bumps the namespace's version (by signal, or on commit), and readers
only look up keys of the current version. A RefreshingCache value may trail the data by
a set number of seconds, for what changes with every completion and is read by everyone.
With Redis as the cache (REDIS_URL) all app servers share versions and values; old
versions simply expire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
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


class RefreshingCache:
    """A value that every visitor sees and that may trail the data by `fresh_for` seconds.

    For what a busy company changes every few seconds (award points change with every
    completion) while thousands of people read it: recomputing it after every write
    made every such read pay for it. Here one request at a time recomputes a value
    that has grown older than `fresh_for`; the others meanwhile keep the previous one.
    `forget()` drops the value at once, for changes that must show at once.
    """

    def __init__(self, namespace: str, *, fresh_for: int, timeout: int = 3600) -> None:
        self.fresh_for = fresh_for
        self.timeout = timeout
        self.versions = VersionedCache(namespace, timeout=timeout)

    def forget(self, *args, **kwargs) -> None:
        """Recompute on the next read (usable as a signal receiver). Again after the
        commit: a read in between may have recomputed from the uncommitted state."""
        self.versions.bump()
        transaction.on_commit(self.versions.bump)

    def get_or_compute(self, name: str, compute: Callable[[], T]) -> T:
        key = f"{self.versions.namespace}:{name}:v{self.versions.version()}"
        entry = cache.get(key)
        if entry is not None:
            computed_at, value = entry
            if time.time() - computed_at < self.fresh_for:
                return value
            if not cache.add(f"{key}:refreshing", 1, timeout=self.fresh_for):
                return value  # another request is recomputing it
        try:
            value = compute()
            cache.set(key, (time.time(), value), timeout=self.timeout)
        finally:
            cache.delete(f"{key}:refreshing")
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
