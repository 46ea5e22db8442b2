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
from lms.demo.bench.database import BenchDatabase, clear_process_caches
from lms.demo.bench.domain import User
from lms.demo.bench.generation import generate, has_generated, row_counts
from lms.demo.bench.measurement import RequestResult, TargetResult, check_targets, measure


@dataclass
class ScaleRun:
    scale: Scale
    database: dict[str, str]
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
        same = all(row["same"] for row in self.comparison or [])
        return same and all(run.passed for run in self.runs)


def run_scale(
    *,
    scale: Scale,
    target: BenchDatabase | None,
    keep_db: bool,
    quick: bool,
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
    warmup, runs = (1, 5) if quick else (3, 30)
    report(f"Measuring ({warmup} warm-up runs, {runs} timed runs per request) …")
    load_before = _load_average()
    started = time.perf_counter()
    cast, results = measure(warmup=warmup, runs=runs, report=report)
    durations["measure_s"] = round(time.perf_counter() - started, 2)
    # Timings are wall-clock: other work on the machine shows up in them.
    durations["load_average"] = {"before": load_before, "after": _load_average()}
    return ScaleRun(
        scale=scale,
        database={"vendor": connection.vendor, "name": target.label if target else "in place"},
        reused_database=reused,
        durations=durations,
        counts=counts,
        cast=asdict(cast),
        requests=results,
        targets=check_targets(results),
    )


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
    report: Progress = no_progress,
) -> BenchOutcome:
    """Every scale in turn, each in a fresh database (or the current one: target None)."""
    if target is None and len(scales) > 1:
        raise ValueError("Comparing scales needs a separate database: drop --in-place.")
    runs = []
    # Production settings for the measurement: no debug cursor, no debug templates.
    # The test client's host is allowed here instead of with setup_test_environment(),
    # which would also instrument template rendering.
    overrides: dict[str, Any] = {
        "DEBUG": False,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        # As in production, where the cache is shared (Redis, see settings): the bench is
        # one process, so its memory cache is shared by every request it makes.
        "LMS_LEARNER_CACHE": True,
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        # Publishing the bench's guideline notifies every employee in scope: 50,000 e-mails
        # to the console would be most of the generation's time and all of its output.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    if target is not None:
        # A cache of its own: a shared one (Redis with REDIS_URL) would serve values
        # computed from the developer's database and keep values from the bench's.
        overrides["CACHES"] = {
            alias: {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"bench-{alias}",
            }
            for alias in settings.CACHES
        }
    with override_settings(**overrides):
        try:
            for scale in scales:
                report(f"== {scale.employees:,} employees ==")
                runs.append(
                    run_scale(
                        scale=scale, target=target, keep_db=keep_db, quick=quick, report=report
                    )
                )
        finally:
            if target is not None and not keep_db:
                target.drop()
    comparison = compare_queries(runs) if len(runs) > 1 else None
    return BenchOutcome(runs=runs, comparison=comparison)


def compare_queries(runs: list[ScaleRun]) -> list[dict[str, Any]]:
    rows = []
    for index, result in enumerate(runs[0].requests):
        counts = {run.scale.employees: run.requests[index].queries for run in runs}
        rows.append(
            {
                "request": result.name,
                "queries": {str(size): count for size, count in counts.items()},
                "same": len(set(counts.values())) == 1 and None not in counts.values(),
            }
        )
    return rows
