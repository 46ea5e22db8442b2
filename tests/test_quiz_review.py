"""Issue #15: the result page reviews every question as the quiz's review mode allows,
marking feedback reaches the learner, a guideline's quiz leads back to the document, and
questions are written and chosen in the quiz editor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.guidelines.selectors import current_version
from lms.quizzes import services
from lms.quizzes.models import Question, Quiz, ReviewMode, Sitting, SittingAnswer
from lms.quizzes.signals import essay_marked
from tests import factories

pytestmark = pytest.mark.django_db


def finish(user, quiz, good):
    """Take `quiz` through the services; good: one bool per question (essays get text)."""
    sitting = services.start_sitting(user=user, quiz=quiz)
    questions = Question.objects.in_bulk(sitting.question_order)
    for question_id, right in zip(sitting.question_order, good, strict=True):
        question = questions[question_id]
        if question.kind == "mc":
            choice = [a.pk for a in question.answers.all() if a.correct == right]
            services.submit_answer(
                user=user, sitting_id=sitting.pk, question_id=question_id, choice_ids=choice[:1]
            )
        elif question.kind == "tf":
            services.submit_answer(
                user=user,
                sitting_id=sitting.pk,
                question_id=question_id,
                true_false=question.correct_statement if right else not question.correct_statement,
            )
        else:
            services.submit_answer(
                user=user, sitting_id=sitting.pk, question_id=question_id, essay="My essay text."
            )
    sitting.refresh_from_db()
    assert sitting.complete
    return sitting


def result_page(client, sitting) -> str:
    response = client.get(reverse("quizzes:result", args=[sitting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def review_quiz(review, **options):
    return factories.quiz(
        questions=[
            {
                "content": "Which network suits B2B?",
                "answers": [("LinkedIn", True), ("TikTok", False)],
                "explanation": "Decision makers read LinkedIn.",
            },
            {"kind": "tf", "content": "Hashtags are free.", "correct": True},
        ],
        review=review,
        pass_mark=100,
        **options,
    )


class TestReviewModes:
    def test_after_each_question_reviews_every_question_with_the_right_answers(
        self, employee_client, employee
    ):
        sitting = finish(employee, review_quiz(ReviewMode.AFTER_EACH), [False, True])
        page = result_page(employee_client, sitting)
        assert page.count('class="review__item') == 2
        assert "Which network suits B2B?" in page and "Hashtags are free." in page
        assert "your answer" in page and "✓ right" in page
        assert "Decision makers read LinkedIn." in page
        assert "Right answer:" in page

    def test_at_end_shows_no_feedback_while_taking_but_the_full_review(
        self, employee_client, employee
    ):
        quiz = review_quiz(ReviewMode.AT_END)
        employee_client.post(reverse("quizzes:start", args=[quiz.slug]))
        sitting = Sitting.objects.get(user=employee)
        first = Question.objects.get(pk=sitting.question_order[0])
        wrong = first.answers.get(correct=False)
        response = employee_client.post(
            reverse("quizzes:take", args=[quiz.slug]),
            {"question": first.pk, "choice": [str(wrong.pk)]},
        )
        assert "after=" not in response["Location"]
        page = employee_client.get(response["Location"] + f"?after={first.pk}").content.decode()
        assert "Decision makers read LinkedIn." not in page
        finish_rest = services.submit_answer(
            user=employee,
            sitting_id=sitting.pk,
            question_id=sitting.question_order[1],
            true_false=True,
        )
        assert finish_rest.finished
        page = result_page(employee_client, sitting)
        assert "Decision makers read LinkedIn." in page and "✓ right" in page

    def test_once_passed_withholds_the_right_answers_until_a_pass(self, employee_client, employee):
        quiz = review_quiz(ReviewMode.ONCE_PASSED)
        failed = finish(employee, quiz, [False, True])
        page = result_page(employee_client, failed)
        assert "shown once you have passed this quiz" in page
        assert page.count('class="review__item') == 2
        assert "Your answer: TikTok" in page  # the learner's own answer stays visible
        assert "✓ right" not in page and "Right answer:" not in page
        assert "Decision makers read LinkedIn." not in page

        finish(employee, quiz, [True, True])
        page = result_page(employee_client, failed)
        assert "shown once you have passed" not in page
        assert "✓ right" in page and "Decision makers read LinkedIn." in page

    def test_an_exam_never_shows_the_questions_to_the_learner(self, employee_client, employee):
        sitting = finish(employee, review_quiz(ReviewMode.NEVER, exam_paper=True), [False, True])
        page = result_page(employee_client, sitting)
        assert "1 of 2 right (50 %)" in page
        assert "right answers are not shown" in page
        assert 'class="review__item' not in page
        assert "Which network suits B2B?" not in page
        assert "Decision makers read LinkedIn." not in page

    def test_a_trainer_reviews_an_exam_paper_in_full(self, trainer_client, employee):
        sitting = finish(employee, review_quiz(ReviewMode.NEVER, exam_paper=True), [False, True])
        page = result_page(trainer_client, sitting)
        assert page.count('class="review__item') == 2
        assert "Decision makers read LinkedIn." in page

    def test_the_fail_text_and_pass_mark_still_show(self, employee_client, employee):
        quiz = review_quiz(ReviewMode.AT_END, fail_text="Read the module again.")
        page = result_page(employee_client, finish(employee, quiz, [False, False]))
        assert "Not passed (pass mark 100 %)." in page and "Read the module again." in page


class TestEssays:
    @pytest.fixture
    def essay_quiz(self):
        return factories.quiz(
            questions=[{"kind": "essay", "content": "Describe a good post."}, {}],
            review=ReviewMode.AT_END,
            exam_paper=True,
        )

    def test_a_waiting_essay_shows_no_provisional_percentage(
        self, employee_client, employee, essay_quiz
    ):
        sitting = finish(employee, essay_quiz, [True, True])
        assert sitting.needs_marking
        page = result_page(employee_client, sitting)
        assert "Score: waiting for marking" in page
        assert "right (" not in page and "%)" not in page.split("Score:")[1].split("</p>")[0]
        assert "Waiting for marking." in page

    def test_the_trainers_comment_reaches_the_learner(
        self, employee_client, employee, trainer, essay_quiz
    ):
        sitting = finish(employee, essay_quiz, [True, True])
        essay = SittingAnswer.objects.get(sitting=sitting, question__kind="essay")
        services.mark_essay(
            marker=trainer, answer_id=essay.pk, correct=True, comment="Clear and friendly."
        )
        page = result_page(employee_client, sitting)
        assert "Trainer&#x27;s comment" in page or "Trainer's comment" in page
        assert "Clear and friendly." in page
        assert "Score: waiting for marking" not in page and "2 of 2 right (100 %)" in page

    def test_the_comment_is_shown_even_in_an_exam(self, employee_client, employee, trainer):
        quiz = factories.quiz(
            questions=[{"kind": "essay", "content": "Describe a good post."}, {}],
            review=ReviewMode.NEVER,
            exam_paper=True,
        )
        sitting = finish(employee, quiz, [True, True])
        essay = SittingAnswer.objects.get(sitting=sitting, question__kind="essay")
        services.mark_essay(marker=trainer, answer_id=essay.pk, correct=False, comment="Too short.")
        page = result_page(employee_client, sitting)
        assert "Too short." in page and "Describe a good post." in page
        assert page.count('class="review__item') == 1  # only the commented essay

    def test_the_comment_written_in_the_marking_form_is_shown(
        self, employee_client, trainer_client, employee, essay_quiz
    ):
        sitting = finish(employee, essay_quiz, [True, True])
        essay = SittingAnswer.objects.get(sitting=sitting, question__kind="essay")
        response = trainer_client.post(
            reverse("quizzes:mark", args=[sitting.pk]),
            {
                "answer": essay.pk,
                f"answer-{essay.pk}-correct": "0",
                f"answer-{essay.pk}-comment": "Name a concrete example.",
            },
        )
        assert response.status_code == 302
        assert "Name a concrete example." in result_page(employee_client, sitting)


class TestEssayMarkedSignal:
    @pytest.fixture
    def received(self):
        calls = []

        def receiver(sender, sitting, answer, marker, **kwargs):
            calls.append((sitting.pk, answer.pk, marker.pk, answer.marker_comment))

        essay_marked.connect(receiver, dispatch_uid="test-essay-marked")
        yield calls
        essay_marked.disconnect(dispatch_uid="test-essay-marked")

    @pytest.fixture
    def waiting(self, employee):
        quiz = factories.quiz(questions=[{"kind": "essay"}], exam_paper=True)
        sitting = finish(employee, quiz, [True])
        return sitting, SittingAnswer.objects.get(sitting=sitting)

    def test_sent_once_after_the_commit(
        self, django_capture_on_commit_callbacks, received, waiting, trainer
    ):
        sitting, essay = waiting
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.mark_essay(marker=trainer, answer_id=essay.pk, correct=True, comment="Good")
            assert received == []  # not before the transaction commits
        assert len(callbacks) == 1
        assert received == [(sitting.pk, essay.pk, trainer.pk, "Good")]

    def test_each_marking_sends_it_once_through_the_marking_form(
        self, django_capture_on_commit_callbacks, received, waiting, trainer_client, trainer
    ):
        sitting, essay = waiting
        data = {"answer": essay.pk, f"answer-{essay.pk}-correct": "1"}
        with django_capture_on_commit_callbacks(execute=True):
            trainer_client.post(reverse("quizzes:mark", args=[sitting.pk]), data)
        with django_capture_on_commit_callbacks(execute=True):
            trainer_client.post(
                reverse("quizzes:mark", args=[sitting.pk]),
                {**data, f"answer-{essay.pk}-comment": "Changed my mind."},
            )
        assert [call[3] for call in received] == ["", "Changed my mind."]

    def test_a_refused_marking_sends_nothing(
        self, django_capture_on_commit_callbacks, received, employee
    ):
        quiz = factories.quiz(questions=[{"kind": "essay"}])
        sitting = finish(employee, quiz, [True])
        essay = SittingAnswer.objects.get(sitting=sitting)
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(services.OwnAttempt),
        ):
            services.mark_essay(marker=employee, answer_id=essay.pk, correct=True)
        assert received == []


class TestGuidelineQuiz:
    def test_passing_leads_back_to_the_document_until_it_is_accepted(
        self, employee_client, employee
    ):
        quiz = factories.quiz(questions=[{}], pass_mark=100)
        document = factories.guideline(title="Crisis plan", quiz=quiz)
        sitting = finish(employee, quiz, [True])
        page = result_page(employee_client, sitting)
        assert "You passed the comprehension quiz. You can now accept the document:" in page
        assert f'href="{document.url}"' in page

        response = employee_client.post(
            reverse("guidelines:sign", args=[document.pk]),
            {"version": current_version(document=document).pk, "accept": "on"},
        )
        assert response.status_code == 302
        assert "You can now accept the document" not in result_page(employee_client, sitting)

    def test_a_failed_attempt_or_another_quiz_names_no_document(self, employee_client, employee):
        quiz = factories.quiz(questions=[{}], pass_mark=100)
        factories.guideline(quiz=quiz)
        failed = finish(employee, quiz, [False])
        assert "You can now accept the document" not in result_page(employee_client, failed)
        other = finish(employee, factories.quiz(questions=[{}]), [True])
        assert "You can now accept the document" not in result_page(employee_client, other)


def test_the_result_page_query_count_does_not_grow_with_the_questions(
    employee_client, employee, trainer, django_assert_num_queries
):
    def questions(count):
        return (
            [{"explanation": "Why."}] * count
            + [{"kind": "tf", "correct": True}] * count
            + [{"kind": "essay"}]
        )

    small = finish(employee, factories.quiz(questions=questions(1)), [True] * 3)
    large = finish(employee, factories.quiz(questions=questions(5)), [True] * 11)
    for sitting in (small, large):
        essay = SittingAnswer.objects.get(sitting=sitting, question__kind="essay")
        services.mark_essay(marker=trainer, answer_id=essay.pk, correct=True, comment="Fine.")
    url = reverse("quizzes:result", args=[small.pk])
    employee_client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small_queries:
        employee_client.get(url)
    with django_assert_num_queries(len(small_queries)):
        page = employee_client.get(reverse("quizzes:result", args=[large.pk])).content.decode()
    assert page.count('class="review__item') == 11
    with django_assert_num_queries(9):  # 8, and one for the notification bell
        employee_client.get(url)


class TestAuthoring:
    def snippet_url(self, model, view, *args):
        return reverse(f"wagtailsnippets_quizzes_{model._meta.model_name}:{view}", args=args)

    def quiz_form(self, rows):
        data = {
            "title": "Written here",
            "slug": "written-here",
            "pass_mark": "50",
            "review": ReviewMode.AT_END,
            "quiz_questions-TOTAL_FORMS": str(len(rows)),
            "quiz_questions-INITIAL_FORMS": "0",
            "quiz_questions-MIN_NUM_FORMS": "0",
            "quiz_questions-MAX_NUM_FORMS": "1000",
        }
        for index, row in enumerate(rows):
            data |= {
                f"quiz_questions-{index}-id": "",
                f"quiz_questions-{index}-ORDER": str(index + 1),
                f"quiz_questions-{index}-DELETE": "",
                f"quiz_questions-{index}-question": "",
                f"quiz_questions-{index}-new_kind": "mc",
            }
            data |= {f"quiz_questions-{index}-{key}": value for key, value in row.items()}
        return data

    def test_the_editor_offers_both_ways_to_add_questions(self, trainer_client):
        quiz = factories.quiz(questions=[{"content": "Already in the quiz?"}])
        for url in (self.snippet_url(Quiz, "add"), self.snippet_url(Quiz, "edit", quiz.pk)):
            page = trainer_client.get(url).content.decode()
            assert "Choose questions from the bank" in page
            assert "Write a new question" in page
            assert "id_quiz_questions-OPEN_MODAL" in page and "id_quiz_questions-WRITE" in page
            assert "Or write a new question" in page
        assert "Already in the quiz?" in page

    def test_questions_written_inline_and_chosen_are_saved_in_order(self, trainer_client):
        category = factories.quiz_category(name="Basics")
        chosen = factories.question(content="From the bank?")
        data = self.quiz_form(
            [
                {"question": str(chosen.pk)},
                {
                    "new_content": "Which network suits B2B?",
                    "new_options": "* LinkedIn\nTikTok\n\n*  Xing",
                    "new_explanation": "Decision makers.",
                },
                {
                    "new_kind": "tf",
                    "new_content": "Hashtags are free.",
                    "new_correct_statement": "true",
                },
                {"new_kind": "essay", "new_content": "Describe a post."},
            ]
        ) | {"category": str(category.pk)}
        response = trainer_client.post(self.snippet_url(Quiz, "add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        quiz = Quiz.objects.get(slug="written-here")
        questions = [row.question for row in quiz.quiz_questions.order_by("sort_order")]
        assert [q.content for q in questions] == [
            "From the bank?",
            "Which network suits B2B?",
            "Hashtags are free.",
            "Describe a post.",
        ]
        written = questions[1]
        assert written.category == category and written.explanation == "Decision makers."
        assert [(a.content, a.correct) for a in written.answers.order_by("sort_order")] == [
            ("LinkedIn", True),
            ("TikTok", False),
            ("Xing", True),
        ]
        assert questions[2].kind == "tf" and questions[2].correct_statement is True

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            ({"new_content": "No right one?", "new_options": "A\nB"}, "Mark at least one answer"),
            ({"new_content": "Only one?", "new_options": "* A"}, "Write at least two answers"),
            (
                {"new_kind": "tf", "new_content": "The sky is green.", "new_correct_statement": ""},
                "Say whether the statement is true or false.",
            ),
            ({}, "Choose a question from the bank or write one."),
        ],
    )
    def test_an_incomplete_inline_question_is_refused(self, trainer_client, row, message):
        before = Question.objects.count()
        response = trainer_client.post(self.snippet_url(Quiz, "add"), self.quiz_form([row]))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Quiz.objects.filter(slug="written-here").exists()
        assert Question.objects.count() == before

    def question_form(self, *, kind, options=(), correct_statement=""):
        data = {
            "kind": kind,
            "category": "",
            "sub_category": "",
            "content": "Edited in the bank?",
            "figure": "",
            "answer_order": "none",
            "correct_statement": correct_statement,
            "explanation": "",
            "answers-TOTAL_FORMS": str(len(options)),
            "answers-INITIAL_FORMS": "0",
            "answers-MIN_NUM_FORMS": "0",
            "answers-MAX_NUM_FORMS": "1000",
        }
        for index, (content, correct) in enumerate(options):
            data |= {
                f"answers-{index}-id": "",
                f"answers-{index}-content": content,
                f"answers-{index}-ORDER": str(index + 1),
                f"answers-{index}-DELETE": "",
            }
            if correct:
                data[f"answers-{index}-correct"] = "on"
        return data

    def test_the_question_editor_refuses_a_multiple_choice_without_a_right_answer(
        self, trainer_client
    ):
        url = self.snippet_url(Question, "add")
        response = trainer_client.post(
            url, self.question_form(kind="mc", options=[("A", False), ("B", False)])
        )
        assert response.status_code == 200
        assert "Mark at least one answer as right." in response.content.decode()
        assert not Question.objects.filter(content="Edited in the bank?").exists()
        response = trainer_client.post(
            url, self.question_form(kind="mc", options=[("A", True), ("B", False)])
        )
        assert response.status_code == 302
        assert Question.objects.filter(content="Edited in the bank?").exists()

    def test_the_question_editor_refuses_a_true_false_without_its_answer(self, trainer_client):
        url = self.snippet_url(Question, "add")
        response = trainer_client.post(url, self.question_form(kind="tf"))
        assert response.status_code == 200
        assert "Say whether the statement is true or false." in response.content.decode()
        assert not Question.objects.filter(content="Edited in the bank?").exists()
