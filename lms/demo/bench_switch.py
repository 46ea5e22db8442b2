"""Switching this process to another database: the bench's, and the fresh processes' of
lms/demo/cold_start.py (kept outside the bench package, which loads models on import).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend


def use_database(config: dict[str, Any]) -> dict[str, Any]:
    """Point the default connection at another database; returns the previous settings.

    Django reads DATABASES once and keeps a connection per alias, so both caches are
    dropped here. Call this before the first query (the bench command does it in
    `execute`) and again to switch back.
    """
    previous = settings.DATABASES[DEFAULT_DB_ALIAS]
    connections.close_all()
    settings.DATABASES[DEFAULT_DB_ALIAS] = dict(config)
    connections.__dict__.pop("settings", None)  # a cached_property
    connections._settings = None
    with suppress(AttributeError):
        del connections[DEFAULT_DB_ALIAS]
    clear_process_caches()
    prepare_search_backend(vendor=load_backend(config["ENGINE"]).DatabaseWrapper.vendor)
    return previous


def prepare_search_backend(*, vendor: str) -> None:
    """What modelsearch sets up at start-up for the database the process started on.

    Its PostgreSQL backend ranks by weights that its app fills in `ready()` only when the
    process starts on PostgreSQL; a bench that starts on SQLite and switches would print a
    traceback for every page it saves ("cannot access local variable 'weight'").
    """
    if vendor != "postgresql":
        return
    from modelsearch.backends.database.postgres import weights

    if not weights.BOOSTS_WEIGHTS:
        weights.set_weights()


def clear_process_caches() -> None:
    """Forget ids cached from another database (content types, Wagtail site roots)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    for cache in caches.all(initialized_only=True):
        if type(cache).__name__ in {"LocMemCache", "DummyCache"}:
            cache.clear()
