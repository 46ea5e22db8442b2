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
NO_RIGHT_ANSWER = _("Mark at least one answer as right.")
NO_STATEMENT_ANSWER = _("Say whether the statement is true or false.")

# Kinds of question, as lms.quizzes.models.QuestionKind stores them (the models import
# this module, so it cannot import them).
MULTIPLE_CHOICE, TRUE_FALSE, ESSAY = "mc", "tf", "essay"


def refuse_newly_archived(form, field: str, message) -> None:
    """An archived quiz or question may stay where it was chosen before it was archived,
    but it cannot be chosen anew (the choosers do not offer it; a forged post is refused)."""
    chosen = form.cleaned_data.get(field)
    if chosen is not None and getattr(chosen, "archived", False) and field in form.changed_data:
        form.add_error(field, message)


def parse_options(text: str) -> list[tuple[str, bool]]:
    """The answers of a question written inline: one a line, a leading “*” marks a right one."""
    options = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        correct = line.startswith("*")
        content = line.lstrip("*").strip()
        if content:
            options.append((content, correct))
    return options


class QuizQuestionForm(WagtailAdminModelForm):
    """A question of the quiz editor: chosen from the question bank, or written right here
    (it is then added to the bank, in the quiz's category, when the quiz is saved)."""

    new_kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[
            (MULTIPLE_CHOICE, _("Multiple choice")),
            (TRUE_FALSE, _("True or false")),
            (ESSAY, _("Essay")),
        ],
        initial=MULTIPLE_CHOICE,
    )
    new_content = forms.CharField(
        label=_("New question"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty when you choose a question from the bank above."),
    )
    new_options = forms.CharField(
        label=_("Answers (multiple choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One answer a line; start the right ones with “*”, e.g. “* LinkedIn”."),
    )
    new_correct_statement = forms.TypedChoiceField(
        label=_("The statement is (true or false)"),
        required=False,
        choices=[("", "—"), ("true", _("True")), ("false", _("False"))],
        coerce=lambda value: value == "true",
        empty_value=None,
    )
    new_explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "question" in self.fields:
            self.fields["question"].required = False

    def clean(self):
        cleaned = super().clean()
        content = (cleaned.get("new_content") or "").strip()
        cleaned["new_content"] = content
        if cleaned.get("question") is not None:
            if content:
                self.add_error(
                    "new_content",
                    _("Choose a question from the bank or write a new one, not both."),
                )
            return cleaned
        if not content:
            if "question" not in self.errors:
                self.add_error("question", _("Choose a question from the bank or write one."))
            return cleaned
        kind = cleaned.get("new_kind") or MULTIPLE_CHOICE
        if kind == MULTIPLE_CHOICE:
            options = parse_options(cleaned.get("new_options") or "")
            if len(options) < 2:
                self.add_error("new_options", _("Write at least two answers, one a line."))
            elif not any(correct for _content, correct in options):
                self.add_error("new_options", NO_RIGHT_ANSWER)
        elif kind == TRUE_FALSE and cleaned.get("new_correct_statement") is None:
            self.add_error("new_correct_statement", NO_STATEMENT_ANSWER)
        return cleaned

    @property
    def writes_question(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("new_content"))

    def create_question(self, *, category):
        """Add the question written here to the question bank (with its answers)."""
        question_model = apps.get_model("quizzes", "Question")
        answer_model = apps.get_model("quizzes", "Answer")
        data = self.cleaned_data
        kind = data.get("new_kind") or MULTIPLE_CHOICE
        question = question_model.objects.create(
            kind=kind,
            content=data["new_content"],
            explanation=(data.get("new_explanation") or "").strip(),
            correct_statement=data.get("new_correct_statement") if kind == TRUE_FALSE else None,
            category=category,
        )
        if kind == MULTIPLE_CHOICE:
            answer_model.objects.bulk_create(
                answer_model(question=question, content=content, correct=correct, sort_order=index)
                for index, (content, correct) in enumerate(
                    parse_options(data.get("new_options") or "")
                )
            )
        return question


class QuizAdminForm(WagtailAdminModelForm):
    def save(self, commit=True):
        # Questions written in the quiz editor join the question bank first, so their rows
        # can point to them; only when the quiz is stored (a preview stores nothing).
        formset = self.formsets.get("quiz_questions")
        if commit and formset is not None:
            for item in formset.forms:
                if formset._should_delete_form(item) or not getattr(item, "writes_question", False):
                    continue
                item.instance.question = item.create_question(
                    category=self.cleaned_data.get("category")
                )
        return super().save(commit)

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
        valid = self._has_a_right_answer(formset) and valid
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

    def _has_a_right_answer(self, formset) -> bool:
        """A multiple-choice question needs at least one right answer among those kept."""
        if not hasattr(self, "cleaned_data") or self.cleaned_data.get("kind") != MULTIPLE_CHOICE:
            return True
        for item in formset.forms:
            if not hasattr(item, "cleaned_data") or formset._should_delete_form(item):
                continue
            if item.cleaned_data.get("content") and item.cleaned_data.get("correct"):
                return True
        self.add_error(None, NO_RIGHT_ANSWER)
        return False


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
