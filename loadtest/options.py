"""The load test's options, and what they may point at: only this machine.

The script refuses any database, Redis or target host other than 127.0.0.1/localhost,
and it drops and recreates only a database whose name contains "loadtest".
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bootcamp_loadtest"
# The shared cache of the production layout (sessions, per-learner pages); --no-redis
# runs each gunicorn process with its own memory cache instead.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# libpq reads these from the environment and they can send a connection elsewhere.
LIBPQ_REDIRECTS = ("PGHOST", "PGHOSTADDR", "PGSERVICE", "PGSERVICEFILE")

COURSE_SLUG = "linkedin-fuer-fuehrungskraefte"
QUIZ_SLUG = "quiz-linkedin-fuehrungskraefte"
USERNAME_PREFIX = "loadtest-"
LEARNER_DEPARTMENT = "sales"

DATABASE_NAME = re.compile(r"[A-Za-z0-9_]+")


class LoadTestError(Exception):
    """A refused argument or a failed set-up step."""


def local_host(host: str) -> str:
    """The host to bind and target; anything but 127.0.0.1/localhost is refused."""
    if host not in LOCAL_HOSTS:
        raise LoadTestError(f"refusing to target {host!r}: only 127.0.0.1 or localhost")
    return "127.0.0.1"


def check_database_url(url: str) -> str:
    """Return the database name of a local PostgreSQL URL that may be dropped."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise LoadTestError(f"refusing database URL {url!r}: not a postgres:// URL")
    if parts.hostname not in LOCAL_HOSTS:
        raise LoadTestError(
            f"refusing database host {parts.hostname or '(none)'!r}: only 127.0.0.1 or localhost"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as error:
        raise LoadTestError(f"refusing database URL {url!r}: {error}") from None
    redirects = {"host", "hostaddr", "service"} & set(parse_qs(parts.query))
    if redirects:
        raise LoadTestError(
            f"refusing database URL {url!r}: {', '.join(sorted(redirects))} in the query "
            "would connect elsewhere"
        )
    name = parts.path.lstrip("/")
    if not DATABASE_NAME.fullmatch(name) or "loadtest" not in name:
        raise LoadTestError(
            f"refusing database name {name!r}: the load test drops and recreates it, so "
            "its name must consist of letters, digits and _ and contain 'loadtest'"
        )
    return name


def check_redis_url(url: str) -> str:
    """Return a local Redis URL, or refuse it."""
    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise LoadTestError(f"refusing Redis URL {url!r}: not a redis:// URL")
    if parts.hostname not in LOCAL_HOSTS:
        raise LoadTestError(
            f"refusing Redis host {parts.hostname or '(none)'!r}: only 127.0.0.1 or localhost"
        )
    return url


@dataclass(frozen=True)
class Config:
    users: int
    duration: float
    host: str
    port: int
    database_url: str
    database_name: str
    workers: int
    threads: int
    ramp_up: float
    seed: int
    results_dir: Path
    login: bool = False
    redis_url: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def make_config(args: argparse.Namespace) -> Config:
    if not 0 < args.duration <= 600:
        raise LoadTestError("--duration must be more than 0 and at most 600 seconds")
    if not 0 <= args.ramp_up < args.duration:
        raise LoadTestError("--ramp-up must be at least 0 and less than --duration")
    if args.port > 65535:
        raise LoadTestError("--port must be at most 65535")
    return Config(
        users=args.users,
        duration=args.duration,
        host=local_host(args.host),
        port=args.port,
        database_url=args.database_url,
        database_name=check_database_url(args.database_url),
        redis_url=None if args.no_redis else check_redis_url(args.redis_url),
        workers=args.workers,
        threads=args.threads,
        ramp_up=args.ramp_up,
        login=args.login,
        seed=args.seed,
        results_dir=args.results_dir,
    )
