import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from lms.settings.base import DEVELOPMENT_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


def load_settings(
    module: str, *, then: str = "print('started')", **env: str
) -> subprocess.CompletedProcess:
    ignored = {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "LMS_LEARNER_CACHE",
        "WAGTAILADMIN_BASE_URL",
    }
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("secret", [None, DEVELOPMENT_SECRET_KEY, ""])
def test_production_refuses_missing_or_development_secret(secret):
    env = {} if secret is None else {"SECRET_KEY": secret}
    result = load_settings("lms.settings.production", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret():
    result = load_settings(
        "lms.settings.production", SECRET_KEY="x" * 60, WAGTAILADMIN_BASE_URL="https://lms.firma.de"
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_needs_no_configuration():
    assert load_settings("lms.settings.dev").returncode == 0


SHOW_SHARED_STATE = (
    "from django.conf import settings; "
    "print(settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1], "
    "settings.SESSION_ENGINE.rsplit('.', 1)[1], settings.LMS_LEARNER_CACHE)"
)


def test_redis_brings_the_shared_cache_sessions_and_learner_cache():
    shared = load_settings(
        "lms.settings.dev", then=SHOW_SHARED_STATE, REDIS_URL="redis://127.0.0.1:6379/9"
    )
    assert shared.stdout.split() == ["RedisCache", "cached_db", "True"], shared.stderr


def test_without_redis_nothing_is_cached_that_another_process_could_contradict():
    # A memory cache per process: a logged-out session or a learner's old progress would
    # live on in the other processes.
    alone = load_settings("lms.settings.dev", then=SHOW_SHARED_STATE)
    assert alone.stdout.split() == ["LocMemCache", "db", "False"], alone.stderr


SHOW_DATABASE_OPTIONS = (
    "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
)


def test_postgresql_connections_run_without_jit_and_keep_their_own_options():
    plain = load_settings(
        "lms.settings.dev",
        then=SHOW_DATABASE_OPTIONS,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bootcamp",
    )
    assert "'options': '-c jit=off'" in plain.stdout, plain.stderr
    own = load_settings(
        "lms.settings.dev",
        then=SHOW_DATABASE_OPTIONS,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bootcamp?options=-c%20work_mem%3D8MB",
    )
    assert "'options': '-c work_mem=8MB -c jit=off'" in own.stdout, own.stderr


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
