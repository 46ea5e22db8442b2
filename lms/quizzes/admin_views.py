"""The Wagtail admin page on which trainers import questions from a CSV or Excel file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from lms.core.admin_views import TabularImportView
from lms.quizzes import question_csv

PERMISSION = "quizzes.add_question"


class QuestionImportView(TabularImportView):
    page_title = gettext_lazy("Import questions")
    header_icon = "help"
    permission_required = PERMISSION
    spec = question_csv.SPEC
    url_name = "quizzes_import_questions"
    command = "quiz_questions_csv"
    help_template_name = "quizzes/includes/import_questions_help.html"
    key_label = gettext_lazy("Key")
    success_message = gettext_lazy("Questions imported: %s.")

    def run_import(self, *, table, dry_run):
        return question_csv.import_questions(table=table, dry_run=dry_run)
