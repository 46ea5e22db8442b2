"""Admin forms for quizzes and the rule shared by every form that picks a quiz or question.

Kept apart from lms.quizzes.forms, which imports the models: the models name these
forms as their base_form_class.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

ARCHIVED_QUIZ = _("This quiz is archived. Choose a current quiz, or none.")
ARCHIVED_QUESTION = _("This question is archived. Choose a current question.")


def refuse_newly_archived(form, field: str, message) -> None:
    """An archived quiz or question may stay where it was chosen before it was archived,
    but it cannot be chosen anew (the choosers do not offer it; a forged post is refused)."""
    chosen = form.cleaned_data.get(field)
    if chosen is not None and getattr(chosen, "archived", False) and field in form.changed_data:
        form.add_error(field, message)


class QuizAdminForm(WagtailAdminModelForm):
    def is_valid(self):
        # The question rows are cleaned after the quiz form itself (modelcluster), so
        # they are checked here rather than in clean().
        valid = super().is_valid()
        formset = self.formsets.get("quiz_questions")
        for item in formset.forms if formset is not None else ():
            if not hasattr(item, "cleaned_data") or formset._should_delete_form(item):
                continue
            refuse_newly_archived(item, "question", ARCHIVED_QUESTION)
            valid = valid and not item.errors
        return valid


def chosen_option_message(option) -> str:
    return gettext(
        "The answer “%(answer)s” cannot be deleted: learners chose it in past attempts, and "
        "their exam papers keep it. Mark it as not correct instead, or archive the question."
    ) % {"answer": option}


class QuestionAdminForm(WagtailAdminModelForm):
    def is_valid(self):
        # The answer rows are cleaned after the question form itself (modelcluster), so
        # deleting an option a learner chose is refused here rather than in clean().
        valid = super().is_valid()
        formset = self.formsets.get("answers")
        if formset is None:
            return valid
        deleted = {
            item.instance.pk: item
            for item in formset.forms
            if item.instance.pk
            and hasattr(item, "cleaned_data")
            and formset._should_delete_form(item)
        }
        if not deleted:
            return valid
        chosen_model = apps.get_model("quizzes", "ChosenAnswer")
        chosen = set(
            chosen_model.objects.filter(answer_id__in=deleted).values_list("answer_id", flat=True)
        )
        for pk in sorted(chosen):
            item = deleted[pk]
            self.add_error(None, chosen_option_message(item.instance))
            # Shown again (not marked for deletion) when the form comes back with the error.
            item.data = item.data.copy()
            item.data[item.add_prefix("DELETE")] = ""
        return valid and not chosen


class TrueFalseSelect(forms.NullBooleanSelect):
    """The answer to a true/false statement: "true" or "false", with "not set" for
    questions of other kinds (Django's own widget offers "Unknown"/"Yes"/"No")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("— not set —")),
            ("true", _("True")),
            ("false", _("False")),
        ]
