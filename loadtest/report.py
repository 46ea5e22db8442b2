"""The load test's result: the answers stored against those the clients saw accepted,
latencies and errors, printed and as a JSON summary."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from loadtest.client import Recorder
from loadtest.options import P95_TARGET_MS, QUIZ_SLUG, Config

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


def peak_concurrency(intervals: list[tuple[float, float]]) -> int:
    """The most intervals (start, end) open at one moment; one ending as another starts
    does not overlap it."""
    events = sorted(
        [(start, 1) for start, _end in intervals] + [(end, -1) for _s, end in intervals]
    )
    peak = current = 0
    for _moment, change in events:  # at equal moments -1 sorts first
        current += change
        peak = max(peak, current)
    return peak


def latency_table(latencies: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """p50/p95/p99/max in ms per request kind, the known kinds first in flow order."""
    table = {}
    for kind in [*REQUEST_KINDS, *sorted(set(latencies) - set(REQUEST_KINDS))]:
        values = latencies.get(kind, [])
        if not values:
            continue
        table[kind] = {
            "count": len(values),
            "p50_ms": round(1000 * percentile(values, 50), 1),
            "p95_ms": round(1000 * percentile(values, 95), 1),
            "p99_ms": round(1000 * percentile(values, 99), 1),
            "max_ms": round(1000 * max(values), 1),
        }
    return table


def latency_verdict(
    latency: dict[str, dict[str, float]], *, target_ms: float = P95_TARGET_MS
) -> dict[str, object]:
    """Whether every kind of learner request has its p95 at or below the target; none is
    left out, the login POST included. No request at all is no verdict to pass."""
    missed = {
        kind: values["p95_ms"] for kind, values in latency.items() if values["p95_ms"] > target_ms
    }
    return {
        "target_p95_ms": target_ms,
        "met": bool(latency) and not missed,
        "missed": missed,
        "met_by": sorted(set(latency) - set(missed), key=list(latency).index),
    }


def verdict_line(verdict: dict[str, object]) -> str:
    target = f"p95 <= {verdict['target_p95_ms']:g} ms for every learner request"
    if verdict["met"]:
        return f"Verdict: {target}: MET"
    if not verdict["missed"]:
        return f"Verdict: {target}: NOT MET (no request was answered)"
    missed = ", ".join(f"{kind} p95 {ms:g} ms" for kind, ms in verdict["missed"].items())
    return f"Verdict: {target}: NOT MET, missed by {missed}"


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
        latency = latency_table(recorder.latencies)
        ends = [end for _start, end in recorder.sessions.values() if end != math.inf]
        intervals = [
            (start, recorder.load_ended if end == math.inf else end)
            for start, end in recorder.sessions.values()
        ]
        think = config.think
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
                "cache": f"redis {config.redis_url}" if config.redis_url else "memory per process",
                "ramp_up_s": config.ramp_up,
                "login": "login form" if config.login else "pre-made sessions",
                "think_s": {
                    "glance": [think.glance.low, think.glance.high],
                    "read": [think.read.low, think.read.high],
                    "answer": [think.answer.low, think.answer.high],
                },
                "quiz": QUIZ_SLUG,
            },
            "learners": {
                "total": users,
                "peak_concurrent": peak_concurrency(intervals),
                "session_s_p50": round(
                    percentile([end - start for start, end in intervals], 50) or 0.0, 1
                ),
                "last_stopped_after_s": round(max(ends) - recorder.load_started, 1)
                if ends
                else None,
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
            "latency_verdict": latency_verdict(latency),
            "answers": comparison,
            "sittings": sittings,
        }
    summary["passed"] = summary["errors"] == 0 and comparison["missing"] == 0
    return summary


def machine_was_busy(machine: dict[str, object]) -> bool:
    """Whether other processes already kept more than every CPU busy when the load began
    (the 1-minute load average above the number of CPUs)."""
    return machine["load_before"][0] > (machine["cpus"] or 1)


def print_summary(summary: dict[str, object]) -> None:
    learners = summary["learners"]
    answers = summary["answers"]
    config = summary["config"]
    print()
    think = config["think_s"]
    print(
        f"Load test against {config['target']} "
        f"({config['gunicorn_workers']} workers x {config['gunicorn_threads']} threads, "
        f"cache: {config['cache']}), "
        f"{config['users']} learners started over {config['ramp_up_s']:g} s, "
        f"at most {config['duration_s']:g} s"
    )
    print(
        f"Learners sign in by: {config['login']}; think times: glance "
        f"{think['glance'][0]:g}-{think['glance'][1]:g} s, read a module "
        f"{think['read'][0]:g}-{think['read'][1]:g} s, before each answer "
        f"{think['answer'][0]:g}-{think['answer'][1]:g} s"
    )
    machine = summary.get("machine")
    if machine:
        print(
            f"Machine: {machine['cpus']} CPUs, load average {machine['load_before'][0]:.2f} "
            f"before and {machine['load_after'][0]:.2f} after; during the load the CPUs were "
            f"{machine['cpu_busy_percent'] or 0:.0f} % busy (gunicorn "
            f"{machine['server_cpu_s']:.1f} CPU s, this client {machine['client_cpu_s']:.1f} "
            f"CPU s); one PBKDF2 hash of the password costs {machine['password_hash_ms']:.0f} ms of CPU"
        )
        if machine_was_busy(machine):
            print(
                f"WARNING: the machine was busy before the load (load average "
                f"{machine['load_before'][0]:.2f} on {machine['cpus']} CPUs): the latencies "
                "below measure the other processes too; gunicorn got "
                f"{machine['server_cpu_s']:.1f} CPU s of the "
                f"{machine['cpus'] * summary['load_seconds']:.0f} there were"
            )
    print(
        f"Learners: {learners['peak_concurrent']} at once at the peak, "
        f"{learners['finished']}/{learners['total']} finished (quiz and dashboard), "
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
    target = summary["latency_verdict"]["target_p95_ms"]
    print(
        f"  {'request':<12} {'count':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} "
        f"{'max ms':>9}  p95 <= {target:g} ms"
    )
    for kind, values in summary["latency"].items():
        print(
            f"  {kind:<12} {values['count']:>6} {values['p50_ms']:>9.1f} "
            f"{values['p95_ms']:>9.1f} {values['p99_ms']:>9.1f} {values['max_ms']:>9.1f}  "
            f"{'yes' if values['p95_ms'] <= target else 'NO'}"
        )
    print(
        f"Answers: accepted {answers['accepted']}, stored {answers['stored']}, "
        f"missing {answers['missing']}, duplicates {answers['duplicates']}, "
        f"stored without confirmation {answers['stored_unconfirmed']}"
    )
    sittings = summary["sittings"]
    print(f"Attempts in the database: {sittings['sittings']}, complete {sittings['complete']}")
    print(verdict_line(summary["latency_verdict"]))
    print(
        "PASSED: no errors, no lost answers"
        if summary["passed"]
        else "FAILED: errors or lost answers"
    )
