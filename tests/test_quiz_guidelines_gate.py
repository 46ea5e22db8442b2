"""Passing a module's quiz before accepting the course's guidelines (issue #13, item 4):
no 500, the answer is stored, the result says what is missing, and the pass counts once
the guidelines are accepted."""

import pytest
from django.urls import reverse

from courses.models import Enrollment, ModuleCompletion
from lms.guidelines.models import SignOff
from lms.guidelines.selectors import current_version
from lms.quizzes import services
from lms.quizzes.models import Sitting, SittingAnswer
from tests import factories
from tests.test_quizzes import answer, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(db):
    return factories.guideline(title="Social media guidelines")


@pytest.fixture
def quiz(db):
    return factories.quiz(questions=[{"kind": "tf", "correct": True}], pass_mark=100)


@pytest.fixture
def module(document, quiz):
    course = factories.course(title="Gated course", modules=1)
    course.required_guidelines.add(document)
    course.save_revision().publish()
    module = factories.modules_of(course)[0]
    module.quiz = quiz
    module.save_revision().publish()
    return module


def sign(client, document):
    return client.post(
        reverse("guidelines:sign", args=[document.pk]),
        {"version": current_version(document=document).pk, "accept": "on"},
    )


def test_the_last_answer_is_stored_and_the_result_says_what_is_missing(
    employee_client, employee, quiz, module, document
):
    start(employee_client, quiz, module=module.pk)
    sitting = Sitting.objects.get(user=employee)
    response = answer(employee_client, quiz, sitting)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("quizzes:result", args=[sitting.pk]))
    sitting.refresh_from_db()
    assert sitting.complete and sitting.passed
    assert SittingAnswer.objects.filter(sitting=sitting).count() == 1
    assert not ModuleCompletion.objects.exists() and not Enrollment.objects.exists()

    page = employee_client.get(response["Location"]).content.decode()
    assert "Passed." in page
    assert "Your pass counts in “Gated course” as soon as you have accepted" in page
    assert document.url in page
    # A retry of the same last answer does not fail either.
    assert answer_again(employee_client, quiz, sitting).status_code == 302


def answer_again(client, quiz, sitting):
    return client.post(
        reverse("quizzes:take", args=[quiz.slug]),
        {"question": sitting.question_order[0], "true_false": "true"},
    )


def test_accepting_the_guidelines_makes_the_pass_count(
    employee_client, employee, quiz, module, document
):
    start(employee_client, quiz, module=module.pk)
    answer(employee_client, quiz, Sitting.objects.get(user=employee))
    assert sign(employee_client, document).status_code == 302
    assert SignOff.objects.filter(user=employee).exists()
    assert ModuleCompletion.objects.filter(user=employee, module=module).exists()
    enrollment = Enrollment.objects.get(user=employee)
    assert enrollment.completed_at is not None  # its only module is done
    page = employee_client.get(reverse("quizzes:result", args=[Sitting.objects.get().pk]))
    assert "as soon as you have accepted" not in page.content.decode()


def test_a_pass_decided_by_marking_does_not_fail_the_marker(employee, trainer_client, document):
    quiz = factories.quiz(questions=[{"kind": "essay"}], pass_mark=100)
    course = factories.course(modules=1)
    course.required_guidelines.add(document)
    course.save_revision().publish()
    module = factories.modules_of(course)[0]
    module.quiz = quiz
    module.save_revision().publish()
    sitting = services.start_sitting(user=employee, quiz=quiz, module_id=module.pk)
    services.submit_answer(
        user=employee, sitting_id=sitting.pk, question_id=sitting.question_order[0], essay="Mine"
    )
    essay = SittingAnswer.objects.get(sitting=sitting)
    response = trainer_client.post(
        reverse("quizzes:mark", args=[sitting.pk]),
        {"answer": essay.pk, f"answer-{essay.pk}-correct": "1"},
    )
    assert response.status_code == 302
    sitting.refresh_from_db()
    essay.refresh_from_db()
    assert sitting.passed is True and essay.is_correct is True and essay.marked_by_id
    assert not ModuleCompletion.objects.exists()


def test_a_second_document_still_missing_keeps_the_module_open(
    employee_client, employee, quiz, module, document
):
    other = factories.guideline(title="Crisis plan")
    course = module.get_parent().specific
    course.required_guidelines.add(other)
    course.save_revision().publish()
    start(employee_client, quiz, module=module.pk)
    answer(employee_client, quiz, Sitting.objects.get(user=employee))
    assert sign(employee_client, document).status_code == 302
    assert not ModuleCompletion.objects.exists()
    assert sign(employee_client, other).status_code == 302
    assert ModuleCompletion.objects.filter(user=employee, module=module).exists()
