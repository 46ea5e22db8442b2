import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.quizzes.importing import QuizImportError
from lms.quizzes.question_csv import (
    CSV_COLUMNS,
    export_questions_csv,
    import_questions_csv,
    questions_for_export,
)


class Command(BaseCommand):
    help = (
        "Import quiz questions from a CSV (UTF-8) or Excel (.xlsx) file, or export them as "
        f"CSV; one row per question, columns: {', '.join(CSV_COLUMNS)}. An exported file "
        "imports again unchanged."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="import|export")
        importing = actions.add_parser(
            "import", help="Create or update questions from a CSV or .xlsx file."
        )
        importing.add_argument(
            "file", help="The CSV (comma, semicolon or tab separated) or .xlsx file."
        )
        importing.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change, but store nothing.",
        )
        exporting = actions.add_parser("export", help="Write questions to a CSV.")
        exporting.add_argument("file", help="The CSV file to write, or - for standard output.")
        exporting.add_argument("--quiz", metavar="SLUG", help="Only this quiz's questions.")

    def handle(self, *args, **options):
        try:
            if options["action"] == "import":
                self.import_file(Path(options["file"]), dry_run=options["dry_run"])
            else:
                self.export_file(options["file"], quiz_slug=options["quiz"])
        except QuizImportError as error:
            raise CommandError(str(error)) from error

    def import_file(self, path: Path, *, dry_run: bool) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as file:
            summary = import_questions_csv(file=file, dry_run=dry_run)
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Dry run finished." if dry_run else "Questions imported.")
        )

    def export_file(self, target: str, *, quiz_slug: str | None) -> None:
        # Written to memory first so an error leaves no half-written file behind.
        buffer = io.StringIO(newline="")
        count = export_questions_csv(
            questions=questions_for_export(quiz_slug=quiz_slug), file=buffer
        )
        if target == "-":
            # Only the CSV goes to stdout, so it can be piped; the count goes to stderr.
            self.stdout.write(buffer.getvalue(), ending="")
            self.stderr.write(f"Exported {count} question(s).", style_func=str)
            return
        # The byte order mark makes Excel read the file as UTF-8 (umlauts!).
        Path(target).write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
        self.stdout.write(self.style.SUCCESS(f"Exported {count} question(s) to {target}."))
