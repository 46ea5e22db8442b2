"""One bench run: per scale, prepare the database, generate (unless reused), measure."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from lms.demo.bench.company import Progress, Scale, no_progress
from lms.demo.bench.database import BenchDatabase, clear_process_caches, use_database
from lms.demo.bench.domain import User
from lms.demo.bench.generation import generate, has_generated, row_counts
from lms.demo.bench.measurement import (
    GROWTH_LIMIT,
    WHOLE_COMPANY_EXPORTS,
    RequestResult,
    TargetResult,
    check_targets,
    measure,
)


@dataclass
class ScaleRun:
    scale: Scale
    database: dict[str, str]
    cache: str
    cache_label: str
    reused_database: bool
    durations: dict[str, Any]
    counts: dict[str, int]
    cast: dict[str, Any]
    requests: list[RequestResult]
    targets: list[TargetResult]

    @property
    def passed(self) -> bool:
        return all(target.passed for target in self.targets)


@dataclass
class BenchOutcome:
    runs: list[ScaleRun]
    comparison: list[dict[str, Any]] | None
    path: Path | None = None

    @property
    def passed(self) -> bool:
        same = all(row["same"] and row["growth_ok"] for row in self.comparison or [])
        return same and all(run.passed for run in self.runs)


GENERATION_SCALE = 50_000
GENERATION_LIMIT_S = 180.0

CACHE_MODES = ("none", "local", "redis")
CACHE_LABELS = {
    "none": "none — the default install: no per-learner cache, sessions in the database, "
    "a memory cache per process",
    "local": "local — the per-learner cache and cached sessions in this process's memory "
    "(one process only: not a layout for several workers)",
    "redis": "redis — the shared-cache layout: per-learner cache and cached sessions in Redis",
}


def default_cache_mode() -> str:
    """What the settings give: Redis with the per-learner cache when REDIS_URL is set."""
    if getattr(settings, "LMS_LEARNER_CACHE", False):
        return "redis" if os.environ.get("REDIS_URL") else "local"
    return "none"


@dataclass
class CacheLayout:
    mode: str
    overrides: dict[str, Any]
    redis_url: str | None = None
    key_prefix: str | None = None

    @property
    def learner_cache(self) -> bool:
        return self.mode != "none"

    @property
    def label(self) -> str:
        where = f" at {self.redis_url}" if self.redis_url else ""
        return CACHE_LABELS[self.mode] + where

    def forget(self) -> None:
        """Remove the bench's keys from Redis (only its own prefix)."""
        if not self.redis_url or not self.key_prefix:
            return
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
                client.delete(key)
        finally:
            client.close()


def cache_layout(*, mode: str, redis_url: str | None = None) -> CacheLayout:
    if mode not in CACHE_MODES:
        raise ValueError(f"--cache takes one of {', '.join(CACHE_MODES)}, not {mode!r}.")
    if mode == "redis":
        url = redis_url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        # A prefix of its own: the bench never reads or overwrites anyone else's keys.
        prefix = f"bench-{os.getpid()}-{int(time.time())}"
        caches = {
            alias: {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,
            }
            for alias in settings.CACHES
        }
        return CacheLayout(
            mode=mode,
            overrides={
                "CACHES": caches,
                "LMS_LEARNER_CACHE": True,
                "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
            },
            redis_url=url,
            key_prefix=prefix,
        )
    caches = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"bench-{alias}",
        }
        for alias in settings.CACHES
    }
    if mode == "local":
        return CacheLayout(
            mode=mode,
            overrides={
                "CACHES": caches,
                "LMS_LEARNER_CACHE": True,
                "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
            },
        )
    return CacheLayout(
        mode=mode,
        overrides={
            "CACHES": caches,
            "LMS_LEARNER_CACHE": False,
            "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        },
    )


def run_scale(
    *,
    scale: Scale,
    target: BenchDatabase | None,
    keep_db: bool,
    quick: bool,
    layout: CacheLayout,
    overrides: dict[str, Any],
    cold: bool = True,
    runs: int | None = None,
    report: Progress = no_progress,
) -> ScaleRun:
    """Prepare the database, generate the company (unless reused) and measure."""
    durations: dict[str, Any] = {}
    started = time.perf_counter()
    reused = False
    if target is not None:
        if keep_db and target.exists():
            call_command("migrate", verbosity=0, interactive=False)
            reused = has_generated(scale=scale)
        if not reused:
            report(f"Creating {target.label} …")
            target.recreate()
            clear_process_caches()
            durations["database_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            call_command("migrate", verbosity=0, interactive=False)
            durations["migrate_s"] = round(time.perf_counter() - started, 2)
            report(f"  migrated in {durations['migrate_s']:.1f} s")
    if reused:
        report(f"Reusing the {scale.employees:,}-employee company in {target.label} (--keep-db).")
    else:
        if target is None and User.objects.exists():
            raise RuntimeError(
                "--in-place needs an empty database (no users): it would mix bench data "
                "into real data."
            )
        report(
            f"Generating {scale.employees:,} employees, {scale.departments} departments, "
            f"{scale.courses} courses × {scale.modules_per_course} modules …"
        )
        started = time.perf_counter()
        company = generate(scale=scale, report=report)
        durations["generate_s"] = round(time.perf_counter() - started, 2)
        durations["generate_steps_s"] = company.durations
        report(f"Generated in {durations['generate_s']:.1f} s.")
    counts = row_counts()
    # Start cold: bulk inserts send no signals, so nothing cached may survive them.
    clear_process_caches()
    layout.forget()
    warmup, timed = (2, 20) if quick else (3, 200)
    timed = runs or timed
    report(f"Measuring ({warmup} warm-up runs, {timed} timed rounds per request) …")
    load_before = _load_average()
    started = time.perf_counter()
    cast, specs, results = measure(warmup=warmup, runs=timed, report=report)
    durations["measure_s"] = round(time.perf_counter() - started, 2)
    load_after = _load_average()
    if cold and target is not None:
        started = time.perf_counter()
        _measure_cold(specs, results, database=target.config, overrides=overrides, report=report)
        durations["cold_s"] = round(time.perf_counter() - started, 2)
    # Timings are wall-clock: other work on the machine shows up in them.
    durations["load_average"] = {"before": load_before, "after": load_after}
    return ScaleRun(
        scale=scale,
        database={"vendor": connection.vendor, "name": target.label if target else "in place"},
        cache=layout.mode,
        cache_label=layout.label,
        reused_database=reused,
        durations=durations,
        counts=counts,
        cast=asdict(cast),
        requests=results,
        targets=check_targets(results, learner_cache=layout.learner_cache)
        + _generation_target(scale=scale, seconds=durations.get("generate_s")),
    )


def _generation_target(*, scale: Scale, seconds: float | None) -> list[TargetResult]:
    """From 50,000 employees up: generation within 3 minutes per 50,000 (when it ran)."""
    if seconds is None or scale.employees < GENERATION_SCALE:
        return []
    limit = round(GENERATION_LIMIT_S * scale.employees / GENERATION_SCALE)
    return [
        TargetResult(
            "generation",
            f"{scale.employees:,} employees generated within {limit} s",
            seconds,
            limit,
            seconds <= limit,
        )
    ]


def _measure_cold(specs, results, *, database, overrides, report) -> None:
    """Every GET's first request in a process of its own, with a session made here."""
    from lms.demo.bench.cold import ColdRequest, ColdTiming, cold_requests
    from lms.demo.bench.measurement import Clients

    users = User.objects.in_bulk({v.user_id for s in specs for v in s.samples[:1] if v.user_id})
    clients = Clients(users)
    requests = []
    for spec in specs:
        if spec.method != "GET":
            continue
        variant = spec.samples[0]
        session = None
        if variant.user_id is not None:
            cookie = clients.of(variant.user_id).cookies.get(settings.SESSION_COOKIE_NAME)
            session = cookie.value if cookie else None
        requests.append(ColdRequest(spec.name, spec.method, variant.path, session))
    timings = cold_requests(requests, database=database, overrides=overrides, report=report)
    for result in results:
        timing = timings.get(result.name)
        if isinstance(timing, ColdTiming):
            result.cold_ms, result.cold_warm_ms = timing.first_ms, timing.warm_ms
            result.cold_ratio = timing.ratio
        elif isinstance(timing, str) and not result.error:
            result.error = timing


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run(
    *,
    scales: list[Scale],
    target: BenchDatabase | None,
    keep_db: bool = False,
    quick: bool = False,
    cache: str | None = None,
    redis_url: str | None = None,
    cold: bool = True,
    runs: int | None = None,
    report: Progress = no_progress,
) -> BenchOutcome:
    """Every scale in turn, each in a fresh database (or the current one: target None)."""
    if target is None and len(scales) > 1:
        raise ValueError("Comparing scales needs a separate database: drop --in-place.")
    layout = cache_layout(mode=cache or default_cache_mode(), redis_url=redis_url)
    report(f"Cache: {layout.label}")
    runs_done = []
    # Production settings for the measurement: no debug cursor, no debug templates.
    # The test client's host is allowed here instead of with setup_test_environment(),
    # which would also instrument template rendering.
    overrides: dict[str, Any] = {
        "DEBUG": False,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        # Publishing the bench's guideline notifies every employee in scope: 50,000 e-mails
        # to the console would be most of the generation's time and all of its output.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    if target is not None:
        # The cache layout asked for, with a cache of the bench's own: a shared one as the
        # settings give it would serve values computed from the developer's database.
        overrides.update(layout.overrides)
    else:
        # --in-place (the tests): the settings' own caches, the learner cache as asked.
        overrides.update(
            {k: v for k, v in layout.overrides.items() if k != "CACHES"},
        )
    with override_settings(**overrides):
        for scale in scales:
            report(f"== {scale.employees:,} employees ==")
            # Several scales: a database each, so --keep-db keeps (and reuses) every one.
            scale_target = (
                target.for_scale(scale.employees)
                if target is not None and len(scales) > 1
                else target
            )
            previous = use_database(scale_target.config) if scale_target is not target else None
            try:
                runs_done.append(
                    run_scale(
                        scale=scale,
                        target=scale_target,
                        keep_db=keep_db,
                        quick=quick,
                        layout=layout,
                        overrides=overrides,
                        cold=cold,
                        runs=runs,
                        report=report,
                    )
                )
            finally:
                layout.forget()
                if scale_target is not None and not keep_db:
                    scale_target.drop()
                if previous is not None:
                    use_database(previous)
    comparison = compare_queries(runs_done) if len(runs_done) > 1 else None
    return BenchOutcome(runs=runs_done, comparison=comparison)


def compare_queries(runs: list[ScaleRun]) -> list[dict[str, Any]]:
    """Per request: queries at each scale (must be equal) and p50 growth, smallest to largest
    (≤ GROWTH_LIMIT for everything but the whole-company exports, whose rows grow with it)."""
    rows = []
    first, last = runs[0], runs[-1]
    for index, result in enumerate(first.requests):
        counts = {run.scale.employees: run.requests[index].queries for run in runs}
        p50s = {run.scale.employees: run.requests[index].p50_ms for run in runs}
        low, high = p50s[first.scale.employees], p50s[last.scale.employees]
        growth = round(high / low, 2) if low and high else None
        judged = result.name not in WHOLE_COMPANY_EXPORTS
        rows.append(
            {
                "request": result.name,
                "queries": {str(size): count for size, count in counts.items()},
                "same": len(set(counts.values())) == 1 and None not in counts.values(),
                "p50_ms": {str(size): p50 for size, p50 in p50s.items()},
                "growth": growth,
                "growth_judged": judged,
                "growth_ok": (not judged) or (growth is not None and growth <= GROWTH_LIMIT),
            }
        )
    return rows
