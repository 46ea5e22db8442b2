import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.quizzes.importing import QuizImportError
from lms.quizzes.quiz_app_migration import DUMP_COMMAND, import_quiz_app_dump


class Command(BaseCommand):
    help = (
        "Import categories, quizzes, questions, attempts and progress from a dumpdata file of "
        f"django-quiz-app 0.5.1 (made with: {DUMP_COMMAND}). All or nothing; safe to run "
        "again: records imported before are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", help="The JSON file written by dumpdata.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and report what would be created, but store nothing.",
        )

    def handle(self, *args, **options):
        path = Path(options["dump"])
        records = read_dump(path)
        dry_run = options["dry_run"]
        self.stdout.write(
            f"{'Checking' if dry_run else 'Importing'} {len(records)} records from {path} …"
        )
        try:
            summary = import_quiz_app_dump(
                records=records,
                dry_run=dry_run,
                report=lambda line: self.stdout.write(f"  {line}"),
            )
        except QuizImportError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        for line in summary.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Dry run finished; the dump can be imported."))
        else:
            self.stdout.write(self.style.SUCCESS("Import finished."))


def read_dump(path: Path) -> list[dict]:
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    try:
        with path.open(encoding="utf-8-sig") as file:
            records = json.load(file)
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text; dumpdata writes UTF-8.") from None
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if not isinstance(records, list):
        raise CommandError(f"{path} holds no list of records; is it a dumpdata file?")
    return records
