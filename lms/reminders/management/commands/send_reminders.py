from datetime import date

from django.core.management.base import BaseCommand, CommandError

from lms.reminders.services import send_due_reminders
from lms.reminders.tasks import send_reminders_task


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--today expects a date as YYYY-MM-DD, for example 2026-11-23; got {value!r}."
        ) from None


class Command(BaseCommand):
    help = (
        "Send the assignment reminders that are due: due soon, overdue and the weekly "
        "team digest. Each is sent once, so running this more often is harmless."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Act as if it were this day (default: today in TIME_ZONE).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Enqueue the work on the TASKS backend instead of running it here.",
        )

    def handle(self, *args, today=None, enqueue=False, **options):
        day = parse_day(today) if today else None
        if enqueue:
            result = send_reminders_task.enqueue(today=day.isoformat() if day else None)
            self.stdout.write(
                f"Enqueued task {result.id} on backend {result.backend!r} (status: {result.status})."
            )
            return
        summary = send_due_reminders(today=day)
        for line in summary.lines():
            self.stdout.write(line)
        if summary.errors:
            raise CommandError(
                f"{summary.errors} reminder(s) could not be sent; "
                "they are retried on the next run. See the log for details."
            )
