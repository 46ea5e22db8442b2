"""Write-side rules for learner progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import (
    CoursePage,
    Enrollment,
    ModuleCompletion,
    ModulePage,
)
from courses.selectors import (
    course_of,
    course_progress,
    guidelines_blocking_start,
)
from lms.core import changes, learner_cache
from lms.quizzes.models import Sitting
from lms.quizzes.selectors import has_passed

if TYPE_CHECKING:
    from lms.guidelines.models import GuidelinePage
    from lms.people.models import User


class GuidelinesMissing(Exception):
    """The course requires documents the learner has not accepted yet."""

    def __init__(self, documents):
        super().__init__()
        self.documents = documents


class QuizNotPassed(Exception):
    """The module has a quiz; only passing it completes the module."""


class QuizUnavailable(QuizNotPassed):
    """The module's quiz is a draft or archived: the gate stays shut until it is back."""


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
    missing = guidelines_blocking_start(course=course, user=user)
    if missing:
        raise GuidelinesMissing(missing)
    return _get_or_create_race_safe(Enrollment, user=user, course=course)


def complete_module(*, user: User, module: ModulePage) -> CompletionResult:
    """Record that the learner finished a module.

    A learner who was not enrolled is enrolled first, so a direct link to a module
    still counts. A module with a quiz completes only after the learner passed it,
    whether or not the quiz can be taken at the moment.
    When every counted module of the course is done the enrolment gets
    its completion time, once: a later completion never moves it.
    """
    quiz_id = module.active_quiz_id
    if quiz_id and not has_passed(user=user, quiz_id=quiz_id):
        # A gate that cannot be met (the quiz is a draft or archived) blocks; it never opens.
        raise QuizNotPassed if module.quiz.is_available else QuizUnavailable
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
                if course_completed_now:
                    changes.rows_changed(
                        Enrollment, user_ids=[user.pk]
                    )  # an update sends no signal
                    learner_cache.learner_changed(user.pk)
    return CompletionResult(
        completion=completion,
        created=created,
        enrolled_now=enrolled_now,
        course_completed_now=course_completed_now,
    )


def complete_modules_for_pass(*, sitting: Sitting) -> None:
    """Passing a quiz completes the module it was taken from and every module using it
    in the courses the learner is enrolled in.

    Runs in the transaction that passes the attempt (lms.quizzes.signals.quiz_passed). A
    module whose course still waits for guidelines the learner has to accept stays open:
    the answer and the pass are kept, the result page says what is missing, and the
    module counts once the documents are accepted (complete_modules_after_signoff).
    """
    modules = {
        module.pk: module
        for module in ModulePage.objects.live().filter(quiz_id=sitting.quiz_id)
        if Enrollment.objects.filter(
            user_id=sitting.user_id, course__path=module.path[: -module.steplen]
        ).exists()
    }
    if sitting.module_id and sitting.module.live and sitting.module.quiz_id == sitting.quiz_id:
        modules[sitting.module_id] = sitting.module
    for module in modules.values():
        try:
            complete_module(user=sitting.user, module=module)
        except GuidelinesMissing:
            continue


def _modules_waiting_for_guidelines(*, user: User, courses) -> list[ModulePage]:
    """Modules of these courses whose quiz the learner passed from the module itself but
    that are not complete: the course was waiting for accepted guidelines."""
    paths = {course.path for course in courses}
    if not paths:
        return []
    sittings = (
        Sitting.objects.filter(user=user, passed=True, module__live=True)
        .exclude(module__completions__user=user)
        .select_related("module")
        .order_by("end")
    )
    modules = {}
    for sitting in sittings:
        module = sitting.module
        if module.quiz_id == sitting.quiz_id and module.path[: -module.steplen] in paths:
            modules[module.pk] = module
    return list(modules.values())


def complete_modules_after_signoff(*, user: User, document: GuidelinePage) -> None:
    """A learner accepted a document: the quiz passes that waited for it now count."""
    courses = CoursePage.objects.live().filter(required_guidelines=document)
    for module in _modules_waiting_for_guidelines(user=user, courses=courses):
        try:
            complete_module(user=user, module=module)
        except (GuidelinesMissing, QuizNotPassed):
            continue  # other documents are still missing (or the pass no longer counts)
