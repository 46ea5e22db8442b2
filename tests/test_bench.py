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
from lms.guidelines.models import GuidelinePage
from lms.guidelines.selectors import employees_in_scope

REQUESTS = [
    "floor",
    "floor_anonymous",
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
        "--runs",
        "6",
        "--in-place",
        "--output",
        str(output),
        stdout=stdout,
    )

    text = stdout.getvalue()
    assert "Cache: none — the default install" in text
    # The table: the cache line, a header line, one line per request, then a blank line.
    cache_line, header, *rest = text[text.index("Results at 40 employees") :].splitlines()[1:]
    assert cache_line.startswith("Cache: none")
    assert header.split()[:7] == ["request", "method", "p50", "ms", "p95", "ms", "p99"]
    table = rest[: rest.index("")]
    rows = {line.split()[0]: line.split() for line in table}
    assert list(rows) == REQUESTS
    for name, (_name, method, p50, p95, p99, queries, ratio, cold, mark, *_rest) in rows.items():
        assert method in {"GET", "POST"}
        float(p50), float(p95), float(p99), int(queries), float(ratio)
        assert cold == "–"  # --in-place starts no fresh processes
        assert mark in {"PASS", "FAIL", "(reference)"}, f"{name}: {' '.join(rows[name])}"
    assert "Learner floor p50" in text and "anonymous floor p50" in text
    assert "Targets:" in text and ("PASS" in text or "FAIL" in text)
    assert "p50 ≤ 1.25× learner floor" in text
    assert "Garbage collection in the timed runs (part of their time):" in text
    assert f"JSON written to {output}" in text

    data = json.loads(output.read_text())
    assert data["database_vendor"] == connection.vendor
    assert data["cache"] == "none"
    assert data["git_commit"] is None or len(data["git_commit"]) == 40
    assert data["cpu_count"] >= 1 and "load_average" in data
    assert data["quick"] is True
    assert data["query_comparison"] is None
    [run] = data["runs"]
    assert run["cache"] == "none"
    assert run["scale"]["employees"] == 40
    assert run["counts"]["users"] == 41
    assert run["counts"]["completions"] > 0 and run["counts"]["sittings"] > 0
    assert run["counts"]["notifications"] == 39  # everyone but the admin and the CEO
    assert run["durations"]["generate_s"] >= 0
    assert run["cast"]["story_paths"][0] == "/erfolge/bench-story-1/"
    assert len(run["cast"]["learner_ids"]) > 1
    measured = {request["name"]: request for request in run["requests"]}
    assert list(measured) == REQUESTS
    for name, request in measured.items():
        assert request["ok"], f"{name}: {request['error']}"
        assert request["runs"] == 6
        for key in ("p50_ms", "p95_ms", "p99_ms", "first_ms"):
            assert _is_number(request[key]), (name, key)
        assert request["p99_ms"] >= request["p95_ms"] >= request["p50_ms"], name
        assert isinstance(request["queries"], int) and request["queries"] > 0, name
        assert request["queries"] >= request["queries_min"], name
        assert len(request["sql"]) == request["queries"], name
        assert _is_number(request["ratio_to_floor"]), name
        assert _is_number(request["gc_ms"]) and isinstance(request["gc_full_collections"], int)
    assert measured["floor"]["ratio_to_floor"] == 1.0
    # The learner floor is the same pages with a session, a user and a bell.
    assert measured["floor"]["queries"] > measured["floor_anonymous"]["queries"]
    # The pages are drawn among several learners and courses.
    assert measured["dashboard"]["variants"] > 1 and measured["course"]["variants"] > 1
    assert measured["quiz_post"]["method"] == "POST"
    export = measured["signoff_csv"]
    assert export["streaming"] is True
    document = GuidelinePage.objects.get(pk=run["cast"]["document_id"])
    assert export["rows"] == employees_in_scope(document=document).count()
    assert _is_number(export["first_byte_p95_ms"]) and export["rows_per_s"] > 0
    assert export["peak_memory_kb"] > 0
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
    assert target.for_scale(50_000).config["NAME"].endswith("bench/bench-50000.sqlite3")
    assert target.for_scale(50_000).label == "bench/bench-50000.sqlite3"
    server = bench.bench_database(database_url="postgres://u:p@db.example.com:5432/lms")
    assert server.config["NAME"] == "lms_bench"
    assert server.for_scale(10_000).config["NAME"] == "lms_bench_10000"
    assert server.for_scale(10_000).label == "postgresql://db.example.com/lms_bench_10000"
