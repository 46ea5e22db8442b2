"""The Wagtail admin page on which trainers import questions from a CSV or Excel file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from lms.core.admin_views import TabularImportView
from lms.quizzes import question_csv

PERMISSION = "quizzes.add_question"


class QuestionImportView(TabularImportView):
    importer = question_csv.QUESTION_IMPORT
    permission_required = PERMISSION
    page_title = gettext_lazy("Import questions")
    url_name = "quizzes_import_questions"
    help_template_name = "quizzes/includes/import_questions_help.html"
    success_message = gettext_lazy("Questions imported: %s.")
