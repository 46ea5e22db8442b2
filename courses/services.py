"""Write-side rules for learner progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import CoursePage, Enrollment, ModuleCompletion, ModulePage
from courses.selectors import course_of, course_progress

if TYPE_CHECKING:
    from lms.people.models import User


class GuidelinesMissing(Exception):
    """The course requires documents the learner has not accepted yet."""

    def __init__(self, documents):
        super().__init__()
        self.documents = documents


class QuizNotPassed(Exception):
    """The module has a quiz; only passing it completes the module."""


@dataclass(frozen=True)
class CompletionResult:
    completion: ModuleCompletion
    created: bool
    enrolled_now: bool
    course_completed_now: bool


def _get_or_create_race_safe(model, **lookup):
    """get_or_create that survives two requests inserting the same row at once.

    The unique constraint decides; the loser of the race reads the winner's row.
    """
    try:
        with transaction.atomic():
            return model.objects.get_or_create(**lookup)
    except IntegrityError:
        return model.objects.get(**lookup), False


def enrol(*, user: User, course: CoursePage) -> tuple[Enrollment, bool]:
    """Enrol the learner; enrolling twice returns the existing enrolment.

    A course may require accepted guidelines before it starts.
    """
    from courses.selectors import guidelines_blocking_start

    missing = guidelines_blocking_start(course=course, user=user)
    if missing:
        raise GuidelinesMissing(missing)
    return _get_or_create_race_safe(Enrollment, user=user, course=course)


def complete_module(*, user: User, module: ModulePage) -> CompletionResult:
    """Record that the learner finished a module.

    A learner who was not enrolled is enrolled first, so a direct link to a module
    still counts. A module with a quiz completes only after the learner passed it.
    When every counted module of the course is done the enrolment gets
    its completion time, once: a later completion never moves it.
    """
    from lms.quizzes.selectors import has_passed

    quiz_id = module.active_quiz_id
    if quiz_id and not has_passed(user=user, quiz_id=quiz_id):
        raise QuizNotPassed
    course = course_of(module=module)
    with transaction.atomic():
        enrollment, enrolled_now = enrol(user=user, course=course)
        completion, created = _get_or_create_race_safe(ModuleCompletion, user=user, module=module)
        course_completed_now = False
        if enrollment.completed_at is None:
            progress = course_progress(course=course, user=user)
            if progress.counted_modules and progress.percent == 100:
                course_completed_now = bool(
                    Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(
                        completed_at=timezone.now()
                    )
                )
    return CompletionResult(
        completion=completion,
        created=created,
        enrolled_now=enrolled_now,
        course_completed_now=course_completed_now,
    )
