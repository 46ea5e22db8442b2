"""Write-side rules for quizzes: starting attempts, scoring answers, marking essays.

Scores come only from stored SittingAnswer rows. Every write locks the sitting row
(PostgreSQL) or runs in an immediate transaction (SQLite), so a double submit or two
tabs cannot count an answer twice or start more attempts than allowed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.quizzes.cleaning import clean_essay
from lms.quizzes.models import (
    Answer,
    CategoryProgress,
    ChosenAnswer,
    Question,
    QuestionKind,
    Quiz,
    Sitting,
    SittingAnswer,
    question_snapshot,
)
from lms.quizzes.selectors import (
    QuestionScreen,
    answered_question_ids,
    current_question_id,
    last_finished_sitting,
    open_sitting,
    ordered_answers,
    question_screen,
)
from lms.quizzes.signals import essay_marked, quiz_passed

if TYPE_CHECKING:
    from lms.people.models import User

# Answers that leave the browser just before the deadline still count.
DEADLINE_GRACE = timedelta(seconds=5)


class QuizError(Exception):
    """A refused action, with a message for the learner."""


class TimeUp(QuizError):
    pass


class OwnAttempt(QuizError):
    """Nobody marks their own attempt."""


@dataclass(frozen=True)
class SubmitResult:
    sitting: Sitting
    answer: SittingAnswer | None
    duplicate: bool
    finished: bool
    # The question answered was deleted from the question bank; the attempt moved on.
    skipped: bool = False


def draw_question_ids(*, quiz: Quiz, rng: random.Random | None = None) -> list[int]:
    """The questions of a new attempt; archived questions are no longer asked."""
    rng = rng or random.Random()
    if quiz.question_pool_id:
        ids = list(
            Question.objects.filter(category_id=quiz.question_pool_id, archived=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rng.shuffle(ids)
    else:
        ids = list(
            quiz.quiz_questions.filter(question__archived=False)
            .order_by("sort_order", "pk")
            .values_list("question_id", flat=True)
        )
        if quiz.random_order:
            rng.shuffle(ids)
    if quiz.max_questions:
        ids = ids[: quiz.max_questions]
    return ids


def start_sitting(
    *, user: User, quiz: Quiz, module_id: int | None = None, now: datetime | None = None
) -> Sitting:
    """Resume the learner's open attempt or start a new one within the attempt limit.

    `module_id`: the module the quiz is taken from (a live one, see providers.module_for).
    """
    now = now or timezone.now()
    with transaction.atomic():
        existing = (
            Sitting.objects.select_for_update(of=("self",))
            .filter(user=user, quiz=quiz, complete=False)
            .first()
        )
        if existing is not None and not _close_if_expired(existing, now=now):
            return existing
        used = Sitting.objects.filter(user=user, quiz=quiz).count()
        limit = quiz.attempt_limit
        if limit is not None and used >= limit:
            raise QuizError(
                ngettext(
                    "You have used your only attempt at this quiz.",
                    "You have used all %(count)d attempts at this quiz.",
                    limit,
                )
                % {"count": limit}
            )
        question_ids = draw_question_ids(quiz=quiz)
        if not question_ids:
            raise QuizError(_("This quiz has no questions yet."))
        last_attempt = (
            Sitting.objects.filter(user=user, quiz=quiz)
            .order_by("-attempt")
            .values_list("attempt", flat=True)
            .first()
        )
        sitting = Sitting(
            user=user,
            quiz=quiz,
            module_id=module_id,
            attempt=(last_attempt or 0) + 1,
            question_order=question_ids,
            possible=len(question_ids),
            start=now,
            deadline=now + quiz.time_limit if quiz.time_limit else None,
        )
        try:
            with transaction.atomic():
                sitting.save()
        except IntegrityError:
            # Another request started an attempt in the same moment; use that one.
            concurrent = Sitting.objects.filter(user=user, quiz=quiz, complete=False).first()
            if concurrent is None:
                raise QuizError(_("You have no attempts left at this quiz.")) from None
            return concurrent
    return sitting


def _drop_vanished_questions(sitting: Sitting) -> None:
    """Forget the questions of an attempt that were deleted since it started.

    Answered questions cannot be deleted (SittingAnswer.question is PROTECT), so only
    questions not asked yet can vanish; they no longer count towards the possible score.
    """
    existing = set(
        Question.objects.filter(pk__in=sitting.question_order).values_list("pk", flat=True)
    )
    kept = [pk for pk in sitting.question_order if pk in existing]
    if len(kept) != len(sitting.question_order):
        sitting.question_order = kept
        sitting.possible = len(kept)
        sitting.save(update_fields=["question_order", "possible"])


def _settle(sitting: Sitting, *, now: datetime) -> bool:
    """Drop vanished questions from an open, locked attempt; finish it when nothing is left
    to ask. True if the attempt is finished now."""
    _drop_vanished_questions(sitting)
    if current_question_id(sitting=sitting) is not None:
        return False
    _finish(sitting, end=now, late=False)
    return True


def settle_sitting(*, user: User, sitting_id: int, now: datetime | None = None) -> Sitting | None:
    """Bring an open attempt whose current question was deleted back in line.

    The attempt continues with its next question; with none left it is finished and
    scored on the answers given. An attempt left without any question and without any
    answer is withdrawn (None is returned), so it does not use up one of the learner's
    attempts.
    """
    now = now or timezone.now()
    with transaction.atomic():
        sitting = _locked_sitting(sitting_id=sitting_id, user=user)
        if sitting is None or sitting.complete or _close_if_expired(sitting, now=now):
            return sitting
        _drop_vanished_questions(sitting)
        if current_question_id(sitting=sitting) is None:
            if not sitting.question_order and not sitting.answers.exists():
                sitting.delete()
                return None
            _finish(sitting, end=now, late=False)
    return sitting


class Step(Enum):
    """Where taking a quiz stands when the learner opens or answers its current question."""

    # The attempt is open and shows its current question (Resumed.screen).
    ASK = "ask"
    # The time limit passed: the attempt was finished as of its deadline.
    TIME_UP = "time_up"
    # No open attempt; Resumed.sitting is the learner's last finished one, if any.
    NOT_STARTED = "not_started"
    # The current question was deleted from the question bank, and then:
    MOVED_ON = "moved_on"  # the attempt continues with its next question,
    FINISHED = "finished"  # nothing was left to ask: finished and scored,
    WITHDRAWN = "withdrawn"  # nothing was asked or answered: the attempt is gone.


@dataclass(frozen=True)
class Resumed:
    step: Step
    sitting: Sitting | None
    screen: QuestionScreen | None = None


def resume_sitting(*, user: User, quiz: Quiz, now: datetime | None = None) -> Resumed:
    """The learner's open attempt at `quiz`, brought in line before its question is shown
    or answered: closed when its time is up, moved past questions deleted since it began."""
    sitting = open_sitting(user=user, quiz=quiz)
    if sitting is None:
        return Resumed(Step.NOT_STARTED, last_finished_sitting(user=user, quiz=quiz))
    if close_if_expired(sitting=sitting, now=now):
        return Resumed(Step.TIME_UP, sitting)
    screen = question_screen(sitting=sitting)
    if screen is not None:
        return Resumed(Step.ASK, sitting, screen)
    settled = settle_sitting(user=user, sitting_id=sitting.pk, now=now)
    if settled is None:
        return Resumed(Step.WITHDRAWN, None)
    return Resumed(Step.FINISHED if settled.complete else Step.MOVED_ON, settled)


def _locked_sitting(*, sitting_id: int, user: User) -> Sitting | None:
    """The learner's own attempt, row-locked until the surrounding transaction ends."""
    return (
        Sitting.objects.select_for_update(of=("self",))
        .select_related("quiz")
        .filter(pk=sitting_id, user=user)
        .first()
    )


def _close_if_expired(sitting: Sitting, *, now: datetime) -> bool:
    if sitting.deadline and now > sitting.deadline + DEADLINE_GRACE:
        _finish(sitting, end=sitting.deadline, late=True)
        return True
    return False


def close_if_expired(*, sitting: Sitting, now: datetime | None = None) -> bool:
    """Finish an open attempt whose time is up, scored as of its deadline."""
    if sitting.complete or not sitting.deadline:
        return False
    with transaction.atomic():
        locked = (
            Sitting.objects.select_for_update(of=("self",))
            .select_related("quiz")
            .get(pk=sitting.pk)
        )
        if locked.complete:
            return True
        return _close_if_expired(locked, now=now or timezone.now())


def submit_answer(
    *,
    user: User,
    sitting_id: int,
    question_id: int,
    choice_ids: list[int] | None = None,
    true_false: bool | None = None,
    essay: str = "",
    now: datetime | None = None,
) -> SubmitResult:
    now = now or timezone.now()
    with transaction.atomic():
        sitting = _locked_sitting(sitting_id=sitting_id, user=user)
        if sitting is None:
            raise Sitting.DoesNotExist
        if sitting.complete:
            raise QuizError(_("This attempt is already finished; answers can no longer change."))
        timed_out = _close_if_expired(sitting, now=now)
        if not timed_out:
            result = _answer_current_question(
                sitting=sitting,
                question_id=question_id,
                choice_ids=choice_ids,
                true_false=true_false,
                essay=essay,
                now=now,
            )
    if timed_out:
        # Raised after the commit so the closed, late-flagged attempt is kept.
        raise TimeUp(_("Time was up; only the answers you gave before the deadline were scored."))
    return result


def _answer_current_question(
    *, sitting: Sitting, question_id: int, choice_ids, true_false, essay, now
) -> SubmitResult:
    answered = answered_question_ids(sitting=sitting)
    if question_id in answered:
        # A refresh or a double click: the first submission stands.
        return SubmitResult(sitting=sitting, answer=None, duplicate=True, finished=False)
    if question_id != current_question_id(sitting=sitting, answered=answered):
        raise QuizError(_("This is not the current question of your attempt."))
    question = Question.objects.prefetch_related("answers").filter(pk=question_id).first()
    if question is None:
        # Deleted from the question bank since the page was shown: nothing to record.
        finished = _settle(sitting, now=now)
        return SubmitResult(
            sitting=sitting, answer=None, duplicate=False, finished=finished, skipped=True
        )
    answer = _record_answer(
        sitting=sitting,
        question=question,
        choice_ids=choice_ids,
        true_false=true_false,
        essay=essay,
        now=now,
    )
    finished = len(answered) + 1 >= len(sitting.question_order)
    if finished:
        _finish(sitting, end=now, late=False)
    return SubmitResult(sitting=sitting, answer=answer, duplicate=False, finished=finished)


def _record_answer(*, sitting, question, choice_ids, true_false, essay, now) -> SittingAnswer:
    """Store the answer with a snapshot of the question as the learner saw it (the options
    in the order shown, with their correct flags), so later edits keep the exam paper."""
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        valid = {answer.pk: answer for answer in question.answers.all()}
        chosen = set(choice_ids or [])
        if not chosen:
            raise QuizError(_("Choose at least one answer."))
        if not chosen <= valid.keys():
            raise QuizError(_("That answer does not belong to this question."))
        correct = {pk for pk, answer in valid.items() if answer.correct}
        shown = ordered_answers(question=question, seed=str(sitting.pk))
        answer = SittingAnswer.objects.create(
            sitting=sitting,
            question=question,
            is_correct=chosen == correct,
            answered_at=now,
            snapshot=question_snapshot(question=question, options=shown, chosen_ids=chosen),
        )
        # A new answer has no chosen rows yet: one insert, no look-up of existing ones.
        ChosenAnswer.objects.bulk_create(
            ChosenAnswer(sittinganswer=answer, answer_id=pk) for pk in sorted(chosen)
        )
        return answer
    snapshot = question_snapshot(question=question, options=[], chosen_ids=[])
    if question.kind == QuestionKind.TRUE_FALSE:
        if true_false is None:
            raise QuizError(_("Choose true or false."))
        return SittingAnswer.objects.create(
            sitting=sitting,
            question=question,
            true_false=true_false,
            is_correct=true_false == question.correct_statement,
            answered_at=now,
            snapshot=snapshot,
        )
    cleaned = clean_essay(essay)
    if not cleaned:
        raise QuizError(_("Write an answer before you continue."))
    return SittingAnswer.objects.create(
        sitting=sitting,
        question=question,
        essay=cleaned,
        is_correct=None,
        answered_at=now,
        snapshot=snapshot,
    )


def _score(sitting: Sitting) -> None:
    answers = list(sitting.answers.values_list("is_correct", flat=True))
    sitting.score = sum(1 for correct in answers if correct)
    sitting.possible = len(sitting.question_order)
    sitting.needs_marking = any(correct is None for correct in answers)
    if sitting.needs_marking:
        sitting.passed = None
    else:
        sitting.passed = sitting.percent >= sitting.quiz.pass_mark


def _finish(sitting: Sitting, *, end: datetime, late: bool) -> None:
    _drop_vanished_questions(sitting)
    sitting.complete = True
    sitting.end = end
    sitting.finished_late = late
    _score(sitting)
    sitting.save()
    _add_progress(
        sitting.user_id,
        sitting.answers.exclude(is_correct__isnull=True).select_related("question"),
    )
    if sitting.passed:
        quiz_passed.send(sender=Sitting, sitting=sitting)


def _add_progress(user_id: int, answers, *, sign: int = 1) -> None:
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for answer in answers:
        if answer.question.category_id:
            totals[answer.question.category_id][0] += 1 if answer.is_correct else 0
            totals[answer.question.category_id][1] += 1
    for category_id, (score, possible) in totals.items():
        progress, _created = CategoryProgress.objects.get_or_create(
            user_id=user_id, category_id=category_id
        )
        CategoryProgress.objects.filter(pk=progress.pk).update(
            score=F("score") + sign * score, possible=F("possible") + sign * possible
        )


def mark_essay(*, marker: User, answer_id: int, correct: bool, comment: str = "") -> Sitting:
    """Mark one essay answer right or wrong; the sitting's score and pass state follow.

    Nobody marks their own attempt. The rule spans two tables (the marker on the answer,
    the learner on the sitting), which no CheckConstraint can compare, so it is checked
    here, on the locked sitting row.
    """
    with transaction.atomic():
        answer = (
            SittingAnswer.objects.select_for_update(of=("self",))
            .select_related("question", "sitting__quiz", "sitting__user")
            .get(pk=answer_id)
        )
        if answer.question.kind != QuestionKind.ESSAY:
            raise QuizError(_("Only essay answers are marked by hand."))
        sitting = (
            Sitting.objects.select_for_update(of=("self",))
            .select_related("quiz", "user", "module")
            .get(pk=answer.sitting_id)
        )
        if sitting.user_id == marker.pk:
            raise OwnAttempt(_("You cannot mark your own attempt; another trainer marks it."))
        if not sitting.complete:
            raise QuizError(_("The learner is still working on this attempt."))
        was_passed = sitting.passed
        previous = answer.is_correct
        if previous is not None:
            _add_progress(sitting.user_id, [answer], sign=-1)
        answer.is_correct = correct
        answer.marked_by = marker
        answer.marked_at = timezone.now()
        answer.marker_comment = comment.strip()
        answer.save(update_fields=["is_correct", "marked_by", "marked_at", "marker_comment"])
        _add_progress(sitting.user_id, [answer])
        _score(sitting)
        sitting.save(update_fields=["score", "possible", "needs_marking", "passed"])
        if sitting.passed and not was_passed:
            quiz_passed.send(sender=Sitting, sitting=sitting)
        transaction.on_commit(
            partial(
                essay_marked.send, sender=Sitting, sitting=sitting, answer=answer, marker=marker
            )
        )
    return sitting


def choice_ids_from(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values]
    except (TypeError, ValueError):
        raise QuizError(_("That answer does not belong to this question.")) from None


__all__ = [
    "Answer",
    "OwnAttempt",
    "QuizError",
    "Resumed",
    "Step",
    "SubmitResult",
    "TimeUp",
    "choice_ids_from",
    "draw_question_ids",
    "mark_essay",
    "resume_sitting",
    "settle_sitting",
    "start_sitting",
    "submit_answer",
]
