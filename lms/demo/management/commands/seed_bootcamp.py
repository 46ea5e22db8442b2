from django.conf import settings
from django.core.management.base import BaseCommand

from lms.demo.seed import DEMO_PASSWORD, DemoSeeder


class Command(BaseCommand):
    help = (
        "Create the demo bootcamp: departments, tracks, four German courses and, in "
        "development, the demo users. Safe to run again: existing records are kept as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help="Create the demo users even when DEBUG is off (they share a public password).",
        )

    def handle(self, *args, **options):
        create_users = settings.DEBUG or options["demo_users"]
        if not create_users:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off: skipping the demo users, whose password is public. "
                    "Pass --demo-users to create them anyway."
                )
            )
        seeder = DemoSeeder(
            report=lambda line: self.stdout.write(f"  {line}"), create_users=create_users
        )
        seeder.run()
        self.stdout.write(self.style.SUCCESS(f"Demo bootcamp ready. {seeder.summary()}"))
        if create_users:
            self.stdout.write(
                "Log in as employee, manager, trainer or admin "
                f"with the password “{DEMO_PASSWORD}”."
            )
