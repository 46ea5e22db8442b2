from django import forms
from django.utils.translation import gettext_lazy as _

from lms.core.input_safety import MAX_ID
from lms.quizzes.models import Mark, Question, Quiz


def _id_field(**kwargs) -> forms.IntegerField:
    """A database id: other numbers name nothing, and SQLite cannot compare larger ones."""
    return forms.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class QuestionChoiceForm(forms.Form):
    """Which question a posted answer is for (the hidden field of every answer form)."""

    question = _id_field()


class AfterAnswerForm(forms.Form):
    """``?after=<question id>``: show the feedback on that answer."""

    after = _id_field(required=False)


class MarkedAnswerForm(forms.Form):
    """Which essay answer of the attempt a posted mark is for."""

    answer = _id_field()


class ModuleForm(forms.Form):
    """``module=<page id>``: the course module a quiz is taken from, if any."""

    module = _id_field(required=False)


class AnswerForm(forms.Form):
    """The answer to the current question; the fields shown depend on its type."""

    question = _id_field(widget=forms.HiddenInput)

    def __init__(self, *args, question: Question, answers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.question_obj = question
        self.fields["question"].initial = question.pk
        if question.is_multiple_choice:
            choices = [(answer.pk, answer.content) for answer in answers]
            several = sum(1 for answer in answers if answer.correct) > 1
            field_class = forms.MultipleChoiceField if several else forms.ChoiceField
            widget = forms.CheckboxSelectMultiple if several else forms.RadioSelect
            self.fields["choice"] = field_class(
                choices=choices,
                widget=widget,
                label=_("Your answer"),
                help_text=_("Several answers are right.") if several else "",
                error_messages={"required": _("Choose an answer.")},
            )
        elif question.is_true_false:
            self.fields["true_false"] = forms.TypedChoiceField(
                choices=[("true", _("True")), ("false", _("False"))],
                coerce=lambda value: value == "true",
                widget=forms.RadioSelect,
                label=_("Your answer"),
                error_messages={"required": _("Choose true or false.")},
            )
        else:
            self.fields["essay"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 8}),
                max_length=10_000,
                label=_("Your answer"),
                error_messages={"required": _("Write an answer before you continue.")},
            )

    def answer_kwargs(self) -> dict:
        data = self.cleaned_data
        if "choice" in data:
            choice = data["choice"]
            values = choice if isinstance(choice, list) else [choice]
            return {"choice_ids": [int(value) for value in values]}
        if "true_false" in data:
            return {"true_false": data["true_false"]}
        return {"essay": data["essay"]}


class MarkEssayForm(forms.Form):
    correct = forms.TypedChoiceField(
        choices=Mark.choices,
        coerce=lambda value: value == Mark.RIGHT,
        widget=forms.RadioSelect,
        label=_("Mark"),
        error_messages={"required": _("Choose right or wrong.")},
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label=_("Comment"),
    )


class MarkingFilterForm(forms.Form):
    quiz = forms.ModelChoiceField(
        queryset=Quiz.objects.all(), required=False, label=_("Quiz"), empty_label=_("All quizzes")
    )
    user = forms.CharField(required=False, max_length=150, label=_("Learner"))
    include_marked = forms.BooleanField(required=False, label=_("Include marked attempts"))
