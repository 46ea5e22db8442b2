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

Everything stays on this machine: the script refuses any database, Redis or target host
other than 127.0.0.1/localhost, and it drops and recreates only a database whose name contains
"loadtest".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
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

REQUEST_TIMEOUT = 15.0
# In-flight requests may finish after the duration; nothing new starts after it.
GRACE = REQUEST_TIMEOUT + 5.0
SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 10.0
# A quiz never has this many questions; the bound only stops a client loop gone wrong.
MAX_QUESTIONS = 200

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
RESULT_PATH = re.compile(r"/quizzes/attempts/(\d+)/")
DATABASE_NAME = re.compile(r"[A-Za-z0-9_]+")


class LoadTestError(Exception):
    """A refused argument or a failed set-up step."""


# --------------------------------------------------------------------------- safety


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


def check_redis_answers(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise LoadTestError(
            f"Redis does not answer at {url} ({error}): start it, or pass --no-redis"
        ) from None


def forget_cache(url: str, prefix: str) -> int:
    """Delete this run's cache keys (they all start with its own prefix)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


def admin_database_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def ensure_port_free(host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError:
        return
    raise LoadTestError(f"something already listens on {host}:{port}; choose another --port")


# --------------------------------------------------------------------------- HTML


@dataclass
class FormField:
    name: str
    type: str
    value: str
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)

    def named(self, name: str) -> list[FormField]:
        return [item for item in self.fields if item.name == name]

    def first(self, name: str) -> str | None:
        found = self.named(name)
        return found[0].value if found else None

    def hidden_data(self) -> list[tuple[str, str]]:
        return [(item.name, item.value) for item in self.fields if item.type == "hidden"]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "textarea"} and attributes.get("name"):
            self._form.fields.append(
                FormField(
                    name=attributes["name"],
                    type=attributes.get("type", "text").lower() if tag == "input" else tag,
                    value=attributes.get("value", ""),
                    checked="checked" in attributes,
                )
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


@dataclass(frozen=True)
class QuestionPage:
    """The answer form of the take page."""

    question_id: int
    csrf_token: str
    kind: str  # "mc", "tf" or "essay"
    choices: tuple[str, ...] = ()
    multiple: bool = False


class ParseError(Exception):
    pass


def parse_question(html: str) -> QuestionPage | None:
    """The question form on a take page, or None when the page has none."""
    for form in parse_forms(html):
        question = form.first("question")
        if question is None:
            continue
        if not question.isdigit():
            raise ParseError(f"question id {question!r} is not a number")
        csrf_token = form.first("csrfmiddlewaretoken") or ""
        choices = form.named("choice")
        true_false = form.named("true_false")
        if choices:
            return QuestionPage(
                question_id=int(question),
                csrf_token=csrf_token,
                kind="mc",
                choices=tuple(item.value for item in choices),
                multiple=any(item.type == "checkbox" for item in choices),
            )
        if true_false:
            return QuestionPage(
                question_id=int(question),
                csrf_token=csrf_token,
                kind="tf",
                choices=tuple(item.value for item in true_false),
            )
        if form.named("essay"):
            return QuestionPage(question_id=int(question), csrf_token=csrf_token, kind="essay")
        raise ParseError(f"question {question} has no answer field")
    return None


def parse_start_form(html: str, quiz_slug: str) -> Form | None:
    """The form on a module page that starts (or restarts) its quiz."""
    for form in parse_forms(html):
        if form.method == "post" and urlsplit(form.action).path == start_path(quiz_slug):
            return form
    return None


def parse_login_form(html: str) -> Form | None:
    for form in parse_forms(html):
        if form.method == "post" and form.named("username") and form.named("password"):
            return form
    return None


def answer_data(page: QuestionPage, rng: random.Random) -> list[tuple[str, str]]:
    """Form data that answers the question with any of its choices, right or wrong."""
    data = [("csrfmiddlewaretoken", page.csrf_token), ("question", str(page.question_id))]
    if page.kind == "mc" and page.multiple:
        picked = rng.sample(page.choices, rng.randint(1, len(page.choices)))
        data += [("choice", value) for value in picked]
    elif page.kind == "mc":
        data.append(("choice", rng.choice(page.choices)))
    elif page.kind == "tf":
        data.append(("true_false", rng.choice(page.choices)))
    else:
        data.append(("essay", "Eine Antwort aus dem Lasttest."))
    return data


# --------------------------------------------------------------------------- flow rules


def start_path(quiz_slug: str) -> str:
    return f"/quizzes/{quiz_slug}/start/"


def take_path(quiz_slug: str) -> str:
    return f"/quizzes/{quiz_slug}/take/"


def is_result_location(location: str) -> bool:
    return RESULT_PATH.fullmatch(urlsplit(location).path) is not None


def is_accepted(status: int, location: str | None, *, question_id: int, quiz_slug: str) -> bool:
    """Whether an answer POST was accepted, judged only from what the client sees.

    The take view redirects an accepted answer to the next question, take/?after=<id>,
    or, after the last one, to the result page, attempts/<pk>/?after=<id>. Everything
    else is not an acceptance: a 200 re-renders the form with an error, a redirect to
    take/ without ?after carries an error message or marks a resent answer, and a
    redirect to the result page without ?after means the time was up. (This holds for
    quizzes that show feedback after each question; the set-up refuses "answers at end".)
    """
    if status not in {301, 302, 303} or not location:
        return False
    parts = urlsplit(location)
    if parse_qs(parts.query).get("after") != [str(question_id)]:
        return False
    return parts.path == take_path(quiz_slug) or is_result_location(location)


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


# --------------------------------------------------------------------------- recording


class Recorder:
    """Everything the learners observe; shared by all learner threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[str] = Counter()
        self.errors: list[dict[str, object]] = []
        self.accepted: set[tuple[str, int]] = set()
        self.finished: set[str] = set()
        self.out_of_time: set[str] = set()
        self.requests = 0
        self.first_start: float | None = None
        self.last_end: float | None = None
        self.load_started = 0.0
        self.load_ended = 0.0

    def request(self, kind: str, started: float, ended: float, status: int | None) -> None:
        with self.lock:
            self.requests += 1
            self.first_start = (
                started if self.first_start is None else min(self.first_start, started)
            )
            self.last_end = ended if self.last_end is None else max(self.last_end, ended)
            if status is not None:
                self.latencies[kind].append(ended - started)
                self.statuses[f"{kind} {status}"] += 1

    def error(self, *, user: str, kind: str, url: str, reason: str, **extra) -> None:
        with self.lock:
            self.errors.append(
                {"user": user, "kind": kind, "url": url, "reason": reason, "at": time.time()}
                | extra
            )

    def accept(self, user: str, question_id: int) -> None:
        with self.lock:
            self.accepted.add((user, question_id))

    def was_accepted(self, user: str, question_id: int) -> bool:
        with self.lock:
            return (user, question_id) in self.accepted

    def finish(self, user: str) -> None:
        with self.lock:
            self.finished.add(user)

    def ran_out_of_time(self, user: str) -> None:
        with self.lock:
            self.out_of_time.add(user)

    def progress(self) -> tuple[int, int, int]:
        with self.lock:
            return self.requests, len(self.errors), len(self.finished)


# --------------------------------------------------------------------------- learners


@dataclass(frozen=True)
class Plan:
    base_url: str
    first_module_url: str
    quiz_module_url: str
    quiz_slug: str


class _Stop(Exception):
    """Ends one learner's run; the reason has been recorded already."""


class _OutOfTime(Exception):
    pass


class Learner:
    def __init__(
        self,
        *,
        username: str,
        password: str,
        plan: Plan,
        recorder: Recorder,
        deadline: float,
        rng: random.Random,
        session_key: str | None = None,
    ) -> None:
        import requests

        self.session_key = session_key
        self.username = username
        self.password = password
        self.plan = plan
        self.recorder = recorder
        self.deadline = deadline
        self.rng = rng
        self.session = requests.Session()
        # Never through a proxy from the environment: the target is this machine.
        self.session.trust_env = False

    def call(self, kind: str, method: str, path: str, data=None, expect=(200,)):
        """One request, never retried. Anything but an expected status stops the learner."""
        import requests

        if time.monotonic() >= self.deadline:
            raise _OutOfTime
        url = self.plan.base_url + urlsplit(path)._replace(scheme="", netloc="").geturl()
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
            )
        except requests.Timeout as error:
            self.recorder.request(kind, started, time.monotonic(), None)
            self.fail(kind, url, f"timeout: {type(error).__name__}", started=started)
        except requests.RequestException as error:
            self.recorder.request(kind, started, time.monotonic(), None)
            self.fail(kind, url, f"exception: {type(error).__name__}: {error}", started=started)
        self.recorder.request(kind, started, time.monotonic(), response.status_code)
        if not 200 <= response.status_code < 400:
            self.fail(
                kind,
                url,
                f"HTTP {response.status_code}",
                status=response.status_code,
                body=response.text[:300],
                started=started,
            )
        if response.status_code not in expect:
            self.fail(
                kind,
                url,
                f"unexpected HTTP {response.status_code}",
                status=response.status_code,
                location=response.headers.get("Location"),
                started=started,
            )
        return response

    def fail(self, kind: str, url: str, reason: str, **extra):
        if "started" in extra:
            extra["elapsed_s"] = round(time.monotonic() - extra.pop("started"), 3)
        self.recorder.error(user=self.username, kind=kind, url=url, reason=reason, **extra)
        raise _Stop

    def run(self) -> None:
        try:
            self._flow()
        except _OutOfTime:
            self.recorder.ran_out_of_time(self.username)
        except _Stop:
            pass
        except Exception as error:  # a bug in this client, not in the server
            self.recorder.error(
                user=self.username,
                kind="client",
                url="",
                reason=f"client error: {type(error).__name__}: {error}",
            )
        finally:
            self.session.close()

    def _flow(self) -> None:
        plan = self.plan
        if self.session_key:
            host = urlsplit(plan.base_url).hostname
            self.session.cookies.set("sessionid", self.session_key, domain=host, path="/")
        else:
            self._login()
        self._learn()

    def _login(self) -> None:
        page = self.call("login_page", "GET", "/accounts/login/")
        form = parse_login_form(page.text)
        if form is None:
            self.fail("login_page", page.url, "no login form on the page")
        data = [*form.hidden_data(), ("username", self.username), ("password", self.password)]
        response = self.call("login", "POST", form.action or "/accounts/login/", data, (302,))
        if "sessionid" not in self.session.cookies:
            self.fail("login", response.url, "logged in without a session cookie")

    def _learn(self) -> None:
        plan = self.plan
        self.call("dashboard", "GET", "/")
        self.call("module", "GET", plan.first_module_url)
        page = self.call("module", "GET", plan.quiz_module_url)
        form = parse_start_form(page.text, plan.quiz_slug)
        if form is None:
            self.fail("module", page.url, "no form to start the quiz on the quiz module")
        response = self.call("quiz_start", "POST", form.action, form.hidden_data(), (302,))
        location = response.headers.get("Location", "")
        if urlsplit(location).path != take_path(plan.quiz_slug):
            self.fail("quiz_start", response.url, f"start redirected to {location!r}")

        for _ in range(MAX_QUESTIONS):
            if is_result_location(location):
                self.call("result", "GET", location)
                self.recorder.finish(self.username)
                return
            page = self.call("quiz_page", "GET", location)
            try:
                question = parse_question(page.text)
            except ParseError as error:
                self.fail("quiz_page", page.url, f"unreadable question form: {error}")
            if question is None:
                self.fail("quiz_page", page.url, "no question form on the take page")
            if self.recorder.was_accepted(self.username, question.question_id):
                self.fail(
                    "quiz_page",
                    page.url,
                    f"question {question.question_id} asked again after it was accepted",
                )
            response = self.call(
                "quiz_answer",
                "POST",
                take_path(plan.quiz_slug),
                answer_data(question, self.rng),
                (200, 302),
            )
            location = response.headers.get("Location", "")
            if not is_accepted(
                response.status_code,
                location,
                question_id=question.question_id,
                quiz_slug=plan.quiz_slug,
            ):
                self.fail(
                    "quiz_answer",
                    response.url,
                    f"answer to question {question.question_id} not accepted",
                    status=response.status_code,
                    location=location,
                )
            self.recorder.accept(self.username, question.question_id)
        self.fail("quiz_page", location, f"more than {MAX_QUESTIONS} questions")


# --------------------------------------------------------------------------- set-up


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


def server_env(
    config: Config, *, secret_key: str, media_root: str, cache_prefix: str
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in LIBPQ_REDIRECTS and key not in {"REDIS_URL", "CSRF_TRUSTED_ORIGINS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secret_key,
        HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=config.database_url,
        DEBUG="false",
        TASKS_BACKEND="immediate",
        # The seed writes cover images; keep them out of the developers' media folder.
        MEDIA_ROOT=media_root,
        PYTHONUNBUFFERED="1",
    )
    # Production settings refuse a local base URL; no e-mail link is followed here.
    env.setdefault("WAGTAILADMIN_BASE_URL", "https://lms.loadtest.internal")
    if config.redis_url:
        env.update(REDIS_URL=config.redis_url, CACHE_KEY_PREFIX=cache_prefix)
    return env


def recreate_database(config: Config) -> None:
    import psycopg
    from psycopg import sql

    name = sql.Identifier(config.database_name)
    try:
        with psycopg.connect(
            admin_database_url(config.database_url), autocommit=True, connect_timeout=5
        ) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except psycopg.Error as error:
        raise LoadTestError(f"could not recreate the database: {error}") from error


def run_step(title: str, command: list[str], *, env: dict[str, str], log: Path) -> str:
    print(f"  {title} …", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(command[:3])} …\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise LoadTestError(f"{title} failed (exit {result.returncode}):\n{tail}")
    print(f"    done in {time.monotonic() - started:.1f} s", flush=True)
    return result.stdout


# Runs in a subprocess with the server's environment; prints the plan as one JSON line.
LEARNER_SETUP = """
import json, os, sys
import django
django.setup()
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from courses.models import CoursePage, ModulePage
from lms.people import roles
from lms.people.models import Department, User
from lms.quizzes.models import Quiz

count, prefix, department_slug, course_slug, quiz_slug = sys.argv[1:6]
with transaction.atomic():
    password = make_password(os.environ["LOADTEST_PASSWORD"])
    department = Department.objects.get(slug=department_slug)
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}{number:04d}",
            password=password,
            first_name="Load",
            last_name=f"Test {number}",
            email=f"{prefix}{number:04d}@example.com",
            department=department,
        )
        for number in range(1, int(count) + 1)
    )
    group = Group.objects.get(name=roles.EMPLOYEES)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=group.pk) for user in users
    )
# Learners who are already logged in, as during a bootcamp week: password hashing
# (about 0.5 s of CPU per login by design) is not what this test measures.
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.db import SessionStore

# The backend a sign-in would store: the first that loads users. django-axes' backend,
# first in the list, only refuses locked-out sign-ins and loads nobody.
backend = next(
    path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
)
sessions = {}
for user in users:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions[user.username] = store.session_key
course = CoursePage.objects.live().get(slug=course_slug)
modules = list(ModulePage.objects.child_of(course).live().order_by("path"))
quiz = Quiz.objects.get(slug=quiz_slug)
quiz_modules = [module for module in modules if module.quiz_id == quiz.pk]
problems = []
if not quiz_modules:
    problems.append(f"no live module of {course_slug} has the quiz {quiz_slug}")
if course.required_guidelines.exists():
    problems.append("the course requires accepted guidelines first")
if quiz.draft or quiz.answers_at_end or quiz.time_limit_minutes:
    problems.append("the quiz must be published, without time limit, with feedback per question")
print("LOADTEST-PLAN " + json.dumps({
    "users": [user.username for user in users],
    "sessions": sessions,
    "first_module_url": modules[0].get_url() if modules else None,
    "quiz_module_url": quiz_modules[0].get_url() if quiz_modules else None,
    "questions": quiz.quiz_questions.count(),
    "problems": problems,
}))
"""


def create_learners(
    config: Config, *, env: dict[str, str], password: str, log: Path
) -> dict[str, object]:
    output = run_step(
        f"Creating {config.users} learners",
        [
            sys.executable,
            "-c",
            LEARNER_SETUP,
            str(config.users),
            USERNAME_PREFIX,
            LEARNER_DEPARTMENT,
            COURSE_SLUG,
            QUIZ_SLUG,
        ],
        env=env | {"LOADTEST_PASSWORD": password},
        log=log,
    )
    lines = [line for line in output.splitlines() if line.startswith("LOADTEST-PLAN ")]
    if not lines:
        raise LoadTestError("the learner set-up printed no plan")
    plan = json.loads(lines[-1].removeprefix("LOADTEST-PLAN "))
    if plan["problems"]:
        raise LoadTestError("the seeded content does not fit: " + "; ".join(plan["problems"]))
    return plan


def gunicorn_command(config: Config) -> list[str]:
    script = Path(sys.executable).with_name("gunicorn")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return [
        *launcher,
        "lms.wsgi:application",
        "--bind",
        f"{config.host}:{config.port}",
        "--workers",
        str(config.workers),
        "--threads",
        str(config.threads),
        "--graceful-timeout",
        "5",
        # Gunicorn 27 would otherwise create ~/.gunicorn/gunicorn.ctl.
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s pid=%(p)s "%(r)s" %(s)s %(B)s %(M)sms',
    ]


def start_server(config: Config, *, env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    try:
        # A session of its own, so that a stuck server can be killed with its workers.
        return subprocess.Popen(
            gunicorn_command(config),
            cwd=BASE_DIR,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        handle.close()


def wait_until_ready(config: Config, server: subprocess.Popen, log: Path) -> None:
    import requests

    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LoadTestError(f"gunicorn exited with {server.returncode}:\n{tail(log)}")
        try:
            if session.get(config.base_url + "/accounts/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise LoadTestError(f"gunicorn did not answer within {SERVER_START_TIMEOUT:.0f} s")


def warm_up(config: Config) -> None:
    """Concurrent anonymous requests, so that every worker has loaded the URLconf and
    templates before the clock starts (a cold worker answers its first requests
    seconds late). Not counted in the results."""
    import requests

    def fetch(_number: int) -> None:
        with requests.Session() as session:
            session.trust_env = False
            # A server that does not answer is reported by the load itself.
            with contextlib.suppress(requests.RequestException):
                session.get(config.base_url + "/accounts/login/", timeout=REQUEST_TIMEOUT)

    with ThreadPoolExecutor(max_workers=config.workers * config.threads) as pool:
        for _round in range(2):
            list(pool.map(fetch, range(config.workers * config.threads * 2)))


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The server's own process group (start_new_session): its master and workers.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=SERVER_STOP_TIMEOUT)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


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


# --------------------------------------------------------------------------- load


def run_load(
    config: Config,
    plan: Plan,
    usernames: list[str],
    password: str,
    sessions: dict[str, str] | None = None,
) -> Recorder:
    """All learners at once, each in its own thread, until done or out of time."""
    recorder = Recorder()
    learners = [
        Learner(
            username=username,
            password=password,
            plan=plan,
            recorder=recorder,
            deadline=math.inf,  # set when all threads are ready to go
            rng=random.Random(f"{config.seed}-{username}"),
            session_key=None if config.login else (sessions or {}).get(username),
        )
        for username in usernames
    ]
    go = threading.Event()

    def work(learner: Learner, delay: float) -> None:
        go.wait()
        time.sleep(delay)
        learner.run()

    threads = [
        threading.Thread(
            target=work,
            args=(learner, config.ramp_up * number / len(learners)),
            name=learner.username,
            daemon=True,
        )
        for number, learner in enumerate(learners)
    ]
    for thread in threads:
        thread.start()
    recorder.load_started = time.monotonic()
    for learner in learners:
        learner.deadline = recorder.load_started + config.duration
    go.set()

    hard_deadline = recorder.load_started + config.duration + GRACE
    next_report = recorder.load_started + 10
    while (now := time.monotonic()) < hard_deadline:
        alive = [thread for thread in threads if thread.is_alive()]
        if not alive:
            break
        alive[0].join(timeout=min(0.5, hard_deadline - now))
        if time.monotonic() >= next_report:
            requests_done, errors, finished = recorder.progress()
            print(
                f"  {time.monotonic() - recorder.load_started:4.0f} s: {requests_done} requests, "
                f"{errors} errors, {finished}/{len(learners)} learners finished",
                flush=True,
            )
            next_report += 10
    recorder.load_ended = time.monotonic()
    for thread in threads:
        if thread.is_alive():
            recorder.error(
                user=thread.name, kind="client", url="", reason="still running at the hard limit"
            )
    return recorder


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


# --------------------------------------------------------------------------- main


def run(config: Config) -> int:
    config.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    setup_log = config.results_dir / f"loadtest-{stamp}-setup.log"
    server_log = config.results_dir / f"loadtest-{stamp}-gunicorn.log"
    summary_file = config.results_dir / f"loadtest-{stamp}.json"
    ensure_port_free(config.host, config.port)
    if config.redis_url:
        check_redis_answers(config.redis_url)
    # Its own key prefix: nothing cached by another run or another app is read or touched.
    cache_prefix = f"bootcamp-loadtest-{stamp}-{secrets.token_hex(4)}"

    media_root = tempfile.mkdtemp(prefix="bootcamp-loadtest-media-")
    env = server_env(
        config,
        secret_key=secrets.token_urlsafe(50),
        media_root=media_root,
        cache_prefix=cache_prefix,
    )
    password = secrets.token_urlsafe(16)
    manage = [sys.executable, "manage.py"]
    try:
        print(f"Set-up (log: {setup_log.relative_to(BASE_DIR)})", flush=True)
        print(f"  Recreating database {config.database_name} …", flush=True)
        recreate_database(config)
        run_step("migrate", [*manage, "migrate", "--noinput"], env=env, log=setup_log)
        run_step(
            "seed_bootcamp", [*manage, "seed_bootcamp", "--demo-users"], env=env, log=setup_log
        )
        run_step("collectstatic", [*manage, "collectstatic", "--noinput"], env=env, log=setup_log)
        setup = create_learners(config, env=env, password=password, log=setup_log)
        plan = Plan(
            base_url=config.base_url,
            first_module_url=setup["first_module_url"],
            quiz_module_url=setup["quiz_module_url"],
            quiz_slug=QUIZ_SLUG,
        )

        print(f"Starting gunicorn (log: {server_log.relative_to(BASE_DIR)})", flush=True)
        server = start_server(config, env=env, log=server_log)
        try:
            wait_until_ready(config, server, server_log)
            warm_up(config)
            print(
                f"Load: {config.users} learners, {setup['questions']} questions each, "
                f"at most {config.duration:g} s",
                flush=True,
            )
            recorder = run_load(
                config, plan, setup["users"], password, sessions=setup.get("sessions")
            )
        finally:
            stop_server(server)

        stored, sittings = stored_answers(config, setup["users"])
        with recorder.lock:
            accepted = set(recorder.accepted)
        comparison = compare_answers(accepted, stored)
        summary = summarize(config, recorder, comparison, sittings, users=len(setup["users"]))
        summary["logs"] = {
            "setup": str(setup_log.relative_to(BASE_DIR)),
            "gunicorn": str(server_log.relative_to(BASE_DIR)),
        }
        print_summary(summary)
        summary_file.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        print(f"Summary written to {summary_file.relative_to(BASE_DIR)}")
        return 0 if summary["passed"] else 1
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
        if config.redis_url:
            with contextlib.suppress(Exception):  # a clean-up; the result is already out
                print(f"Removed {forget_cache(config.redis_url, cache_prefix)} cache keys.")


def main(argv: list[str] | None = None) -> int:
    try:
        config = make_config(parse_args(argv))
        for name in LIBPQ_REDIRECTS:
            os.environ.pop(name, None)
        return run(config)
    except LoadTestError as error:
        print(f"loadtest: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loadtest: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
