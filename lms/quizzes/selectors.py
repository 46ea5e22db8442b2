"""Read-side queries for quizzes; each runs a fixed number of queries."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext

from lms.quizzes.models import (
    Answer,
    AnswerOrder,
    CategoryProgress,
    PaperOption,
    PaperQuestion,
    Question,
    QuestionKind,
    Quiz,
    ReviewMode,
    Sitting,
    SittingAnswer,
)

if TYPE_CHECKING:
    from lms.people.models import User


def can_edit_quizzes(user: User) -> bool:
    return user.is_authenticated and user.has_perm("quizzes.change_quiz")


def can_mark(user: User) -> bool:
    return user.is_authenticated and user.has_perm("quizzes.mark_quizzes")


def visible_quizzes(*, user: User) -> QuerySet[Quiz]:
    """Drafts and archived quizzes exist only for people who may edit quizzes."""
    quizzes = Quiz.objects.all()
    if not can_edit_quizzes(user):
        quizzes = quizzes.filter(draft=False, archived=False)
    return quizzes


def questions_with_answers() -> QuerySet[Question]:
    return Question.objects.select_related("figure", "category").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("sort_order", "pk"))
    )


def ordered_answers(*, question: Question, seed: str) -> list[Answer]:
    """Answers in the order the question asks for; a random order stays put on reload."""
    answers = list(question.answers.all())
    if question.answer_order == AnswerOrder.CONTENT:
        answers.sort(key=lambda answer: answer.content.casefold())
    elif question.answer_order == AnswerOrder.RANDOM:
        random.Random(f"{seed}:{question.pk}").shuffle(answers)
    return answers


def preview_questions(*, quiz: Quiz) -> list[Question]:
    """The quiz's own questions, unsaved inline edits included (for the admin preview)."""
    questions = [item.question for item in quiz.quiz_questions.all() if item.question_id]
    for question in questions:
        question.preview_answers = ordered_answers(question=question, seed="preview")
    return questions


def answered_question_ids(*, sitting: Sitting) -> set[int]:
    return set(sitting.answers.values_list("question_id", flat=True))


def current_question_id(*, sitting: Sitting, answered: set[int] | None = None) -> int | None:
    if sitting.complete:
        return None
    if answered is None:
        answered = answered_question_ids(sitting=sitting)
    for question_id in sitting.question_order:
        if question_id not in answered:
            return question_id
    return None


def open_sitting(*, user: User, quiz: Quiz) -> Sitting | None:
    sitting = Sitting.objects.filter(user=user, quiz=quiz, complete=False).first()
    if sitting is not None:
        sitting.quiz = quiz  # the same row: no second query for it
    return sitting


def last_finished_sitting(*, user: User, quiz: Quiz) -> Sitting | None:
    return Sitting.objects.filter(user=user, quiz=quiz, complete=True).order_by("-attempt").first()


@dataclass(frozen=True)
class QuestionScreen:
    """What the learner sees now in an open attempt: the current question and the progress."""

    sitting: Sitting
    question: Question
    # The question's answers in the order this attempt shows them.
    answers: list[Answer]
    # 1-based number of the current question, of `total` in the attempt.
    position: int
    total: int

    @property
    def deadline(self) -> datetime | None:
        """When the time is up (None: no time limit); answers after it are not counted."""
        return self.sitting.deadline


def question_screen(*, sitting: Sitting) -> QuestionScreen | None:
    """The current question of an open attempt; None when it has none to show (its current
    question was deleted from the question bank: services.resume_sitting settles that)."""
    answered = answered_question_ids(sitting=sitting)
    question_id = current_question_id(sitting=sitting, answered=answered)
    if question_id is None:
        return None
    question = questions_with_answers().filter(pk=question_id).first()
    if question is None:
        return None
    return QuestionScreen(
        sitting=sitting,
        question=question,
        answers=ordered_answers(question=question, seed=str(sitting.pk)),
        position=len(answered) + 1,
        total=len(sitting.question_order),
    )


@dataclass(frozen=True)
class Feedback:
    """The learner's answer to a question and the right one, shown right after answering."""

    given: SittingAnswer
    # The question as the learner saw it.
    question: PaperQuestion

    @property
    def correct_answers(self) -> list[PaperOption]:
        return self.question.correct_options


def answer_feedback(*, sitting: Sitting, question_id: int) -> Feedback | None:
    """The feedback on the learner's answer to `question_id` in `sitting`; None if not answered."""
    given = (
        SittingAnswer.objects.filter(sitting=sitting, question_id=question_id)
        .select_related("question")
        .prefetch_related("chosen_answers", "question__answers")
        .first()
    )
    if given is None:
        return None
    return Feedback(given=given, question=paper_question(given=given, seed=str(sitting.pk)))


@dataclass(frozen=True)
class QuizState:
    """What a learner has done with a quiz so far."""

    quiz: Quiz
    attempts: int
    passed: bool
    awaiting_marking: bool
    in_progress: bool
    best_percent: int | None

    @property
    def attempts_left(self) -> int | None:
        limit = self.quiz.attempt_limit
        return None if limit is None else max(limit - self.attempts, 0)

    @property
    def can_start(self) -> bool:
        return self.in_progress or self.attempts_left is None or self.attempts_left > 0

    @property
    def badge(self) -> tuple[str, str]:
        """The badge a course outline shows for the quiz: its kind (a CSS modifier) and
        its label, in the active language."""
        if self.passed:
            return "passed", gettext("quiz passed")
        if not self.quiz.is_available:
            return "unavailable", gettext("quiz not available")
        if self.awaiting_marking:
            return "marking", gettext("quiz awaiting marking")
        if self.in_progress:
            return "open", gettext("quiz in progress")
        if self.attempts:
            return "failed", gettext("quiz not passed yet")
        return "new", gettext("quiz")


def quiz_state_of(*, quiz: Quiz, totals: Mapping[str, Any] | None) -> QuizState:
    """A learner's state of a quiz from their attempts' totals (None: no attempt): the keys
    are those of `quiz_states` and of `SITTING_TOTALS_SQL`."""
    best_percent = None
    if totals and totals["best"] is not None and totals["best_possible"]:
        best_percent = round(100 * totals["best"] / totals["best_possible"])
    return QuizState(
        quiz=quiz,
        attempts=totals["attempts"] if totals else 0,
        passed=bool(totals and totals["passed_count"]),
        awaiting_marking=bool(totals and totals["marking"]),
        in_progress=bool(totals and totals["open_count"]),
        best_percent=best_percent,
    )


def quiz_states(*, user: User, quizzes: list[Quiz]) -> dict[int, QuizState]:
    """One query for the state of many quizzes, keyed by quiz id."""
    if not quizzes:
        return {}
    rows = {}
    if user.is_authenticated:
        rows = {
            row["quiz_id"]: row
            for row in Sitting.objects.filter(user=user, quiz__in=quizzes)
            .values("quiz_id")
            .annotate(
                attempts=Count("pk"),
                passed_count=Count("pk", filter=Q(passed=True)),
                marking=Count("pk", filter=Q(complete=True, needs_marking=True)),
                open_count=Count("pk", filter=Q(complete=False)),
                best=Max("score", filter=Q(complete=True)),
                best_possible=Max("possible", filter=Q(complete=True)),
            )
        }
    return {quiz.pk: quiz_state_of(quiz=quiz, totals=rows.get(quiz.pk)) for quiz in quizzes}


# One learner's attempts summed per quiz, as `quiz_states` sums them, for a page that folds
# quiz states into a query of its own (a derived table: join it on quiz_id). One parameter:
# the learner's id. Plain SQL that SQLite and PostgreSQL both run.
SITTING_TOTALS_SQL = f"""
    SELECT quiz_id,
           COUNT(*) AS attempts,
           SUM(CASE WHEN passed THEN 1 ELSE 0 END) AS passed_count,
           SUM(CASE WHEN complete AND needs_marking THEN 1 ELSE 0 END) AS marking,
           SUM(CASE WHEN complete THEN 0 ELSE 1 END) AS open_count,
           MAX(CASE WHEN complete THEN score END) AS best,
           MAX(CASE WHEN complete THEN possible END) AS best_possible
    FROM {Sitting._meta.db_table}
    WHERE user_id = %s
    GROUP BY quiz_id
"""
SITTING_TOTALS_COLUMNS = (
    "attempts",
    "passed_count",
    "marking",
    "open_count",
    "best",
    "best_possible",
)


def has_passed(*, user: User, quiz_id: int) -> bool:
    return Sitting.objects.filter(user=user, quiz_id=quiz_id, passed=True).exists()


def quiz_standings(*, user_ids: list[int], quiz_ids: list[int]) -> dict[tuple[int, int], bool]:
    """(learner id, quiz id) → True if the learner passed the quiz (as has_passed), False if
    they attempted it without passing yet (an open attempt, one awaiting marking, a failed
    one); a pair that is missing is a quiz not attempted. One query, whatever the numbers."""
    if not user_ids or not quiz_ids:
        return {}
    return {
        (row["user_id"], row["quiz_id"]): bool(row["passes"])
        for row in Sitting.objects.filter(user_id__in=user_ids, quiz_id__in=quiz_ids)
        .order_by()
        .values("user_id", "quiz_id")
        .annotate(passes=Count("pk", filter=Q(passed=True)))
    }


def paper_question(*, given: SittingAnswer, seed: str) -> PaperQuestion:
    """The question of an answer as the learner saw it (its snapshot); answers stored before
    snapshots existed show the current question. Prefetch question__answers and
    chosen_answers for the fallback."""
    if given.snapshot:
        return given.as_asked()
    return given.as_asked(live_options=ordered_answers(question=given.question, seed=seed))


@dataclass(frozen=True)
class ReviewItem:
    """One question of a finished attempt on its result page."""

    question: PaperQuestion
    # The learner's answer; None if the question was not answered.
    given: SittingAnswer | None
    # Whether the right answer, the verdict and the explanation are shown.
    solution: bool

    @property
    def chosen_ids(self) -> frozenset[int]:
        return self.question.chosen_ids

    @property
    def chosen_options(self) -> list[PaperOption]:
        return [option for option in self.question.options if option.pk in self.chosen_ids]

    @property
    def waiting_for_marking(self) -> bool:
        return self.given is not None and self.given.is_correct is None

    @property
    def comment(self) -> str:
        return self.given.marker_comment if self.given is not None else ""


@dataclass(frozen=True)
class ResultReview:
    """What the result page shows of an attempt's questions, as the quiz's review mode allows."""

    items: list[ReviewItem]
    # Right answers and explanations are shown.
    solutions: bool
    # Why they are not: "once_passed" (shown after a pass) or "never" (an exam); "" if shown.
    withheld: str


def sitting_review(
    *, sitting: Sitting, for_learner: bool = True, quiz_passed: bool = False
) -> ResultReview:
    """Each question of a finished sitting with the learner's answer and, as the quiz's
    review mode allows, the right one and the explanation. Runs four queries, whatever
    the number of questions.

    `for_learner`: the learner looks at their own attempt (trainers always see everything);
    `quiz_passed`: the learner has passed the quiz in some attempt (for "once passed").
    An exam ("never") shows the learner only the written answers a trainer commented on.
    Answered questions show what the learner saw and chose when answering, whatever was
    edited since; questions not answered show the current question.
    """
    mode = sitting.quiz.review
    withheld = ""
    if for_learner:
        if mode == ReviewMode.NEVER:
            withheld = ReviewMode.NEVER
        elif mode == ReviewMode.ONCE_PASSED and not quiz_passed:
            withheld = ReviewMode.ONCE_PASSED
    solutions = not withheld
    answers = {
        answer.question_id: answer
        for answer in SittingAnswer.objects.filter(sitting=sitting)
        .select_related("marked_by")
        .prefetch_related("chosen_answers")
    }
    questions = {
        question.pk: question
        for question in questions_with_answers().filter(pk__in=sitting.question_order)
    }
    seed = str(sitting.pk)
    items = []
    for question_id in sitting.question_order:
        question = questions.get(question_id)
        if question is None:
            continue
        given = answers.get(question_id)
        if withheld == ReviewMode.NEVER and not (given is not None and given.marker_comment):
            continue
        if given is not None:
            given.question = question
            paper = paper_question(given=given, seed=seed)
        else:
            paper = PaperQuestion.of(
                question, options=ordered_answers(question=question, seed=seed)
            )
        items.append(ReviewItem(question=paper, given=given, solution=solutions))
    return ResultReview(items=items, solutions=solutions, withheld=withheld)


def category_progress(*, user: User) -> QuerySet[CategoryProgress]:
    return (
        CategoryProgress.objects.filter(user=user)
        .select_related("category")
        .order_by("category__name")
    )


def exam_papers(*, user: User) -> QuerySet[Sitting]:
    return (
        Sitting.objects.filter(user=user, complete=True, quiz__exam_paper=True)
        .select_related("quiz")
        .order_by("-end")
    )


def marking_queue(
    *,
    marker: User,
    quiz_id: int | None = None,
    username: str = "",
    include_marked: bool = False,
) -> QuerySet[Sitting]:
    """Finished attempts with essays, except the marker's own: nobody marks themselves."""
    sittings = Sitting.objects.filter(
        complete=True, answers__question__kind=QuestionKind.ESSAY
    ).exclude(user=marker)
    if not include_marked:
        sittings = sittings.filter(needs_marking=True)
    if quiz_id:
        sittings = sittings.filter(quiz_id=quiz_id)
    if username:
        sittings = sittings.filter(user__username__icontains=username)
    return (
        sittings.select_related("quiz", "user")
        .annotate(
            unmarked=Count(
                "answers",
                filter=Q(
                    answers__question__kind=QuestionKind.ESSAY, answers__is_correct__isnull=True
                ),
                distinct=True,
            )
        )
        .distinct()
        .order_by("end")
    )


def essay_answers(*, sitting: Sitting) -> list[SittingAnswer]:
    """The essay answers of a sitting, each with `asked`: the question as the learner saw it."""
    answers = list(
        SittingAnswer.objects.filter(sitting=sitting, question__kind=QuestionKind.ESSAY)
        .select_related("question", "marked_by")
        .prefetch_related("chosen_answers")
        .order_by("pk")
    )
    for answer in answers:
        answer.asked = answer.as_asked(live_options=())
    return answers
