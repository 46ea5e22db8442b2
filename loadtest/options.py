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

# 300 logins at about 0.25 s of CPU each (PBKDF2, Django's default iterations) are spread
# over this many seconds: about 1.25 of the 2 cores during the ramp-up.
DEFAULT_RAMP_UP = 60.0

# The latency target of issue #16: every kind of learner request at p95 or below.
P95_TARGET_MS = 300.0


@dataclass(frozen=True)
class Pause:
    """A think time: uniformly random between low and high seconds."""

    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.low:g}-{self.high:g} s"


def pause(value: str) -> Pause:
    """'3-8' or '3:8' (seconds, low to high) or one number for a fixed pause."""
    parts = re.split(r"[-:]", value.strip(), maxsplit=1) if value.strip() else []
    try:
        low, high = (float(parts[0]), float(parts[-1])) if parts else (None, None)
    except ValueError:
        low = high = None
    if low is None or not 0 <= low <= high <= 60:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a pause: 'LOW-HIGH' seconds, 0 <= LOW <= HIGH <= 60, e.g. 3-8"
        )
    return Pause(low, high)


@dataclass(frozen=True)
class ThinkTimes:
    """How long a learner pauses between requests, as a person would."""

    # Typing the password, glancing at the dashboard or the result.
    glance: Pause = Pause(1.0, 2.0)
    # Reading a module page before going on.
    read: Pause = Pause(3.0, 8.0)
    # Reading a question and picking an answer.
    answer: Pause = Pause(1.5, 3.0)

    @classmethod
    def none(cls) -> ThinkTimes:
        return cls(Pause(0, 0), Pause(0, 0), Pause(0, 0))


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
    login: bool = True
    redis_url: str | None = None
    think: ThinkTimes = ThinkTimes()
    reuse_database: bool = False

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
        login=not args.logged_in,
        think=ThinkTimes.none()
        if args.no_think
        else ThinkTimes(glance=args.glance, read=args.read, answer=args.answer),
        seed=args.seed,
        reuse_database=args.reuse_database,
        results_dir=args.results_dir,
    )
