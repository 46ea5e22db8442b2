"""Quizzes with the feature model of django-quiz-app, plus time limits, attempt limits and pools.

One Question model carries all three kinds (multiple choice, true/false, essay) so a
quiz page loads with a fixed number of queries. Scores are computed on the server
from SittingAnswer rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, PreviewableMixin
from wagtail.search import index

from lms.quizzes.admin_forms import QuestionAdminForm, QuizAdminForm, TrueFalseSelect
from lms.quizzes.admin_panels import QuizQuestionsPanel


class QuestionKind(models.TextChoices):
    MULTIPLE_CHOICE = "mc", _("Multiple choice")
    TRUE_FALSE = "tf", _("True or false")
    ESSAY = "essay", _("Essay")


class AnswerOrder(models.TextChoices):
    """The order in which a multiple-choice question shows its answers."""

    NONE = "none", _("As entered")
    CONTENT = "content", _("Alphabetical")
    RANDOM = "random", _("Random for each learner")


class SittingStatus(models.TextChoices):
    """Where an attempt stands (Sitting.status)."""

    OPEN = "open", _("open")
    AWAITING_MARKING = "awaiting_marking", _("awaiting marking")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("not passed")


class ReviewMode(models.TextChoices):
    """When a learner sees the right answers and explanations of a quiz (Quiz.review).

    Replaces django-quiz-app's "answers at end" flag: unticked became AFTER_EACH, ticked
    AT_END (migration 0007).
    """

    AFTER_EACH = "after_each", _("After each question and on the result page")
    AT_END = "at_end", _("On the result page only")
    ONCE_PASSED = "once_passed", _("On the result page, once the learner has passed")
    NEVER = "never", _("Never (exam: the learner sees the score only)")


class Mark(models.TextChoices):
    """A trainer's mark on an essay answer, as the marking form posts it."""

    RIGHT = "1", _("Right")
    WRONG = "0", _("Wrong")


class Category(index.Indexed, ClusterableModel):
    name = models.CharField(_("name"), max_length=250, unique=True)
    slug = models.SlugField(_("slug"), max_length=250, unique=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        InlinePanel("sub_categories", label=_("Sub-category"), heading=_("Sub-categories")),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("quiz category")
        verbose_name_plural = _("quiz categories")

    def __str__(self) -> str:
        return self.name


class SubCategory(Orderable):
    category = ParentalKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="sub_categories",
    )
    name = models.CharField(_("name"), max_length=250)

    panels = [FieldPanel("name")]

    class Meta(Orderable.Meta):
        verbose_name = _("sub-category")
        verbose_name_plural = _("sub-categories")
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="unique_sub_category_name"),
        ]

    def __str__(self) -> str:
        return f"{self.category} › {self.name}"


class Question(index.Indexed, ClusterableModel):
    Kind = QuestionKind
    AnswerOrder = AnswerOrder

    # Short names the importers and the demo seed use.
    MULTIPLE_CHOICE = Kind.MULTIPLE_CHOICE
    TRUE_FALSE = Kind.TRUE_FALSE
    ESSAY = Kind.ESSAY
    ORDER_NONE = AnswerOrder.NONE
    ORDER_CONTENT = AnswerOrder.CONTENT
    ORDER_RANDOM = AnswerOrder.RANDOM

    kind = models.CharField(
        _("type"),
        max_length=10,
        choices=QuestionKind.choices,
        default=QuestionKind.MULTIPLE_CHOICE,
    )
    content = models.TextField(_("question"), max_length=1000)
    explanation = models.TextField(
        _("explanation"),
        blank=True,
        max_length=2000,
        help_text=_("Shown after the question has been answered."),
    )
    figure = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("figure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    sub_category = models.ForeignKey(
        SubCategory,
        verbose_name=_("sub-category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    answer_order = models.CharField(
        _("answer order"),
        max_length=10,
        choices=AnswerOrder.choices,
        default=AnswerOrder.NONE,
        help_text=_("Multiple choice only."),
    )
    correct_statement = models.BooleanField(
        _("the statement is true"),
        null=True,
        blank=True,
        help_text=_("True/false only: tick if the statement is true."),
    )
    import_key = models.CharField(
        _("import key"), max_length=100, blank=True, db_index=True, editable=False
    )
    archived = models.BooleanField(
        _("archived"),
        default=False,
        help_text=_(
            "Archived questions are no longer asked in new attempts and are not offered when "
            "questions are chosen; answers already given keep them in the history."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("category"), FieldPanel("sub_category")]),
        FieldPanel("content"),
        FieldPanel("figure"),
        MultiFieldPanel(
            [
                FieldPanel("answer_order"),
                InlinePanel("answers", label=_("Answer"), heading=_("Answers")),
            ],
            heading=_("Multiple choice answers"),
        ),
        FieldPanel(
            "correct_statement",
            widget=TrueFalseSelect,
            heading=_("Correct answer"),
            help_text=_("True/false questions only: is the statement true or false?"),
        ),
        FieldPanel("explanation"),
        FieldPanel("archived"),
    ]
    search_fields = [index.SearchField("content"), index.AutocompleteField("content")]
    base_form_class = QuestionAdminForm

    class Meta:
        ordering = ["category__name", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=QuestionKind.TRUE_FALSE) | Q(correct_statement__isnull=False),
                name="true_false_question_has_answer",
                violation_error_message=_("Say whether the statement is true or false."),
            ),
        ]

    def __str__(self) -> str:
        return self.content if len(self.content) <= 80 else f"{self.content[:77]}…"

    def clean(self) -> None:
        super().clean()
        if self.kind == QuestionKind.TRUE_FALSE and self.correct_statement is None:
            raise ValidationError(
                {"correct_statement": _("Say whether the statement is true or false.")}
            )
        if self.sub_category_id and self.sub_category.category_id != self.category_id:
            raise ValidationError(
                {"sub_category": _("The sub-category must belong to the chosen category.")}
            )

    @property
    def is_multiple_choice(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE_CHOICE

    @property
    def is_true_false(self) -> bool:
        return self.kind == QuestionKind.TRUE_FALSE

    @property
    def is_essay(self) -> bool:
        return self.kind == QuestionKind.ESSAY


class Answer(Orderable):
    question = ParentalKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    content = models.CharField(_("answer"), max_length=1000)
    correct = models.BooleanField(_("correct"), default=False)
    import_key = models.CharField(max_length=100, blank=True, editable=False)

    panels = [FieldPanel("content"), FieldPanel("correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.content


class Quiz(PreviewableMixin, index.Indexed, ClusterableModel):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quizzes",
    )
    random_order = models.BooleanField(
        _("random order"), default=False, help_text=_("Ask the questions in a random order.")
    )
    max_questions = models.PositiveIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Ask only this many questions in each attempt. Empty: all of them."),
    )
    question_pool = models.ForeignKey(
        Category,
        verbose_name=_("draw questions from category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Each attempt draws its questions at random from this category's question bank "
            "instead of the list below (limit them with “questions per attempt”)."
        ),
    )
    review = models.CharField(
        _("show right answers"),
        max_length=20,
        choices=ReviewMode.choices,
        default=ReviewMode.AFTER_EACH,
        help_text=_(
            "When learners see the right answers and explanations. They always see their own "
            "answers and the trainers' comments on their written answers."
        ),
    )
    exam_paper = models.BooleanField(
        _("exam paper"),
        default=False,
        help_text=_(
            "List each finished attempt as an exam paper that the learner and trainers can review."
        ),
    )
    single_attempt = models.BooleanField(
        _("single attempt"), default=False, help_text=_("Each learner may take the quiz once.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: unlimited. “Single attempt” means one."),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit in minutes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no time limit. Answers after the deadline are not counted."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Percentage of right answers needed to pass."),
    )
    success_text = models.TextField(_("success text"), blank=True)
    fail_text = models.TextField(_("fail text"), blank=True)
    draft = models.BooleanField(
        _("draft"), default=False, help_text=_("Drafts are invisible to learners.")
    )
    archived = models.BooleanField(
        _("archived"),
        default=False,
        help_text=_(
            "Retires the quiz: learners no longer see it and it is not offered for modules or "
            "guidelines; its attempts and exam papers are kept. A quiz with attempts cannot "
            "be deleted, only archived."
        ),
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("category"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("time_limit_minutes")]),
                FieldRowPanel([FieldPanel("single_attempt"), FieldPanel("max_attempts")]),
                FieldRowPanel([FieldPanel("random_order"), FieldPanel("max_questions")]),
                FieldRowPanel([FieldPanel("review"), FieldPanel("exam_paper")]),
                FieldPanel("question_pool"),
                FieldRowPanel([FieldPanel("draft"), FieldPanel("archived")]),
            ],
            heading=_("Rules"),
        ),
        # Each entry is headed "<label> <n>": "Question 3", not "Questions 3".
        QuizQuestionsPanel(
            "quiz_questions",
            chooser_field_name="question",
            label=_("Question"),
            heading=_("Questions"),
            panels=[
                FieldPanel("question"),
                MultiFieldPanel(
                    [
                        FieldRowPanel(
                            [FieldPanel("new_kind"), FieldPanel("new_correct_statement")]
                        ),
                        FieldPanel("new_content"),
                        FieldPanel("new_options"),
                        FieldPanel("new_explanation"),
                    ],
                    heading=_("Or write a new question"),
                ),
            ],
        ),
        FieldPanel("success_text"),
        FieldPanel("fail_text"),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]
    base_form_class = QuizAdminForm

    class Meta:
        ordering = ["title"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="pass_mark_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_available(self) -> bool:
        """Learners can take it: neither a draft nor archived."""
        return not self.draft and not self.archived

    @property
    def feedback_after_each(self) -> bool:
        """The right answer is shown right after each question is answered."""
        return self.review == ReviewMode.AFTER_EACH

    @property
    def attempt_limit(self) -> int | None:
        if self.single_attempt:
            return 1
        return self.max_attempts

    @property
    def time_limit(self) -> timedelta | None:
        if not self.time_limit_minutes:
            return None
        return timedelta(minutes=self.time_limit_minutes)

    def clean(self) -> None:
        super().clean()
        if self.single_attempt and self.max_attempts and self.max_attempts != 1:
            raise ValidationError(
                {"max_attempts": _("A single-attempt quiz cannot allow more attempts.")}
            )

    def get_preview_template(self, request, mode_name):
        return "quizzes/quiz_preview.html"

    def get_preview_context(self, request, mode_name):
        from lms.quizzes.selectors import preview_questions

        context = super().get_preview_context(request, mode_name)
        context["questions"] = preview_questions(quiz=self)
        return context


class QuizQuestion(Orderable):
    """A question's place in a quiz; the same question may serve several quizzes."""

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = _("quiz question")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="question_once_per_quiz"),
        ]


class Sitting(models.Model):
    """One attempt of one learner at one quiz."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="quiz_sittings",
    )
    # Attempts are records (exam papers, audits): a quiz with attempts is archived, not deleted.
    quiz = models.ForeignKey(
        Quiz, verbose_name=_("quiz"), on_delete=models.PROTECT, related_name="sittings"
    )
    module = models.ForeignKey(
        "courses.ModulePage",
        verbose_name=_("module"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quiz_sittings",
        help_text=_("The module the learner started the quiz from."),
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    question_order = models.JSONField(_("question order"), default=list)
    score = models.PositiveIntegerField(_("score"), default=0)
    possible = models.PositiveIntegerField(_("possible score"), default=0)
    complete = models.BooleanField(_("complete"), default=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    needs_marking = models.BooleanField(_("awaiting essay marking"), default=False)
    finished_late = models.BooleanField(
        _("time ran out"),
        default=False,
        help_text=_("The time limit passed; only answers given before the deadline count."),
    )
    start = models.DateTimeField(_("started"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    end = models.DateTimeField(_("finished"), null=True, blank=True)
    import_key = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        permissions = [("mark_quizzes", _("Can mark essay answers"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "attempt"], name="one_sitting_per_attempt"
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(complete=False),
                name="one_open_sitting_per_quiz",
            ),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="attempt_counts_from_one"),
            models.CheckConstraint(
                condition=Q(score__lte=models.F("possible")), name="score_at_most_possible"
            ),
        ]
        indexes = [
            models.Index(fields=["quiz", "needs_marking"], name="sitting_marking_queue"),
            # Award points count a learner's passed quizzes in a period.
            models.Index(fields=["user", "end"], name="sitting_user_end"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.quiz} #{self.attempt}"

    @property
    def percent(self) -> int:
        if not self.possible:
            return 0
        return round(100 * self.score / self.possible)

    @property
    def status(self) -> SittingStatus:
        if not self.complete:
            return SittingStatus.OPEN
        if self.needs_marking:
            return SittingStatus.AWAITING_MARKING
        return SittingStatus.PASSED if self.passed else SittingStatus.FAILED


@dataclass(frozen=True)
class PaperOption:
    """One answer option as the learner saw it."""

    pk: int
    content: str
    correct: bool


@dataclass(frozen=True)
class PaperQuestion:
    """A question as it was asked: what reviews, exam papers and marking show."""

    kind: str
    content: str
    explanation: str
    correct_statement: bool | None
    options: tuple[PaperOption, ...]
    chosen_ids: frozenset[int]

    @property
    def is_multiple_choice(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE_CHOICE

    @property
    def is_true_false(self) -> bool:
        return self.kind == QuestionKind.TRUE_FALSE

    @property
    def is_essay(self) -> bool:
        return self.kind == QuestionKind.ESSAY

    @property
    def correct_options(self) -> list[PaperOption]:
        return [option for option in self.options if option.correct]

    @classmethod
    def of(cls, question: Question, *, options, chosen_ids=()) -> PaperQuestion:
        """The question as it stands now, with `options` in the order the learner sees them."""
        return cls(
            kind=question.kind,
            content=question.content,
            explanation=question.explanation,
            correct_statement=question.correct_statement,
            options=tuple(
                PaperOption(pk=option.pk, content=option.content, correct=option.correct)
                for option in options
            ),
            chosen_ids=frozenset(chosen_ids),
        )


def question_snapshot(*, question: Question, options, chosen_ids) -> dict:
    """What an answer stores about its question when it is given (see SittingAnswer.snapshot).

    `options` are the question's answers in the order the learner saw them.
    """
    return {
        "kind": question.kind,
        "question": question.content,
        "explanation": question.explanation,
        "correct_statement": question.correct_statement,
        "options": [
            {"id": option.pk, "content": option.content, "correct": option.correct}
            for option in options
        ],
        "chosen": sorted(chosen_ids),
    }


class SittingAnswer(models.Model):
    """The learner's answer to one question in one sitting; recorded once."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="answers")
    # An answered question is archived, not deleted: the exam paper keeps what was asked.
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    # A chosen option cannot be deleted (ChosenAnswer.answer is PROTECT).
    chosen_answers = models.ManyToManyField(
        Answer, blank=True, related_name="+", through="ChosenAnswer"
    )
    true_false = models.BooleanField(null=True, blank=True)
    essay = models.TextField(blank=True, max_length=10_000)
    is_correct = models.BooleanField(_("correct"), null=True, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    marker_comment = models.TextField(_("comment"), blank=True, max_length=2000)
    # The question as the learner saw it when answering (question_snapshot): later edits
    # of the question or its options do not change what the exam paper shows.
    snapshot = models.JSONField(_("question as asked"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("answer in an attempt")
        constraints = [
            models.UniqueConstraint(fields=["sitting", "question"], name="one_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.sitting} · {self.question}"

    def as_asked(self, *, live_options=None) -> PaperQuestion:
        """The question as the learner saw it; answers stored before snapshots existed fall
        back to the current question (`live_options`: its answers in the order shown)."""
        data = self.snapshot
        if data:
            return PaperQuestion(
                kind=data["kind"],
                content=data.get("question", ""),
                explanation=data.get("explanation", ""),
                correct_statement=data.get("correct_statement"),
                options=tuple(
                    PaperOption(pk=item["id"], content=item["content"], correct=item["correct"])
                    for item in data.get("options", [])
                ),
                chosen_ids=frozenset(data.get("chosen", [])),
            )
        if live_options is None:
            live_options = self.question.answers.all()
        return PaperQuestion.of(
            self.question,
            options=live_options,
            chosen_ids=(option.pk for option in self.chosen_answers.all()),
        )


class ChosenAnswer(models.Model):
    """An option a learner chose; the option cannot be deleted while this record exists.

    Kept in the table the plain many-to-many field used before, so no row moved.
    """

    sittinganswer = models.ForeignKey(SittingAnswer, on_delete=models.CASCADE)
    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "quizzes_sittinganswer_chosen_answers"
        verbose_name = _("chosen answer")
        verbose_name_plural = _("chosen answers")
        # The name the auto-created table's unique constraint already has in the database.
        unique_together = [("sittinganswer", "answer")]

    def __str__(self) -> str:
        return str(self.answer)


class CategoryProgress(models.Model):
    """Running totals per learner and category, as the old app's progress page shows them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_progress"
    )
    # Running totals are records too: a category with progress cannot be deleted.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="progress")
    score = models.PositiveIntegerField(default=0)
    possible = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("quiz progress")
        verbose_name_plural = _("quiz progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_progress_per_category"),
            models.CheckConstraint(
                condition=Q(score__lte=models.F("possible")), name="progress_score_at_most_possible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.category}: {self.score}/{self.possible}"

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.possible) if self.possible else 0
