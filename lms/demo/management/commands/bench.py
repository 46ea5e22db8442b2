"""`python manage.py bench`: generate a synthetic company and time the key requests.

The work is in the lms/demo/bench/ package; this command parses options, switches the database
and prints. By default it runs in a fresh SQLite file, bench/bench.sqlite3, created and
deleted by each run, so the developer's db.sqlite3 is never touched. The switch happens
in `execute`, before Django runs a single query, by replacing
settings.DATABASES["default"] for this process only.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from lms.demo import bench


def _scales(value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--compare-scales takes sizes such as 1000,10000.") from None
    if len(sizes) < 2:
        raise CommandError("--compare-scales needs at least two sizes, such as 1000,10000.")
    return sizes


class Command(BaseCommand):
    help = (
        "Generate a synthetic company (default 10,000 employees) in a throwaway database "
        "and time the key pages in-process under the cache mode asked for: p50, p95, p99, SQL "
        "queries, ratio to a learner's plain page, first request of a fresh process. "
        "Prints a table and writes JSON to bench/results/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--employees", type=int, default=10_000, help="Headcount (default 10000, at least 20)."
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="2 warm-up runs and 20 timed rounds instead of 3 and 200 (a quick look; "
            "too few samples for a p95 or p99 to mean much).",
        )
        parser.add_argument(
            "--runs", type=int, help="Timed rounds per request (default 200, --quick 20)."
        )
        parser.add_argument(
            "--cache",
            choices=bench.CACHE_MODES,
            help="none: the default install (no per-learner cache, sessions in the database); "
            "local: per-learner cache and cached sessions in this process's memory; redis: the "
            "shared-cache layout (REDIS_URL or --redis-url). Default: what the settings give "
            "(redis when REDIS_URL is set and the learner cache is on, else none).",
        )
        parser.add_argument(
            "--redis-url",
            metavar="URL",
            help="Redis for --cache redis (default REDIS_URL, else redis://127.0.0.1:6379/0); "
            "the bench writes only keys of its own prefix and removes them afterwards.",
        )
        parser.add_argument(
            "--no-cold",
            action="store_true",
            help="Skip the first request of each page in a fresh process (about 3 s a page).",
        )
        parser.add_argument(
            "--compare-scales",
            metavar="SIZES",
            help="Run at each size (e.g. 1000,10000), each in a fresh database, and compare "
            "the queries per request, which must not depend on the amount of data.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="Exit with status 1 when a target is missed."
        )
        parser.add_argument(
            "--keep-db",
            action="store_true",
            help="Keep the bench database afterwards, and reuse it when it already holds a "
            "company of the same size (generation is skipped). With --compare-scales each size "
            "has a database of its own (bench/bench-10000.sqlite3, <name>_bench_10000).",
        )
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="A .json file, or a directory for bench-<timestamp>.json (default bench/results/).",
        )
        parser.add_argument(
            "--database-url",
            metavar="URL",
            help="Bench on this server instead of SQLite, in a database named <name>_bench that "
            "is dropped and created (PostgreSQL). The named database itself is not touched.",
        )
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Use the current, empty database as it is: no switch, no migrate (for tests).",
        )

    def execute(self, *args, **options):
        if options["in_place"]:
            if options["database_url"] or options["keep_db"]:
                raise CommandError("--in-place uses the current database: drop the other options.")
            self.target = None
            return super().execute(*args, **options)
        try:
            self.target = bench.bench_database(database_url=options["database_url"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        previous = bench.use_database(self.target.config)
        try:
            return super().execute(*args, **options)
        finally:
            bench.use_database(previous)

    def handle(self, *args, **options):
        sizes = (
            _scales(options["compare_scales"])
            if options["compare_scales"]
            else [options["employees"]]
        )
        try:
            scales = [bench.Scale.for_employees(size) for size in sizes]
        except ValueError as error:
            raise CommandError(str(error)) from error
        if options["runs"] is not None and options["runs"] < 5:
            raise CommandError("--runs needs at least 5 rounds.")
        if self.target is None and len(scales) > 1:
            raise CommandError("--compare-scales needs a fresh database per size: drop --in-place.")
        if (
            self.target is not None
            and os.environ.get("DATABASE_URL")
            and not options["database_url"]
        ):
            self.stdout.write(
                "DATABASE_URL is set, but the bench runs in SQLite unless you pass "
                "--database-url (it then uses a separate <name>_bench database)."
            )

        def report(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            outcome = bench.run(
                scales=scales,
                target=self.target,
                keep_db=options["keep_db"],
                quick=options["quick"],
                cache=options["cache"],
                redis_url=options["redis_url"],
                cold=not options["no_cold"],
                runs=options["runs"],
                report=report,
            )
        except (RuntimeError, ValueError) as error:
            raise CommandError(str(error)) from error
        path = bench.write_json(outcome, output=options["output"], quick=options["quick"])

        for run in outcome.runs:
            self.stdout.write("")
            self.stdout.write(
                self.style.MIGRATE_HEADING(f"Results at {run.scale.employees:,} employees")
            )
            self.stdout.write(bench.format_table(run))
            if options["verbosity"] >= 2:
                self._write_sql(run)
        if outcome.comparison is not None:
            self.stdout.write("")
            self.stdout.write(bench.format_comparison(outcome))
        self.stdout.write("")
        for run in outcome.runs:
            self.stdout.write(bench.format_summary(run))
        self.stdout.write(f"JSON written to {path}")
        if outcome.passed:
            self.stdout.write(self.style.SUCCESS("All targets met."))
        else:
            missed = sum(not target.passed for run in outcome.runs for target in run.targets)
            differs = sum(not row["same"] for row in outcome.comparison or [])
            grows = sum(not row["growth_ok"] for row in outcome.comparison or [])
            message = (
                f"{missed} target(s) missed"
                + (f", {differs} request(s) with scale-dependent query counts" if differs else "")
                + (f", {grows} request(s) whose time grows with the company" if grows else "")
            )
            if options["strict"]:
                raise CommandError(message, returncode=1)
            self.stdout.write(self.style.WARNING(f"{message} (pass --strict to fail on this)."))

    def _write_sql(self, run) -> None:
        """The SQL of every request that missed a target (-v 2)."""
        missed = {target.request for target in run.targets if not target.passed}
        for result in run.requests:
            if result.name not in missed:
                continue
            self.stdout.write("")
            self.stdout.write(f"SQL of {result.name} ({result.queries} queries):")
            for number, sql in enumerate(result.sql, start=1):
                self.stdout.write(f"  {number:>2}. {sql}")
