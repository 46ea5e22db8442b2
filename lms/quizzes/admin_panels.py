"""The quiz editor's list of questions: pick several from the question bank at once, or
write a new one in place (lms.quizzes.admin_forms.QuizQuestionForm)."""

from __future__ import annotations

from wagtail.admin.panels import MultipleChooserPanel

from lms.quizzes.admin_forms import QuizQuestionForm


class QuizQuestionsPanel(MultipleChooserPanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = QuizQuestionForm
        return options

    class BoundPanel(MultipleChooserPanel.BoundPanel):
        # Both buttons: "choose from the bank" (several at once) and "write a new question".
        template_name = "quizzes/admin/quiz_questions_panel.html"
