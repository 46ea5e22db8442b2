"""The load test's result: the answers stored against those the clients saw accepted,
latencies and errors, printed and as a JSON summary."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from loadtest.client import Recorder
from loadtest.options import QUIZ_SLUG, Config

REQUEST_KINDS = (
    "login_page",
    "login",
    "dashboard",
    "module",
    "quiz_start",
    "quiz_page",
    "quiz_answer",
    "result",
)


def percentile(values: list[float], percent: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def compare_answers(
    accepted: set[tuple[str, int]], stored: dict[tuple[str, int], int]
) -> dict[str, object]:
    """Accepted answers against stored SittingAnswer rows, keyed (username, question id)."""
    missing = sorted(accepted - stored.keys())
    duplicates = sorted(key for key, count in stored.items() if count > 1)
    unconfirmed = sorted(stored.keys() - accepted)
    return {
        "accepted": len(accepted),
        "stored": sum(stored.values()),
        "missing": len(missing),
        "duplicates": len(duplicates),
        # Stored although the client never saw it accepted (e.g. it timed out after the
        # commit). Not a lost answer; any such case also shows up as an error.
        "stored_unconfirmed": len(unconfirmed),
        "missing_examples": [list(key) for key in missing[:20]],
        "duplicate_examples": [list(key) for key in duplicates[:20]],
        "unconfirmed_examples": [list(key) for key in unconfirmed[:20]],
    }


def stored_answers(config: Config, usernames: list[str]) -> tuple[dict, dict[str, int]]:
    """SittingAnswer rows of the learners, and how their attempts ended."""
    import psycopg

    with psycopg.connect(config.database_url, connect_timeout=5) as connection:
        rows = connection.execute(
            """
            SELECT u.username, a.question_id, COUNT(*)
            FROM quizzes_sittinganswer a
            JOIN quizzes_sitting s ON s.id = a.sitting_id
            JOIN quizzes_quiz q ON q.id = s.quiz_id
            JOIN people_user u ON u.id = s.user_id
            WHERE q.slug = %s AND u.username = ANY(%s)
            GROUP BY u.username, a.question_id
            """,
            (QUIZ_SLUG, usernames),
        ).fetchall()
        sittings = connection.execute(
            """
            SELECT COUNT(*), COUNT(*) FILTER (WHERE s.complete)
            FROM quizzes_sitting s
            JOIN quizzes_quiz q ON q.id = s.quiz_id
            JOIN people_user u ON u.id = s.user_id
            WHERE q.slug = %s AND u.username = ANY(%s)
            """,
            (QUIZ_SLUG, usernames),
        ).fetchone()
    stored = {(username, question_id): count for username, question_id, count in rows}
    return stored, {"sittings": sittings[0], "complete": sittings[1]}


# --------------------------------------------------------------------------- summary


def summarize(
    config: Config,
    recorder: Recorder,
    comparison: dict[str, object],
    sittings: dict[str, int],
    *,
    users: int,
) -> dict[str, object]:
    with recorder.lock:
        wall = recorder.load_ended - recorder.load_started
        active = (
            (recorder.last_end - recorder.first_start)
            if recorder.first_start is not None and recorder.last_end is not None
            else wall
        )
        latency = {}
        for kind in [*REQUEST_KINDS, *sorted(set(recorder.latencies) - set(REQUEST_KINDS))]:
            values = recorder.latencies.get(kind, [])
            if not values:
                continue
            latency[kind] = {
                "count": len(values),
                "p50_ms": round(1000 * percentile(values, 50), 1),
                "p95_ms": round(1000 * percentile(values, 95), 1),
                "max_ms": round(1000 * max(values), 1),
            }
        errors = list(recorder.errors)
        reasons = Counter(f"{error['kind']}: {error['reason']}" for error in errors)
        requests_done = recorder.requests
        summary = {
            "timestamp": datetime.now().astimezone().isoformat(timespec="seconds"),
            "config": {
                "users": config.users,
                "duration_s": config.duration,
                "target": config.base_url,
                "database": config.database_name,
                "gunicorn_workers": config.workers,
                "gunicorn_threads": config.threads,
                "cache": "redis" if config.redis_url else "memory per process",
                "ramp_up_s": config.ramp_up,
                "quiz": QUIZ_SLUG,
            },
            "learners": {
                "total": users,
                "finished": len(recorder.finished),
                "ran_out_of_time": len(recorder.out_of_time),
                "stopped_by_error": users - len(recorder.finished) - len(recorder.out_of_time),
            },
            "requests": requests_done,
            "load_seconds": round(active, 2),
            "throughput_rps": round(requests_done / active, 1) if active > 0 else 0.0,
            "errors": len(errors),
            "error_rate": round(len(errors) / requests_done, 4) if requests_done else 0.0,
            "error_reasons": dict(reasons.most_common()),
            "error_examples": errors[:30],
            "statuses": dict(sorted(recorder.statuses.items())),
            "latency": latency,
            "answers": comparison,
            "sittings": sittings,
        }
    summary["passed"] = summary["errors"] == 0 and comparison["missing"] == 0
    return summary


def print_summary(summary: dict[str, object]) -> None:
    learners = summary["learners"]
    answers = summary["answers"]
    config = summary["config"]
    print()
    print(
        f"Load test against {config['target']} "
        f"({config['gunicorn_workers']} workers x {config['gunicorn_threads']} threads, "
        f"cache: {config['cache']}), "
        f"{config['users']} learners started over {config['ramp_up_s']:g} s, "
        f"at most {config['duration_s']:g} s"
    )
    print(
        f"Learners: {learners['finished']}/{learners['total']} finished the quiz, "
        f"{learners['ran_out_of_time']} ran out of time, "
        f"{learners['stopped_by_error']} stopped by an error"
    )
    print(
        f"Requests: {summary['requests']} in {summary['load_seconds']:.1f} s = "
        f"{summary['throughput_rps']:.1f} requests/s"
    )
    print(f"Errors: {summary['errors']} (error rate {100 * summary['error_rate']:.2f} %)")
    for reason, count in summary["error_reasons"].items():
        print(f"  {count:5d} × {reason}")
    print(f"  {'request':<12} {'count':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for kind, values in summary["latency"].items():
        print(
            f"  {kind:<12} {values['count']:>6} {values['p50_ms']:>9.1f} "
            f"{values['p95_ms']:>9.1f} {values['max_ms']:>9.1f}"
        )
    print(
        f"Answers: accepted {answers['accepted']}, stored {answers['stored']}, "
        f"missing {answers['missing']}, duplicates {answers['duplicates']}, "
        f"stored without confirmation {answers['stored_unconfirmed']}"
    )
    sittings = summary["sittings"]
    print(f"Attempts in the database: {sittings['sittings']}, complete {sittings['complete']}")
    print("PASSED" if summary["passed"] else "FAILED: errors or lost answers")
