"""The migrated SQLite test database, kept between runs while no migration changes.

Migrating a new test database runs 260 migrations and took 24 s of each pytest-xdist
worker's time, a third of `make test` once the tests themselves got cheaper. The first run
after a migration changes migrates as always and keeps a copy of the result in pytest's
cache directory; later runs start each worker from a copy of it, and Django's ``migrate``
(with ``keepdb``) then finds nothing to apply but still sends ``post_migrate``, so
permissions and content types are as fresh as after a full migration.

The copy is named by a digest of everything a migration reads: every installed app's
migration files, the modules of ours that they import (followed through their own
imports), the pinned requirements, and the Python and database versions. ``--create-db``
or deleting ``.pytest_cache`` migrates from scratch. PostgreSQL runs always migrate.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import shutil
import sqlite3
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

OUR_PACKAGES = ("lms", "courses", "home")


def applies() -> bool:
    return connections["default"].vendor == "sqlite"


def test_database_path() -> Path:
    return Path(connections["default"].settings_dict["TEST"]["NAME"])


def _our_imports(path: Path) -> set[Path]:
    """Files of our packages that a module imports, anywhere in it (functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for module in modules:
            if module.split(".")[0] not in OUR_PACKAGES:
                continue
            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                spec = None
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                found.add(Path(spec.origin))
    return found


def digest() -> str:
    files: set[Path] = set()
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if folder.is_dir():
            files |= set(folder.glob("*.py"))
    ours = {path for path in files if Path(settings.BASE_DIR) in path.parents}
    todo = set(ours)
    while todo:
        imported = _our_imports(todo.pop()) - files
        files |= imported
        todo |= imported
    hasher = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in [*sorted(files), base / "requirements.txt"]:
        hasher.update(str(path.relative_to(base) if base in path.parents else path).encode())
        hasher.update(path.read_bytes())
    hasher.update(f"{sys.version} {sqlite3.sqlite_version}".encode())
    return hasher.hexdigest()[:16]


def _template(folder: Path, key: str) -> Path:
    return folder / f"schema-{key}.sqlite3"


def restore(folder: Path, key: str) -> bool:
    """Put the kept database where this worker's test database goes; False if none is kept."""
    template = _template(folder, key)
    if not template.exists():
        return False
    target = test_database_path()
    partial = target.with_suffix(".partial")
    shutil.copyfile(template, partial)
    os.replace(partial, target)
    return True


def store(folder: Path, key: str) -> None:
    """Keep a copy of this worker's freshly migrated test database, replacing older ones."""
    template = _template(folder, key)
    if template.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"schema-{key}.{os.getpid()}.partial"
    source = sqlite3.connect(test_database_path())
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    os.replace(partial, template)  # atomic: a parallel worker reads the old file or this one
    for old in folder.glob("schema-*.sqlite3"):
        if old != template:
            old.unlink(missing_ok=True)


def remove_copy() -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{test_database_path()}{suffix}").unlink(missing_ok=True)
