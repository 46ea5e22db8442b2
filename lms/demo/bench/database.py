"""The database the bench runs in: a throwaway SQLite file or `<name>_bench` on a server.

By default the bench never touches the developer's database: it runs in a fresh
SQLite file, bench/bench.sqlite3, or in a throwaway `<name>_bench` database on a server
given with --database-url (see `bench_database` and `use_database`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

from lms.demo.bench_switch import clear_process_caches, prepare_search_backend, use_database

__all__ = [
    "BenchDatabase",
    "bench_database",
    "clear_process_caches",
    "prepare_search_backend",
    "use_database",
]

BASE_DIR = Path(settings.BASE_DIR)
SQLITE_FILE = BASE_DIR / "bench" / "bench.sqlite3"


@dataclass
class BenchDatabase:
    """A database the bench may delete and recreate at will."""

    config: dict[str, Any]
    label: str

    @property
    def is_sqlite(self) -> bool:
        return self.config["ENGINE"].endswith("sqlite3")

    def for_scale(self, employees: int) -> BenchDatabase:
        """A database of its own for one size: bench/bench-50000.sqlite3, <name>_50000."""
        config = dict(self.config)
        if self.is_sqlite:
            path = Path(config["NAME"])
            config["NAME"] = str(path.with_name(f"{path.stem}-{employees}{path.suffix}"))
            label = self.label.replace(path.name, Path(config["NAME"]).name)
        else:
            config["NAME"] = f"{config['NAME']}_{employees}"
            label = self.label.rsplit("/", 1)[0] + "/" + config["NAME"]
        return BenchDatabase(config=config, label=label)

    def exists(self) -> bool:
        if self.is_sqlite:
            return Path(self.config["NAME"]).exists()
        with _server_cursor(self.config) as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.config["NAME"]])
            return cursor.fetchone() is not None

    def recreate(self) -> None:
        self.drop()
        if self.is_sqlite:
            Path(self.config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
            return
        with _server_cursor(self.config) as cursor:
            cursor.execute(f"CREATE DATABASE {_quote_pg(self.config['NAME'])}")

    def drop(self) -> None:
        connections.close_all()
        if self.is_sqlite:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.config['NAME']}{suffix}").unlink(missing_ok=True)
            return
        with _server_cursor(self.config) as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote_pg(self.config['NAME'])} WITH (FORCE)")


def _quote_pg(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _server_cursor(config: dict[str, Any]) -> Iterator[Any]:
    """A cursor on the server's maintenance database, outside any transaction."""
    filled = connections.configure_settings({DEFAULT_DB_ALIAS: dict(config)})[DEFAULT_DB_ALIAS]
    wrapper = load_backend(filled["ENGINE"]).DatabaseWrapper(filled, alias="bench-admin")
    try:
        with wrapper._nodb_cursor() as cursor:
            yield cursor
    finally:
        wrapper.close()


def bench_database(*, database_url: str | None = None) -> BenchDatabase:
    """The throwaway database: bench/bench.sqlite3, or `<name>_bench` on the given server."""
    if not database_url:
        from lms.settings.base import SQLITE_OPTIONS

        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_FILE),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
        return BenchDatabase(config=config, label=str(SQLITE_FILE.relative_to(BASE_DIR)))

    import dj_database_url

    config = dj_database_url.parse(database_url)
    engine = config["ENGINE"]
    name = str(config.get("NAME") or "")
    if engine.endswith("sqlite3"):
        path = Path(name)
        if not path.stem.endswith("_bench"):
            path = path.with_name(f"{path.stem}_bench{path.suffix}")
        config["NAME"] = str(path)
        return BenchDatabase(config=config, label=str(path))
    if "postgresql" not in engine:
        raise ValueError(f"The bench supports SQLite and PostgreSQL, not {engine}.")
    from lms.settings.base import tune_postgresql

    tune_postgresql(config)  # as the app's connections are
    if not name:
        raise ValueError("The database URL names no database.")
    if not name.endswith("_bench"):
        config["NAME"] = f"{name}_bench"
    host = config.get("HOST") or "localhost"
    return BenchDatabase(config=config, label=f"postgresql://{host}/{config['NAME']}")
