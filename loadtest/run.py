"""Load test: N learners log in, open a module and answer a quiz, against gunicorn and PostgreSQL.

    .venv/bin/python -m loadtest.run [--users 100] [--duration 60] [--port 8765]
        [--database-url postgres://postgres@127.0.0.1:5432/bootcamp_loadtest]
        [--redis-url redis://127.0.0.1:6379/0 | --no-redis]

Steps: (re)create the PostgreSQL database, migrate, seed the demo bootcamp, collect the
static files, create the learner accounts, start gunicorn on 127.0.0.1 with the
production settings (HTTPS=false) and Redis as the shared cache, and let every learner, in its own thread, log in, open
the dashboard, open the LinkedIn course's first module and its quiz module, start the
quiz and answer every question. Then the answers stored in the database are compared
with the answers whose submission the clients saw accepted.

Exit code 0 only when no request failed and no accepted answer is missing; 1 otherwise;
2 when the set-up failed or the arguments were refused. The summary is printed and
written to bench/results/loadtest-<timestamp>.json, next to the gunicorn log.

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
    DEFAULT_REDIS_URL,
    LIBPQ_REDIRECTS,
    RESULTS_DIR,
    LoadTestError,
    make_config,
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
    parser.add_argument("--users", type=positive_int, default=100, help="concurrent learners")
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds of load at most (default 60)"
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
        default=int(os.environ.get("GUNICORN_THREADS", "8")),
        help="threads per gunicorn worker (default: $GUNICORN_THREADS or 8)",
    )
    parser.add_argument(
        "--ramp-up",
        type=float,
        default=0.0,
        help="spread the learners' starts over this many seconds (default 0: all at once)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for the answers picked")
    parser.add_argument(
        "--login",
        action="store_true",
        help="log every learner in during the load (by default they start logged in)",
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
