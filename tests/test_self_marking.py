"""Nobody marks their own attempt (issue #13, item 5)."""

import pytest
from django.test import Client
from django.urls import reverse

from lms.people import roles
from lms.quizzes import services
from lms.quizzes.models import Sitting, SittingAnswer
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_attempt(trainer):
    """An essay the trainer wrote in a quiz of their own, waiting for marking."""
    quiz = factories.quiz(questions=[{"kind": "essay"}], pass_mark=100, exam_paper=True)
    sitting = services.start_sitting(user=trainer, quiz=quiz)
    services.submit_answer(
        user=trainer, sitting_id=sitting.pk, question_id=sitting.question_order[0], essay="Me"
    )
    sitting.refresh_from_db()
    assert sitting.needs_marking
    return sitting


@pytest.fixture
def other_trainer_client(db) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.user(username="otto", groups=(roles.TRAINERS,)))
    return client


def mark_data(essay):
    return {"answer": essay.pk, f"answer-{essay.pk}-correct": "1"}


def test_the_service_refuses(trainer, own_attempt):
    essay = SittingAnswer.objects.get(sitting=own_attempt)
    with pytest.raises(services.OwnAttempt):
        services.mark_essay(marker=trainer, answer_id=essay.pk, correct=True)
    essay.refresh_from_db()
    own_attempt.refresh_from_db()
    assert essay.is_correct is None and essay.marked_by_id is None
    assert own_attempt.needs_marking and own_attempt.passed is None


def test_the_queue_does_not_offer_it(trainer_client, other_trainer_client, own_attempt):
    mark_url = reverse("quizzes:mark", args=[own_attempt.pk])
    for params in ({}, {"include_marked": "on"}):
        queue = trainer_client.get(reverse("quizzes:marking"), params).content.decode()
        assert mark_url not in queue
    assert mark_url in other_trainer_client.get(reverse("quizzes:marking")).content.decode()


def test_the_view_refuses_with_403(trainer_client, own_attempt):
    url = reverse("quizzes:mark", args=[own_attempt.pk])
    response = trainer_client.get(url)
    assert response.status_code == 403
    assert "You cannot mark your own attempt" in response.content.decode()
    essay = SittingAnswer.objects.get(sitting=own_attempt)
    assert trainer_client.post(url, mark_data(essay)).status_code == 403
    essay.refresh_from_db()
    assert essay.is_correct is None


def test_another_trainer_marks_it(other_trainer_client, own_attempt):
    essay = SittingAnswer.objects.get(sitting=own_attempt)
    response = other_trainer_client.post(
        reverse("quizzes:mark", args=[own_attempt.pk]), mark_data(essay)
    )
    assert response.status_code == 302
    assert Sitting.objects.get(pk=own_attempt.pk).passed is True
