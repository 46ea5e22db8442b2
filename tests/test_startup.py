"""A worker's warm-up (lms/core/startup.py): the steps the apps register, and what they
spare the first request after a start."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.users.models import UserProfile

from courses.services import complete_module
from lms.core import startup
from lms.people import roles
from tests import factories


@pytest.fixture
def hooks(monkeypatch):
    """The registry as the apps filled it, restored after the test."""
    registered = dict(startup._hooks)
    monkeypatch.setattr(startup, "_hooks", registered)
    return registered


def test_the_apps_register_their_warm_up_steps():
    names = startup.registered_warm_ups()
    for name in ("site_roots", "request_user", "published_guidelines", "dashboard"):
        assert name in names
    assert names[0] == "site_roots"  # lms.core's ready() runs first


@pytest.mark.django_db
def test_warm_up_runs_every_hook_and_survives_a_failing_one(hooks, caplog):
    ran = []

    def broken():
        raise RuntimeError("boom")

    def missing_table():
        raise OperationalError("no such table: courses_coursepage")

    startup.register_warm_up("broken", broken)
    startup.register_warm_up("missing_table", missing_table)
    startup.register_warm_up("after", lambda: ran.append("after"))

    with caplog.at_level(logging.INFO, logger="lms.core.startup"):
        steps = startup.warm_up()

    assert ran == ["after"]
    assert {"urls", "templates", "request_path", "content_types"} <= set(steps)
    assert {"broken", "missing_table", "after", "dashboard"} <= set(steps)
    failures = {record.getMessage(): record.levelno for record in caplog.records}
    assert failures["Start-up: warm-up step broken failed"] == logging.WARNING
    assert any("missing_table not warmed up" in message for message in failures)


@pytest.mark.django_db
def test_a_failing_hook_leaves_no_writes_behind(hooks):
    from lms.people.models import Department

    def half_done():
        Department.objects.create(name="Half", slug="half")
        raise RuntimeError("after a write")

    startup.register_warm_up("half_done", half_done)
    startup.warm_up()

    assert not Department.objects.filter(slug="half").exists()


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        assert response.status_code == 200
    return len(queries)


@pytest.fixture
def unfrozen():
    """No object frozen before the test, and none kept frozen after it."""
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.django_db
def test_the_warm_up_freezes_what_it_loaded_and_later_garbage_is_still_collected(unfrozen):
    steps = startup.warm_up()

    assert "heap" in steps
    # Modules, URL patterns, templates: far more than anything a test creates.
    assert gc.get_freeze_count() > 50_000

    class Node:
        pass

    cycle = Node()
    cycle.itself = cycle
    gone = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert gone() is None, "a cycle made after the warm-up is collected as before"


@pytest.mark.django_db
def test_after_warm_up_a_learners_first_dashboard_runs_no_more_queries_than_the_second(
    employee, employee_client
):
    course = factories.course(title="Storytelling", modules=2)
    complete_module(user=employee, module=factories.modules_of(course)[0])
    factories.course(title="Social Selling")

    startup.warm_up()

    first = _queries(employee_client, "/")
    assert first <= _queries(employee_client, "/")


@pytest.mark.django_db
def test_after_warm_up_the_first_rollout_board_runs_no_more_queries_than_the_second(sales):
    factories.user(username="emma", department=sales)
    admin = factories.user(username="ada", groups=(roles.ADMINS,), department=sales)
    # Wagtail writes an editor's profile on their first page ever: not the start's doing.
    UserProfile.get_for_user(admin)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)

    startup.warm_up()

    first = _queries(client, "/rollout/")
    assert first <= _queries(client, "/rollout/")


def test_a_worker_starts_on_a_database_that_is_not_migrated_yet(tmp_path: Path):
    """As before `manage.py migrate`: lms.wsgi warms up on an empty database and starts."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "LMS_WARM_UP"}
    }
    env.update(DJANGO_SETTINGS_MODULE="lms.settings.dev", SQLITE_PATH=str(tmp_path / "new.db"))
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import lms.wsgi; from django.db import connections; "
            "assert all(connections[a].connection is None for a in connections); print('started')",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "started" in completed.stdout
    assert "Traceback" not in completed.stderr
