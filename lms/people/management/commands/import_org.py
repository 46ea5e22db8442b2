from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.people.importers import COLUMNS, OrgImportError, import_org_csv


class Command(BaseCommand):
    help = (
        "Create or update people, their departments and reporting lines from a CSV (UTF-8, "
        f"header row, columns: {', '.join(COLUMNS)}; comma, semicolon or tab separated) or an "
        "Excel workbook (.xlsx, first sheet). All or nothing; safe to run again. Users not in "
        "the file are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV or .xlsx file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change, but store nothing.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        dry_run = options["dry_run"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as file:
                summary = import_org_csv(file=file, dry_run=dry_run)
        except OrgImportError as error:
            raise CommandError(f"{path}: {error}") from error
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Dry run finished." if dry_run else "People imported.")
        )
