"""Check the sign-off report's summary against a count from scratch, and repair it.

    manage.py signoff_tallies            # report differences; exit status 1 if any
    manage.py signoff_tallies --repair   # rebuild the summary where it differs

The summary (lms.guidelines.tallies) is kept in the transaction of every write that
changes it; this finds what a write around the application (SQL by hand, a restore of
one table) left behind.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.guidelines import tallies


class Command(BaseCommand):
    help = "Check the sign-off report's summary against a count from scratch (--repair fixes it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Rebuild the summary if it differs."
        )
        parser.add_argument(
            "--show", type=int, default=20, help="How many differences to list (default 20)."
        )

    def handle(self, *args, repair=False, show=20, **options):
        self.stdout.write("Counting sign-offs and people from scratch …")
        with transaction.atomic():
            differences = tallies.check()
            for difference in differences[:show]:
                self.stdout.write(
                    f"  {difference.what} {difference.key}: stored {difference.stored}, "
                    f"counted {difference.counted}"
                )
            if len(differences) > show:
                self.stdout.write(f"  … and {len(differences) - show} more")
            if not differences:
                self.stdout.write(self.style.SUCCESS("The summary is right: no differences."))
                return
            self.stdout.write(f"{len(differences)} differences.")
            if not repair:
                raise CommandError("The summary differs; run with --repair to rebuild it.")
            self.stdout.write("Rebuilding the summary …")
            tallies.rebuild()
            left = tallies.check()
        if left:
            raise CommandError(f"{len(left)} differences remain after the rebuild.")
        self.stdout.write(self.style.SUCCESS(f"Repaired: {len(differences)} differences fixed."))
