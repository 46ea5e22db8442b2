"""The run: (re)create the PostgreSQL database, migrate, seed the demo bootcamp,
collect the static files, create the learner accounts, start gunicorn on 127.0.0.1
with the production settings (HTTPS=false) and Redis as the shared cache, let the
learners loose, measure the CPU that gunicorn, this client and the machine spent,
then compare and report."""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from loadtest.client import REQUEST_TIMEOUT, Plan, run_load
from loadtest.options import (
    BASE_DIR,
    COURSE_SLUG,
    LEARNER_DEPARTMENT,
    LIBPQ_REDIRECTS,
    QUIZ_SLUG,
    USERNAME_PREFIX,
    Config,
    LoadTestError,
)
from loadtest.report import (
    compare_answers,
    machine_was_busy,
    print_summary,
    stored_answers,
    summarize,
)

SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 10.0


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


def is_seeded(config: Config) -> bool:
    """Whether the database holds the seeded course of an earlier run."""
    import psycopg

    try:
        with psycopg.connect(config.database_url, connect_timeout=5) as connection:
            return bool(
                connection.execute(
                    "SELECT EXISTS (SELECT 1 FROM quizzes_quiz WHERE slug = %s)", (QUIZ_SLUG,)
                ).fetchone()[0]
            )
    except psycopg.Error:  # no such database, or not migrated
        return False


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

import time
count, prefix, department_slug, course_slug, quiz_slug, make_sessions = sys.argv[1:7]
# One real hash of the shared password with the default hasher and iterations, shared by
# all accounts (hashing it 300 times would take minutes); every login still verifies it.
started = time.process_time()
password = make_password(os.environ["LOADTEST_PASSWORD"])
hash_ms = 1000 * (time.process_time() - started)
with transaction.atomic():
    # An earlier run's learners (--reuse-database), with their attempts and sessions.
    User.objects.filter(username__startswith=prefix).delete()
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
# With --logged-in: learners who are already logged in, so that no login is measured.
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.sessions.backends.db import SessionStore

# The backend a sign-in would store: the first that loads users. django-axes' backend,
# first in the list, only refuses locked-out sign-ins and loads nobody.
backend = next(
    path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
)
sessions = {}
for user in users if make_sessions == "1" else []:
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
if quiz.draft or not quiz.feedback_after_each or quiz.time_limit_minutes:
    problems.append("the quiz must be published, without time limit, with feedback per question")
print("LOADTEST-PLAN " + json.dumps({
    "users": [user.username for user in users],
    "sessions": sessions,
    "first_module_url": modules[0].get_url() if modules else None,
    "quiz_module_url": quiz_modules[0].get_url() if quiz_modules else None,
    "questions": quiz.quiz_questions.count(),
    "password_hash_ms": round(hash_ms, 1),
    "password_hasher": password.split("$", 1)[0],
    "password_iterations": int(password.split("$")[1]),
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
            "0" if config.login else "1",
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


def keep_alive(config: Config) -> int:
    """Seconds gunicorn keeps an idle connection: 10 s more than the longest pause."""
    think = config.think
    return math.ceil(max(think.glance.high, think.read.high, think.answer.high)) + 10


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
        # Idle connections stay open longer than a learner pauses, as a browser's and a
        # proxy's do: with gunicorn's default of 2 s, a POST sent after a 2 s pause raced
        # the server closing the idle connection and was reset (seen on login and
        # quiz_answer).
        "--keep-alive",
        str(keep_alive(config)),
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (gunicorn's master and
    workers), read from /proc; 0.0 where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    family = {pid}
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # Fields after the command name, which is in parentheses and may hold spaces.
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
    changed = True
    while changed:
        changed = False
        for child, fields in stats.items():
            if child not in family and int(fields[1]) in family:
                family.add(child)
                changed = True
    for member in family:
        if member in stats:
            fields = stats[member]
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def git_commit() -> str:
    """The checked-out commit, with '-dirty' when tracked files differ from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def service_versions(config: Config) -> dict[str, str | None]:
    import psycopg

    versions: dict[str, str | None] = {"postgresql": None, "redis": None}
    with (
        contextlib.suppress(psycopg.Error),
        psycopg.connect(config.database_url, connect_timeout=5) as connection,
    ):
        versions["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    if config.redis_url:
        import redis

        with contextlib.suppress(redis.RedisError):
            info = redis.Redis.from_url(config.redis_url, socket_connect_timeout=3).info("server")
            versions["redis"] = info.get("redis_version")
    return versions


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
        reuse = config.reuse_database and is_seeded(config)
        if reuse:
            print(f"  Reusing the seeded database {config.database_name}", flush=True)
        else:
            print(f"  Recreating database {config.database_name} …", flush=True)
            recreate_database(config)
        run_step("migrate", [*manage, "migrate", "--noinput"], env=env, log=setup_log)
        if not reuse:
            run_step(
                "seed_bootcamp",
                [*manage, "seed_bootcamp", "--demo-users"],
                env=env,
                log=setup_log,
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
            load_before = os.getloadavg()
            busy_before = machine_busy_ticks()
            server_before = cpu_seconds(server.pid)
            client_before = time.process_time()
            recorder = run_load(
                config, plan, setup["users"], password, sessions=setup.get("sessions")
            )
            client_cpu = time.process_time() - client_before
            server_cpu = cpu_seconds(server.pid) - server_before
            busy_after = machine_busy_ticks()
            load_after = os.getloadavg()
        finally:
            stop_server(server)

        stored, sittings = stored_answers(config, setup["users"])
        with recorder.lock:
            accepted = set(recorder.accepted)
        comparison = compare_answers(accepted, stored)
        summary = summarize(config, recorder, comparison, sittings, users=len(setup["users"]))
        busy = busy_after[0] - busy_before[0]
        ticks = busy_after[1] - busy_before[1]
        summary["git_commit"] = git_commit()
        summary["services"] = service_versions(config)
        summary["config"]["gunicorn_worker_class"] = "gthread" if config.threads > 1 else "sync"
        summary["config"]["gunicorn_keep_alive_s"] = keep_alive(config)
        summary["password"] = {
            "hasher": setup["password_hasher"],
            "iterations": setup["password_iterations"],
            "hash_ms": setup["password_hash_ms"],
        }
        summary["machine"] = {
            "cpus": os.cpu_count(),
            "load_before": [round(value, 2) for value in load_before],
            "load_after": [round(value, 2) for value in load_after],
            # All processes of the machine, other sessions' included.
            "cpu_busy_percent": round(100 * busy / ticks, 1) if ticks else None,
            "server_cpu_s": round(server_cpu, 1),
            # Logins included: of these, password_hash_ms per login is PBKDF2.
            "server_cpu_ms_per_request": round(1000 * server_cpu / summary["requests"], 1)
            if summary["requests"]
            else None,
            "client_cpu_s": round(client_cpu, 1),
            "password_hash_ms": setup["password_hash_ms"],
        }
        summary["machine"]["busy_before_load"] = machine_was_busy(summary["machine"])
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
