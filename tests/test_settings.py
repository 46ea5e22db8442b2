import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from lms.settings.base import DEVELOPMENT_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


def load_settings(module: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
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
    result = load_settings("lms.settings.production", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_needs_no_configuration():
    assert load_settings("lms.settings.dev").returncode == 0


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
