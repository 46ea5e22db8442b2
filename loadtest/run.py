"""Load test: learners log in, read modules and answer a quiz, against gunicorn, PostgreSQL and Redis.

    .venv/bin/python -m loadtest.run [--users 300] [--duration 90] [--ramp-up 60]
        [--glance 1-2] [--read 3-8] [--answer 1.5-3] [--no-think] [--logged-in]
        [--workers 2] [--threads 16] [--port 8765] [--reuse-database]
        [--database-url postgres://postgres@127.0.0.1:5432/bootcamp_loadtest]
        [--redis-url redis://127.0.0.1:6379/0 | --no-redis]

Steps: (re)create the PostgreSQL database, migrate, seed the demo bootcamp, collect the
static files, create the learner accounts (in bulk, all with one real PBKDF2 hash of the
shared password at Django's default iterations), start gunicorn on 127.0.0.1 with the
production settings (HTTPS=false) and Redis as the shared cache. Then each learner, in
its own thread, its start spread over the ramp-up, behaves as a person: opens the login
page and signs in through the form (every sign-in verifies the hash), opens the
dashboard, reads the LinkedIn course's first module and its quiz module for a few
seconds each, starts the quiz, answers the questions one by one with a pause before each,
looks at the result and opens the dashboard again. No request starts after --duration.
Then the answers stored in the database are compared with the answers whose submission
the clients saw accepted.

The summary gives p50/p95/p99 per request kind (login page, login POST, dashboard, module,
quiz start, quiz page, quiz answer, result), the throughput, the peak number of learners
in session at once, and the verdict on the target p95 <= 300 ms for every kind, the login
POST included. Exit code 0 only when no request failed and no accepted answer is missing
(the latency verdict is reported, not part of the exit code); 1 otherwise; 2 when the
set-up failed or the arguments were refused. The summary is printed and written to
bench/results/loadtest-<timestamp>.json (with the git commit, the services' versions,
gunicorn's workers and threads, the machine's load and the CPU seconds of gunicorn and
of this client), next to the gunicorn log.

The code: loadtest/options.py (the options and the safety checks), orchestration.py
(set-up, server, run), client.py (the learners) and report.py (comparison and summary).

Everything stays on this machine: the script refuses any database, Redis or target host
other than 127.0.0.1/localhost, and it drops and recreates only a database whose name contains
"loadtest".
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from loadtest import orchestration
from loadtest.options import (
    DEFAULT_DATABASE_URL,
    DEFAULT_RAMP_UP,
    DEFAULT_REDIS_URL,
    LIBPQ_REDIRECTS,
    RESULTS_DIR,
    LoadTestError,
    ThinkTimes,
    make_config,
    pause,
)


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--users", type=positive_int, default=300, help="learners (default 300)")
    parser.add_argument(
        "--duration", type=float, default=90.0, help="seconds of load at most (default 90)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="127.0.0.1 or localhost only")
    parser.add_argument("--port", type=positive_int, default=8765)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="local PostgreSQL database to drop and recreate; its name must contain 'loadtest'",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"local Redis as the shared cache, as in production (default {DEFAULT_REDIS_URL})",
    )
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help="no shared cache: every gunicorn process keeps its own memory cache",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="gunicorn workers (default: $WEB_CONCURRENCY or 2)",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        # 16, not 8: a login holds its thread for its PBKDF2 hash (which releases the GIL),
        # and with 8 threads per worker the sign-ins of a ramp-up took every thread while
        # cheap pages queued behind them (measured: login page p95 12.3 s with 2 x 8,
        # 2.9 s with 2 x 16, 40 learners, same machine load).
        default=int(os.environ.get("GUNICORN_THREADS", "16")),
        help="threads per gunicorn worker (default: $GUNICORN_THREADS or 16)",
    )
    parser.add_argument(
        "--ramp-up",
        type=float,
        default=DEFAULT_RAMP_UP,
        help="spread the learners' starts, and so their logins, over this many seconds "
        f"(default {DEFAULT_RAMP_UP:g})",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed for the answers and think times picked"
    )
    parser.add_argument(
        "--logged-in",
        action="store_true",
        help="learners start with pre-made sessions instead of signing in by the login form",
    )
    think = ThinkTimes()
    parser.add_argument(
        "--glance",
        type=pause,
        default=think.glance,
        help=f"seconds typing the password, glancing at the dashboard or the result "
        f"(default {think.glance.low:g}-{think.glance.high:g})",
    )
    parser.add_argument(
        "--read",
        type=pause,
        default=think.read,
        help=f"seconds reading each module page (default {think.read.low:g}-{think.read.high:g})",
    )
    parser.add_argument(
        "--answer",
        type=pause,
        default=think.answer,
        help=f"seconds before answering each question "
        f"(default {think.answer.low:g}-{think.answer.high:g})",
    )
    parser.add_argument(
        "--no-think", action="store_true", help="no think times: every learner clicks on at once"
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="keep the seeded database of an earlier run (only the learners are made anew) "
        "instead of recreating and seeding it",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        config = make_config(parse_args(argv))
        for name in LIBPQ_REDIRECTS:
            os.environ.pop(name, None)
        return orchestration.run(config)
    except LoadTestError as error:
        print(f"loadtest: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loadtest: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
