"""The bench command at a tiny scale: its output is complete and well-formed.

This checks the correctness of the output, not speed: the numbers from a test
database mean nothing.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lms.demo import bench

REQUESTS = [
    "floor",
    "dashboard",
    "dashboard_busy",
    "course",
    "module",
    "quiz_post",
    "team",
    "team_csv",
    "rollout",
    "signoff_report",
    "signoff_csv_dept",
    "signoff_csv",
]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


# serialized_rollback restores what the migrations created (groups, pages), which the
# flush after a transactional test would otherwise remove for the tests that follow.
@pytest.mark.runs_last
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bench_reports_every_request(tmp_path):
    output = tmp_path / "result.json"
    stdout = StringIO()

    call_command(
        "bench",
        "--employees",
        "40",
        "--quick",
        "--in-place",
        "--output",
        str(output),
        stdout=stdout,
    )

    text = stdout.getvalue()
    # The table: a header line, one line per request, then a blank line.
    header, *rest = text[text.index("Results at 40 employees") :].splitlines()[1:]
    assert header.split()[:5] == ["request", "method", "p50", "ms", "p95"]
    table = rest[: rest.index("")]
    rows = {line.split()[0]: line.split() for line in table}
    assert list(rows) == REQUESTS
    for name, (_name, method, p50, p95, queries, ratio, cold, mark, *_rest) in rows.items():
        assert method in {"GET", "POST"}
        float(p50), float(p95), int(queries), float(ratio), float(cold)
        assert mark in {"PASS", "FAIL", "(reference)"}, f"{name}: {' '.join(rows[name])}"
    assert "Targets:" in text and ("PASS" in text or "FAIL" in text)
    assert f"JSON written to {output}" in text

    data = json.loads(output.read_text())
    assert data["database_vendor"] == connection.vendor
    assert data["quick"] is True
    assert data["query_comparison"] is None
    [run] = data["runs"]
    assert run["scale"]["employees"] == 40
    assert run["counts"]["users"] == 41
    assert run["counts"]["completions"] > 0 and run["counts"]["sittings"] > 0
    assert run["durations"]["generate_s"] >= 0
    assert run["cast"]["floor_path"] == "/erfolge/"
    measured = {request["name"]: request for request in run["requests"]}
    assert list(measured) == REQUESTS
    for name, request in measured.items():
        assert request["ok"], f"{name}: {request['error']}"
        assert _is_number(request["p50_ms"]) and _is_number(request["p95_ms"]), name
        assert request["p95_ms"] >= request["p50_ms"], name
        assert _is_number(request["first_ms"]), name
        assert isinstance(request["queries"], int) and request["queries"] > 0, name
        assert len(request["sql"]) == request["queries"], name
        assert _is_number(request["ratio_to_floor"]), name
    assert measured["floor"]["ratio_to_floor"] == 1.0
    assert measured["quiz_post"]["method"] == "POST"
    assert {target["request"] for target in run["targets"]} >= {
        "dashboard",
        "course",
        "module",
        "quiz_post",
        "team",
        "signoff_csv_dept",
        "signoff_csv",
    }
    assert all(isinstance(target["passed"], bool) for target in run["targets"])
    assert data["passed"] == all(target["passed"] for target in run["targets"])


@pytest.mark.django_db
def test_in_place_refuses_a_database_with_people(tmp_path):
    from tests import factories

    factories.user(username="someone")
    with pytest.raises(CommandError, match="empty database"):
        call_command(
            "bench",
            "--employees",
            "40",
            "--quick",
            "--in-place",
            "--output",
            str(tmp_path),
            stdout=StringIO(),
        )


def test_scale_follows_the_headcount():
    big = bench.Scale.for_employees(10_000)
    assert (big.departments, big.courses, big.focus_reports, big.sittings) == (20, 40, 200, 200_000)
    small = bench.Scale.for_employees(1_000)
    assert (small.departments, small.courses, small.focus_reports) == (20, 4, 200)
    tiny = bench.Scale.for_employees(40)
    assert (tiny.departments, tiny.courses) == (4, 2)
    with pytest.raises(ValueError):
        bench.Scale.for_employees(10)


def test_default_bench_database_is_a_separate_sqlite_file(settings):
    target = bench.bench_database()
    assert target.config["NAME"].endswith("bench/bench.sqlite3")
    assert target.config["NAME"] != settings.DATABASES["default"]["NAME"]
    server = bench.bench_database(database_url="postgres://u:p@db.example.com:5432/lms")
    assert server.config["NAME"] == "lms_bench"
