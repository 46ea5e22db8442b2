"""Learner records survive content edits: quizzes and questions with attempts or answers
are archived, not deleted; an attempt whose question vanished moves on; a gate whose quiz
cannot be taken blocks (issue #13, item 3)."""

from datetime import timedelta

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from courses.models import ModuleCompletion
from lms.guidelines.models import SignOff
from lms.guidelines.selectors import current_version
from lms.quizzes import services
from lms.quizzes.models import Question, Quiz, QuizQuestion, Sitting, SittingAnswer
from tests import factories
from tests.test_quizzes import answer, current, right, start

pytestmark = pytest.mark.django_db


def snippet_url(model, view, *args):
    return reverse(f"wagtailsnippets_quizzes_{model._meta.model_name}:{view}", args=args)


def bulk_delete_url(model, *objects):
    url = reverse("wagtail_bulk_action", args=("quizzes", model._meta.model_name, "delete"))
    return url + "?" + "&".join(f"id={obj.pk}" for obj in objects)


@pytest.fixture
def quiz(db):
    return factories.quiz(questions=[{}, {}, {}], pass_mark=50, exam_paper=True)


@pytest.fixture
def finished(employee, quiz):
    """A finished attempt: an exam paper with three answers."""
    sitting = services.start_sitting(user=employee, quiz=quiz)
    for question_id in sitting.question_order:
        question = Question.objects.get(pk=question_id)
        services.submit_answer(
            user=employee,
            sitting_id=sitting.pk,
            question_id=question_id,
            choice_ids=[question.answers.get(correct=True).pk],
        )
    sitting.refresh_from_db()
    assert sitting.complete and sitting.passed
    return sitting


class TestQuizWithAttempts:
    def test_admin_delete_is_refused_with_a_message(self, trainer_client, quiz, finished):
        response = trainer_client.get(snippet_url(Quiz, "delete", quiz.pk), follow=True)
        page = response.content.decode()
        assert response.status_code == 200
        assert f"“{quiz.title}” cannot be deleted" in page
        assert "Archive it instead" in page

        response = trainer_client.post(snippet_url(Quiz, "delete", quiz.pk))
        assert response.status_code == 302
        assert response["Location"] == snippet_url(Quiz, "edit", quiz.pk)
        assert Quiz.objects.filter(pk=quiz.pk).exists()
        assert SittingAnswer.objects.filter(sitting=finished).count() == 3

    def test_bulk_delete_is_refused_too(self, trainer_client, quiz, finished):
        unused = factories.quiz(questions=[{}])
        response = trainer_client.post(bulk_delete_url(Quiz, quiz, unused))
        assert response.status_code == 302
        assert Quiz.objects.filter(pk__in=[quiz.pk, unused.pk]).count() == 2
        assert Sitting.objects.filter(pk=finished.pk).exists()

    def test_the_orm_refuses_too(self, quiz, finished):
        with pytest.raises(ProtectedError):
            quiz.delete()
        with pytest.raises(ProtectedError):
            Quiz.objects.filter(pk=quiz.pk).delete()

    def test_a_quiz_without_attempts_can_still_be_deleted(self, trainer_client):
        unused = factories.quiz(questions=[{}])
        response = trainer_client.post(snippet_url(Quiz, "delete", unused.pk))
        assert response.status_code == 302
        assert not Quiz.objects.filter(pk=unused.pk).exists()

    def test_a_module_keeps_its_gate(self, trainer_client, quiz):
        course = factories.course(modules=1)
        module = factories.modules_of(course)[0]
        module.quiz = quiz
        module.save_revision().publish()
        trainer_client.post(snippet_url(Quiz, "delete", quiz.pk))
        module.refresh_from_db()
        assert module.quiz_id == quiz.pk
        with pytest.raises(ProtectedError):
            quiz.delete()

    def test_a_guideline_keeps_its_comprehension_quiz(self, quiz):
        document = factories.guideline(quiz=quiz)
        with pytest.raises(ProtectedError):
            quiz.delete()
        document.refresh_from_db()
        assert document.quiz_id == quiz.pk


class TestArchivedQuiz:
    def test_hidden_from_learners_history_kept(
        self, employee_client, trainer_client, quiz, finished
    ):
        quiz.archived = True
        quiz.save()
        assert employee_client.get(reverse("quizzes:detail", args=[quiz.slug])).status_code == 404
        assert start(employee_client, quiz).status_code == 404
        result = employee_client.get(reverse("quizzes:result", args=[finished.pk]))
        assert result.status_code == 200
        papers = employee_client.get(reverse("quizzes:progress")).content.decode()
        assert quiz.title in papers
        assert trainer_client.get(reverse("quizzes:detail", args=[quiz.slug])).status_code == 200

    def test_not_offered_by_the_chooser(self, trainer_client, quiz):
        retired = factories.quiz(title="Retired quiz", questions=[{}], archived=True)
        page = trainer_client.get(reverse("wagtailsnippetchoosers_quizzes_quiz:choose"))
        assert page.status_code == 200
        assert quiz.title in page.content.decode()
        assert retired.title not in page.content.decode()

    def test_a_module_whose_quiz_is_archived_blocks(self, employee_client, quiz):
        course = factories.course(modules=1)
        module = factories.modules_of(course)[0]
        module.quiz = quiz
        module.save_revision().publish()
        quiz.archived = True
        quiz.save()
        page = employee_client.get(module.url).content.decode()
        assert "not available at the moment" in page
        assert "quiz not available" in employee_client.get(course.url).content.decode()
        employee_client.post(reverse("courses:complete_module", args=[module.pk]))
        assert not ModuleCompletion.objects.exists()

    def test_a_previous_pass_still_counts(self, employee_client, employee, quiz, finished):
        course = factories.course(modules=1)
        module = factories.modules_of(course)[0]
        module.quiz = quiz
        module.save_revision().publish()
        quiz.archived = True
        quiz.save()
        employee_client.post(reverse("courses:complete_module", args=[module.pk]))
        assert ModuleCompletion.objects.filter(user=employee, module=module).exists()


class TestQuestionWithAnswers:
    def test_admin_delete_is_refused(self, trainer_client, finished):
        question = Question.objects.get(pk=finished.question_order[0])
        response = trainer_client.post(snippet_url(Question, "delete", question.pk), follow=True)
        assert "cannot be deleted" in response.content.decode()
        assert Question.objects.filter(pk=question.pk).exists()
        assert SittingAnswer.objects.filter(sitting=finished).count() == 3
        with pytest.raises(ProtectedError):
            question.delete()

    def test_removing_it_from_the_quiz_keeps_the_answers(self, trainer_client, quiz, finished):
        question_id = finished.question_order[0]
        QuizQuestion.objects.filter(quiz=quiz, question_id=question_id).delete()
        assert SittingAnswer.objects.filter(sitting=finished, question_id=question_id).exists()
        # The exam paper, as a trainer reviews it, still shows the question and the answer.
        page = trainer_client.get(reverse("quizzes:result", args=[finished.pk])).content.decode()
        assert Question.objects.get(pk=question_id).content in page
        finished.refresh_from_db()
        assert (finished.score, finished.possible) == (3, 3)

    def test_archived_questions_are_not_asked_or_offered(self, employee, trainer_client, quiz):
        first = quiz.quiz_questions.order_by("sort_order").first().question
        first.archived = True
        first.save()
        sitting = services.start_sitting(user=employee, quiz=quiz)
        assert first.pk not in sitting.question_order and len(sitting.question_order) == 2
        page = trainer_client.get(reverse("wagtailsnippetchoosers_quizzes_question:choose"))
        assert first.content not in page.content.decode()

    def test_archived_questions_are_not_drawn_from_a_pool(self, employee):
        category = factories.quiz_category()
        kept = factories.question(category=category)
        factories.question(category=category, archived=True)
        pooled = factories.quiz(question_pool=category)
        sitting = services.start_sitting(user=employee, quiz=pooled)
        assert sitting.question_order == [kept.pk]


class TestVanishedCurrentQuestion:
    def test_the_attempt_moves_on(self, employee_client, employee, trainer_client, quiz):
        start(employee_client, quiz)
        sitting = Sitting.objects.get(user=employee)
        answer(employee_client, quiz, sitting)
        doomed = current(sitting)
        # Not answered by anyone yet, so the trainer may delete it.
        response = trainer_client.post(snippet_url(Question, "delete", doomed.pk))
        assert response.status_code == 302
        assert not Question.objects.filter(pk=doomed.pk).exists()

        take = reverse("quizzes:take", args=[quiz.slug])
        response = employee_client.get(take, follow=True)
        assert response.status_code == 200
        assert "A question was removed from the quiz" in response.content.decode()
        sitting.refresh_from_db()
        assert doomed.pk not in sitting.question_order and sitting.possible == 2
        last = current(sitting)
        assert last.content in response.content.decode()
        response = employee_client.post(take, {"question": last.pk, **right(last)})
        sitting.refresh_from_db()
        assert sitting.complete and (sitting.score, sitting.possible) == (2, 2)
        assert employee_client.get(take).status_code == 302  # no 500 ever after

    def test_the_last_questions_vanish_the_attempt_is_scored(self, employee_client, employee, quiz):
        start(employee_client, quiz)
        sitting = Sitting.objects.get(user=employee)
        answer(employee_client, quiz, sitting)
        Question.objects.filter(pk__in=sitting.question_order[1:]).delete()
        response = employee_client.get(reverse("quizzes:take", args=[quiz.slug]))
        assert response["Location"] == reverse("quizzes:result", args=[sitting.pk])
        sitting.refresh_from_db()
        assert sitting.complete and sitting.passed
        assert (sitting.score, sitting.possible) == (1, 1)

    def test_an_attempt_left_empty_is_withdrawn(self, employee_client, employee):
        quiz = factories.quiz(questions=[{}], single_attempt=True)
        start(employee_client, quiz)
        Question.objects.filter(pk__in=Sitting.objects.get().question_order).delete()
        response = employee_client.get(reverse("quizzes:take", args=[quiz.slug]), follow=True)
        assert "Start again" in response.content.decode()
        assert not Sitting.objects.exists()

    def test_an_answer_to_a_question_deleted_meanwhile(self, employee, quiz):
        sitting = services.start_sitting(user=employee, quiz=quiz)
        question_id = sitting.question_order[0]
        Question.objects.filter(pk=question_id).delete()
        result = services.submit_answer(
            user=employee, sitting_id=sitting.pk, question_id=question_id, choice_ids=[1]
        )
        assert result.skipped and not result.finished and result.answer is None
        sitting.refresh_from_db()
        assert question_id not in sitting.question_order and sitting.possible == 2

    def test_time_out_does_not_count_vanished_questions(self, employee, quiz):
        sitting = services.start_sitting(user=employee, quiz=quiz)
        Question.objects.filter(pk=sitting.question_order[-1]).delete()
        Sitting.objects.filter(pk=sitting.pk).update(deadline=sitting.start)
        sitting.refresh_from_db()
        assert services.close_if_expired(sitting=sitting, now=sitting.start + timedelta(hours=1))
        sitting.refresh_from_db()
        assert sitting.complete and sitting.possible == 2


class TestGuidelineQuizThatCannotBeTaken:
    @pytest.mark.parametrize("state", ["draft", "archived"])
    def test_signing_stays_blocked(self, employee_client, employee, state):
        quiz = factories.quiz(questions=[{"kind": "tf", "correct": True}], pass_mark=100)
        document = factories.guideline(quiz=quiz)
        setattr(quiz, state, True)
        quiz.save()
        page = employee_client.get(document.url).content.decode()
        assert "comprehension quiz for this document is not available" in page
        assert "I have read this document and accept it." not in page
        response = employee_client.post(
            reverse("guidelines:sign", args=[document.pk]),
            {"version": current_version(document=document).pk, "accept": "on"},
            follow=True,
        )
        assert "comprehension quiz for this document is not available" in (
            response.content.decode()
        )
        assert not SignOff.objects.filter(user=employee).exists()


class TestChoosingArchivedContent:
    def quiz_form(self, question, **extra):
        return {
            "title": "New quiz",
            "slug": "new-quiz",
            "pass_mark": "50",
            "review": "after_each",
            "quiz_questions-TOTAL_FORMS": "1",
            "quiz_questions-INITIAL_FORMS": "0",
            "quiz_questions-MIN_NUM_FORMS": "0",
            "quiz_questions-MAX_NUM_FORMS": "1000",
            "quiz_questions-0-question": str(question.pk),
            "quiz_questions-0-ORDER": "1",
            "quiz_questions-0-id": "",
            "quiz_questions-0-DELETE": "",
            **extra,
        }

    def test_an_archived_question_cannot_be_added_to_a_quiz(self, trainer_client):
        retired = factories.question(archived=True)
        response = trainer_client.post(snippet_url(Quiz, "add"), self.quiz_form(retired))
        assert response.status_code == 200
        assert "This question is archived. Choose a current question." in (
            response.content.decode()
        )
        assert not Quiz.objects.filter(slug="new-quiz").exists()

    def test_a_current_question_can(self, trainer_client):
        response = trainer_client.post(
            snippet_url(Quiz, "add"), self.quiz_form(factories.question())
        )
        assert response.status_code == 302
        assert Quiz.objects.get(slug="new-quiz").quiz_questions.count() == 1
