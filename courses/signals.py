"""Courses follow what happens in the layers below them (quiz passes and sign-offs) and
answer what quizzes ask about the module a quiz is taken from."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from courses.models import Enrollment, ModuleCompletion, ModulePage, Track
from courses.selectors import guidelines_awaited_by_pass
from courses.services import complete_modules_after_signoff, complete_modules_for_pass
from lms.core.learner_cache import invalidate_content_on, invalidate_learner_on
from lms.guidelines.models import SignOff
from lms.quizzes.models import Quiz, Sitting
from lms.quizzes.providers import ModuleLink, register_module_provider
from lms.quizzes.signals import ResultNote, quiz_passed, result_notes


def _quiz_passed(sender, sitting, **kwargs) -> None:
    complete_modules_for_pass(sitting=sitting)


def _result_notes(sender, sitting, **kwargs) -> list[ResultNote]:
    waiting = guidelines_awaited_by_pass(sitting=sitting)
    if waiting is None:
        return []
    course, documents = waiting
    return [
        ResultNote(
            message=_(
                "Your pass counts in “%(course)s” as soon as you have accepted these documents:"
            )
            % {"course": course.title},
            links=tuple((document.title, document.url) for document in documents),
        )
    ]


def _module_link(*, module_id, quiz, sitting=None, **kwargs) -> ModuleLink | None:
    """The live module a quiz is taken from (``?module=`` or the attempt's module)."""
    if sitting is not None and sitting.module_id == module_id:
        module = sitting.module  # loaded with the attempt
    else:
        module = ModulePage.objects.live().filter(pk=module_id).first()
    if module is None or not module.live:
        return None
    return ModuleLink(pk=module.pk, title=module.title, resolve_url=lambda: module.url)


def _signed(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created and not raw:
        complete_modules_after_signoff(user=instance.user, document=instance.document)


def _connect_learner_cache() -> None:
    """What the learner's cached course pages show: their enrolments and completions, and
    the tracks; and the quiz states they show (lms.quizzes, a leaf, registers nothing
    itself). Workshops register their bookings and sessions (lms.workshops.signals)."""
    for model in (Enrollment, ModuleCompletion, Sitting):
        invalidate_learner_on(model, learner_field="user_id")
    # Cover images: the dashboard's recommendations show them (home/dashboard.py).
    invalidate_content_on(Quiz, Track, get_image_model())


def connect() -> None:
    _connect_learner_cache()
    quiz_passed.connect(_quiz_passed, dispatch_uid="courses-quiz-passed")
    result_notes.connect(_result_notes, dispatch_uid="courses-result-notes")
    register_module_provider(_module_link)
    post_save.connect(_signed, sender=SignOff, dispatch_uid="courses-signed")
