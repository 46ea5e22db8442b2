import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.core.tabular import TableError
from lms.people.hr_formats import AUTO, FORMATS, LMS, HrExport, read_org_file
from lms.people.hr_import import import_hr
from lms.people.importers import COLUMNS, import_org


class Command(BaseCommand):
    help = (
        "Create or update people, their departments and reporting lines from the LMS's org "
        f"CSV (UTF-8, header row, columns: {', '.join(COLUMNS)}; or an Excel workbook) or "
        "from an HR system's employee export: Personio (CSV/Excel export or the API's JSON), "
        "SAP SuccessFactors (user data file) or BambooHR (directory or report: CSV, Excel, "
        "JSON). All or nothing; safe to run again. People not in the file are left alone "
        "unless --deactivate-missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV, .xlsx or JSON file.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=AUTO,
            help="Which export the file is (default: auto, told from its content).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change, but store nothing.",
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help=(
                "The file is a full HR export: deactivate (never delete) active people who "
                "have an employee ID but are not in it. Superusers stay active."
            ),
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        dry_run = options["dry_run"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        started = time.perf_counter()
        try:
            self.stdout.write(f"Reading {path} …")
            export = read_org_file(path.read_bytes(), hr_format=options["format"])
            if isinstance(export, HrExport):
                self.stdout.write(f"{export.format_name} export, {len(export.records)} people.")
                summary = import_hr(
                    export=export,
                    dry_run=dry_run,
                    deactivate_missing=options["deactivate_missing"],
                    progress=self.stdout.write,
                )
            else:
                if options["deactivate_missing"]:
                    raise CommandError(
                        f"{path}: --deactivate-missing needs an HR system's full export; "
                        f"this is the LMS's own CSV (--format {LMS})."
                    )
                self.stdout.write(f"LMS org CSV, {len(export.rows)} people.")
                summary = import_org(table=export, dry_run=dry_run)
        except TableError as error:
            raise CommandError(f"{path}: {error}") from error
        for line in summary.lines():
            self.stdout.write(line)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Dry run finished in {seconds:.1f} s."
                if dry_run
                else f"People imported in {seconds:.1f} s."
            )
        )
