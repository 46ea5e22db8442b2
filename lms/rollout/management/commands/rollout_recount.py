"""`python manage.py rollout_recount [--check]`: count the rollout board's evidence again.

Every write keeps the counts per department right (lms/rollout/summary.py); this command
counts everything again from the raw tables, compares, and repairs what differs (or with
--check only reports it and exits with status 1, for monitoring)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from lms.rollout import cache, summary


class Command(BaseCommand):
    help = (
        "Count the rollout board's evidence per department again from the raw tables, "
        "compare it with the stored counts and repair them (--check: report only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare; exit with status 1 when the stored counts differ.",
        )

    def handle(self, *args, check: bool = False, **options):
        started = time.perf_counter()
        result = summary.recount(repair=not check, progress=self.stdout.write)
        if result.repaired:
            cache.bump()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{result.people:,} people counted in {seconds:.1f} s: "
            f"{result.people_wrong:,} person rows and {result.tallies_wrong:,} department "
            f"counts differed" + ("; repaired." if result.repaired else ".")
        )
        if check and (result.people_wrong or result.tallies_wrong):
            raise CommandError("The rollout evidence differs from a recount; run without --check.")
