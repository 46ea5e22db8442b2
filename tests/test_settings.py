import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from lms.settings.base import DEVELOPMENT_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


IGNORED = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LMS_LEARNER_CACHE", "WAGTAILADMIN_BASE_URL"}


def clean_environment(module: str, **env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in IGNORED}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return clean


def load_settings(
    module: str, *, then: str = "print('started')", **env: str
) -> subprocess.CompletedProcess:
    """A new process that starts Django with these settings: for what only a start shows."""
    clean = clean_environment(module, **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def import_settings(module: str, **env: str) -> SimpleNamespace:
    """The settings module as a process with this environment reads it, imported afresh in
    this process (and forgotten again): for what the settings say, or refuse, at import."""

    def ours() -> list[str]:
        return [name for name in sys.modules if name.split(".")[:2] == ["lms", "settings"]]

    package = sys.modules["lms"]
    saved = {name: sys.modules.pop(name) for name in ours()}
    try:
        with mock.patch.dict(os.environ, clean_environment(module, **env), clear=True):
            loaded = importlib.import_module(module)
    finally:
        for name in ours():
            del sys.modules[name]
        sys.modules.update(saved)
        package.settings = saved["lms.settings"]
    # As django.conf.settings reads them: Django's defaults, then the module's names.
    return SimpleNamespace(
        **{
            name: getattr(where, name)
            for where in (global_settings, loaded)
            for name in dir(where)
            if name.isupper()
        }
    )


@pytest.mark.parametrize("secret", [None, DEVELOPMENT_SECRET_KEY, ""])
def test_production_refuses_missing_or_development_secret(secret):
    env = {} if secret is None else {"SECRET_KEY": secret}
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        import_settings("lms.settings.production", **env)


def test_production_starts_with_a_real_secret():
    result = load_settings(
        "lms.settings.production", SECRET_KEY="x" * 60, WAGTAILADMIN_BASE_URL="https://lms.firma.de"
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_needs_no_configuration():
    assert load_settings("lms.settings.dev").returncode == 0


def shared_state(settings: SimpleNamespace) -> list[str]:
    return [
        settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[1],
        settings.SESSION_ENGINE.rsplit(".", 1)[1],
        str(settings.LMS_LEARNER_CACHE),
    ]


def test_redis_brings_the_shared_cache_sessions_and_learner_cache():
    shared = import_settings("lms.settings.dev", REDIS_URL="redis://127.0.0.1:6379/9")
    assert shared_state(shared) == ["RedisCache", "cached_db", "True"]


def test_without_redis_nothing_is_cached_that_another_process_could_contradict():
    # A memory cache per process: a logged-out session or a learner's old progress would
    # live on in the other processes.
    alone = import_settings("lms.settings.dev")
    assert shared_state(alone) == ["LocMemCache", "db", "False"]


def test_postgresql_connections_run_without_jit_and_keep_their_own_options():
    plain = import_settings(
        "lms.settings.dev", DATABASE_URL="postgres://postgres@127.0.0.1:5432/bootcamp"
    )
    assert plain.DATABASES["default"]["OPTIONS"]["options"] == "-c jit=off"
    own = import_settings(
        "lms.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bootcamp?options=-c%20work_mem%3D8MB",
    )
    assert own.DATABASES["default"]["OPTIONS"]["options"] == "-c work_mem=8MB -c jit=off"


def test_importing_settings_afresh_leaves_this_process_alone():
    from django.conf import settings

    import lms.settings.test

    with pytest.raises(ImproperlyConfigured):
        import_settings("lms.settings.production", SECRET_KEY="x" * 60, WAGTAILADMIN_BASE_URL="")
    import_settings("lms.settings.dev", REDIS_URL="redis://127.0.0.1:6379/9")
    assert sys.modules["lms.settings.test"] is lms.settings.test
    assert sys.modules["lms"].settings.test is lms.settings.test
    assert os.environ.get("DJANGO_SETTINGS_MODULE") == "lms.settings.test"
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.django_db
def test_the_database_connection_has_jit_off():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_directory_group_mappings_read_json_or_pairs_the_same_way():
    loaded = import_settings(
        "lms.settings.dev",
        LMS_SCIM_GROUP_ROLES='{"LMS Trainers": "Trainers"}',
        LMS_OIDC_GROUP_ROLES="LMS Trainers=Trainers; lms-managers = Managers",
        LMS_OIDC_CLAIMS="employee_id=employeeid",
    )
    assert loaded.LMS_SCIM_GROUP_ROLES == {"LMS Trainers": "Trainers"}
    assert loaded.LMS_OIDC_GROUP_ROLES == {"LMS Trainers": "Trainers", "lms-managers": "Managers"}
    assert loaded.LMS_OIDC_CLAIMS == {"employee_id": "employeeid"}


@pytest.mark.parametrize("value", ['{"LMS Trainers": 3}', "{not json", "Trainers"])
def test_a_mapping_that_cannot_be_read_stops_the_start(value):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LMS_OIDC_GROUP_ROLES"):
        import_settings("lms.settings.dev", LMS_OIDC_GROUP_ROLES=value)
