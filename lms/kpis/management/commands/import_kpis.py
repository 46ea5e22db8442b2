from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.kpis.importers import (
    COLUMNS,
    KPI_IMPORT,
    MAX_SOURCE,
    KpiImportError,
    import_kpi_table,
    json_table,
)

FORMATS = ("csv", "xlsx", "json")


class Command(BaseCommand):
    help = (
        "Import monthly KPI records (awareness, leads, applications) from a CSV (UTF-8, header "
        f"row, columns: {', '.join(COLUMNS)}; comma, semicolon or tab separated), an Excel "
        "workbook (.xlsx, the same columns on its first worksheet) or a JSON file (a "
        'list of records or {"records": [...]}). All or nothing; records already imported with '
        "the same external id and values are left alone, so it is safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV, Excel (.xlsx) or JSON file.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="csv, xlsx or json; guessed from the file name's extension if left out.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every record and report what would be created, but store nothing.",
        )
        parser.add_argument(
            "--source",
            metavar="NAME",
            help="Stored with each new record (at most 100 characters); default: the file name.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        dry_run = options["dry_run"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        file_format = options["format"] or path.suffix.lower().lstrip(".")
        if file_format not in FORMATS:
            raise CommandError(
                f"{path}: cannot tell the format from the extension; add --format csv, "
                "--format xlsx or --format json."
            )
        source = options["source"] if options["source"] is not None else path.name[:MAX_SOURCE]
        try:
            self.stdout.write(f"Reading {path} as {file_format.upper()} …")
            data = path.read_bytes()
            # A CSV or an Excel workbook: lms.core.tabular tells them apart by their content.
            table = json_table(data) if file_format == "json" else KPI_IMPORT.spec.read(data)
            self.stdout.write(f"Checking {len(table.rows)} record(s) …")
            summary = import_kpi_table(table=table, source=source, dry_run=dry_run)
        except KpiImportError as error:
            raise CommandError(f"{path}: {error}") from error
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Dry run finished." if dry_run else "KPI records imported.")
        )
