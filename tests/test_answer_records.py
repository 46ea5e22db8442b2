"""Exam papers keep what the learner saw and chose; chosen options and categories with
records cannot be deleted (issue #13, item 3 follow-up: answer options, category progress)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.urls import reverse

from lms.quizzes import services
from lms.quizzes.admin_forms import QuestionAdminForm
from lms.quizzes.importing import QuizImportError
from lms.quizzes.models import (
    Answer,
    Category,
    CategoryProgress,
    ChosenAnswer,
    Question,
    SittingAnswer,
)
from lms.quizzes.question_csv import import_questions_csv
from tests import factories
from tests.test_content_edits import snippet_url
from tests.test_quiz_import import csv_file, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(db):
    return factories.quiz_category(name="Networks")


@pytest.fixture
def question(category):
    return factories.question(
        content="Which network is for business?",
        answers=[("LinkedIn", True), ("Myspace", False), ("Xing", False)],
        category=category,
    )


@pytest.fixture
def quiz(question):
    return factories.quiz(questions=[question], exam_paper=True, pass_mark=50)


@pytest.fixture
def sitting(employee, quiz, question):
    """A finished exam paper: the learner chose “Myspace” (wrong)."""
    started = services.start_sitting(user=employee, quiz=quiz)
    services.submit_answer(
        user=employee,
        sitting_id=started.pk,
        question_id=question.pk,
        choice_ids=[question.answers.get(content="Myspace").pk],
    )
    started.refresh_from_db()
    assert started.complete and not started.passed
    return started


def question_form(question, *, content=None, delete=(), rename=None, correct=None):
    """The snippet editor's POST for `question`, with its options edited."""
    rename = rename or {}
    options = list(question.answers.order_by("sort_order", "pk"))
    data = {
        "kind": question.kind,
        "category": str(question.category_id or ""),
        "sub_category": "",
        "content": content or question.content,
        "figure": "",
        "answer_order": question.answer_order,
        "correct_statement": "",
        "explanation": question.explanation,
        "answers-TOTAL_FORMS": str(len(options)),
        "answers-INITIAL_FORMS": str(len(options)),
        "answers-MIN_NUM_FORMS": "0",
        "answers-MAX_NUM_FORMS": "1000",
    }
    for index, option in enumerate(options):
        is_correct = option.correct if correct is None else option.content == correct
        data |= {
            f"answers-{index}-id": str(option.pk),
            f"answers-{index}-content": rename.get(option.content, option.content),
            f"answers-{index}-ORDER": str(index + 1),
            f"answers-{index}-DELETE": "1" if option.content in delete else "",
        }
        if is_correct:
            data[f"answers-{index}-correct"] = "on"
    return data


def paper(client, sitting) -> str:
    """The review part of the exam paper (after the messages, which may name the edit)."""
    response = client.get(reverse("quizzes:result", args=[sitting.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('<ol class="review">') :]


class TestChosenOption:
    def test_deleting_it_in_the_editor_is_a_form_error(self, trainer_client, question, sitting):
        response = trainer_client.post(
            snippet_url(Question, "edit", question.pk),
            question_form(question, content="Edited meanwhile?", delete={"Myspace"}),
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "The answer “Myspace” cannot be deleted: learners chose it" in page
        question.refresh_from_db()
        assert question.content == "Which network is for business?"
        assert question.answers.count() == 3
        chosen = SittingAnswer.objects.get(sitting=sitting).chosen_answers.get()
        assert chosen.content == "Myspace"

    def test_an_option_nobody_chose_can_still_be_deleted(self, trainer_client, question, sitting):
        response = trainer_client.post(
            snippet_url(Question, "edit", question.pk), question_form(question, delete={"Xing"})
        )
        assert response.status_code == 302
        assert sorted(question.answers.values_list("content", flat=True)) == [
            "LinkedIn",
            "Myspace",
        ]

    def test_a_choice_made_after_the_form_check_is_not_a_500(
        self, trainer_client, question, sitting, monkeypatch
    ):
        # As if the learner chose the option between the form check and the save.
        monkeypatch.setattr(
            QuestionAdminForm, "is_valid", lambda form: super(QuestionAdminForm, form).is_valid()
        )
        response = trainer_client.post(
            snippet_url(Question, "edit", question.pk),
            question_form(question, content="Edited meanwhile?", delete={"Myspace"}),
        )
        assert response.status_code == 200
        assert "Nothing was saved: records refer to something this change removes" in (
            response.content.decode()
        )
        question.refresh_from_db()
        assert question.content == "Which network is for business?"
        assert question.answers.count() == 3

    def test_the_database_refuses_too(self, question, sitting):
        with pytest.raises(ProtectedError):
            question.answers.get(content="Myspace").delete()
        assert ChosenAnswer.objects.filter(sittinganswer__sitting=sitting).count() == 1

    def test_the_csv_import_reports_it_as_an_error(self, employee):
        quiz = factories.quiz(slug="basics")
        columns = {"key": "k1", "type": "mc", "question": "Best network?", "quizzes": "basics"}
        import_questions_csv(
            file=csv_file(
                row(
                    **columns, correct="1", answer_1="LinkedIn", answer_2="Xing", answer_3="Myspace"
                )
            )
        )
        question = Question.objects.get(import_key="csv:k1")
        myspace = question.answers.get(content="Myspace")
        started = services.start_sitting(user=employee, quiz=quiz)
        services.submit_answer(
            user=employee, sitting_id=started.pk, question_id=question.pk, choice_ids=[myspace.pk]
        )
        with pytest.raises(QuizImportError) as error:
            import_questions_csv(
                file=csv_file(
                    row(**columns, correct="1", answer_1="LinkedIn", answer_2="Xing"),
                    row(key="k2", type="essay", question="Tell a story.", quizzes="nope"),
                )
            )
        # Found while checking the rows, with the other problems, before anything is written.
        assert "The CSV has 2 error(s)" in str(error.value)
        assert "row 2: answer 3 (“Myspace”) was chosen by learners in past attempts" in str(
            error.value
        )
        assert question.answers.count() == 3
        assert SittingAnswer.objects.get(sitting=started).chosen_answers.get() == myspace


class TestExamPaperKeepsWhatWasAsked:
    def test_editing_options_and_question_does_not_change_the_paper(
        self, trainer_client, employee_client, question, sitting
    ):
        response = trainer_client.post(
            snippet_url(Question, "edit", question.pk),
            question_form(
                question,
                content="Which network is for recruiters?",
                rename={"Myspace": "Facebook", "LinkedIn": "LinkedIn (new)"},
                correct="Myspace",
            ),
        )
        assert response.status_code == 302
        assert question.answers.get(content="Facebook").correct

        page = paper(trainer_client, sitting)
        assert "Which network is for business?" in page
        assert "Which network is for recruiters?" not in page
        assert "Myspace" in page and "Facebook" not in page and "LinkedIn (new)" not in page
        item = page[page.index("Myspace") : page.index("Xing")]
        assert "your answer" in item and "✓" not in item  # chosen, and wrong at the time

    def test_true_false_statement_is_kept(self, trainer_client, employee):
        statement = factories.question(kind="tf", content="The sky is green.", correct=False)
        quiz = factories.quiz(questions=[statement], exam_paper=True)
        started = services.start_sitting(user=employee, quiz=quiz)
        services.submit_answer(
            user=employee, sitting_id=started.pk, question_id=statement.pk, true_false=False
        )
        Question.objects.filter(pk=statement.pk).update(
            content="The sky is blue.", correct_statement=True
        )
        page = paper(trainer_client, started)
        assert "The sky is green." in page and "The sky is blue." not in page
        assert "Right answer: False" in " ".join(page.split())

    def test_marking_shows_the_essay_question_as_asked(self, trainer_client, employee):
        essay = factories.question(kind="essay", content="Describe your pitch.")
        quiz = factories.quiz(questions=[essay], exam_paper=True)
        started = services.start_sitting(user=employee, quiz=quiz)
        services.submit_answer(
            user=employee, sitting_id=started.pk, question_id=essay.pk, essay="I listen first."
        )
        Question.objects.filter(pk=essay.pk).update(content="Describe your budget.")
        page = trainer_client.get(reverse("quizzes:mark", args=[started.pk])).content.decode()
        assert "Describe your pitch." in page and "Describe your budget." not in page

    def test_answers_stored_before_snapshots_show_the_current_question(
        self, trainer_client, question, sitting
    ):
        SittingAnswer.objects.filter(sitting=sitting).update(snapshot={})
        Answer.objects.filter(question=question, content="Xing").update(content="Mastodon")
        page = paper(trainer_client, sitting)
        assert "Mastodon" in page
        item = page[page.index("Myspace") : page.index("Mastodon")]
        assert "your answer" in item


class TestCategoryWithRecords:
    def test_delete_with_progress_is_refused_with_a_message(
        self, trainer_client, category, question, sitting
    ):
        assert CategoryProgress.objects.filter(category=category).exists()
        Question.objects.filter(category=category).update(category=None)
        response = trainer_client.post(snippet_url(Category, "delete", category.pk), follow=True)
        page = response.content.decode()
        assert response.status_code == 200
        assert "“Networks” cannot be deleted: records refer to it (Quiz progress: 1)" in page
        assert Category.objects.filter(pk=category.pk).exists()
        assert CategoryProgress.objects.get(category=category).possible == 1

    def test_delete_with_questions_or_quizzes_is_refused(self, trainer_client, category):
        factories.question(category=category)
        factories.quiz(category=category)
        response = trainer_client.get(snippet_url(Category, "delete", category.pk), follow=True)
        page = response.content.decode()
        assert "“Networks” cannot be deleted: records refer to it" in page
        assert "Questions: 1" in page and "Quizzes: 1" in page
        assert Category.objects.filter(pk=category.pk).exists()

    def test_the_database_refuses_too(self, category, question, sitting):
        Question.objects.filter(category=category).update(category=None)
        with pytest.raises(ProtectedError):
            category.delete()

    def test_an_unused_category_can_be_deleted(self, trainer_client):
        empty = factories.quiz_category(name="Empty")
        response = trainer_client.post(snippet_url(Category, "delete", empty.pk))
        assert response.status_code == 302
        assert not Category.objects.filter(pk=empty.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_keeps_chosen_answers_and_fills_snapshots(employee, question, sitting):
    """Back to before the through model and the snapshot, then forward again."""
    before = list(ChosenAnswer.objects.values_list("pk", "sittinganswer_id", "answer_id"))
    assert len(before) == 1
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("quizzes")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("quizzes", "0004_archive_instead_of_delete")])
        old_apps = executor.loader.project_state(
            [("quizzes", "0004_archive_instead_of_delete")]
        ).apps
        OldSittingAnswer = old_apps.get_model("quizzes", "SittingAnswer")
        old_answer = OldSittingAnswer.objects.get(sitting_id=sitting.pk)
        assert [a.pk for a in old_answer.chosen_answers.all()] == [before[0][2]]
        # Edited before the upgrade: the snapshot takes the question as it is then.
        Answer.objects.filter(question=question, content="Myspace").update(content="MySpace")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    after = list(ChosenAnswer.objects.values_list("pk", "sittinganswer_id", "answer_id"))
    assert after == before
    snapshot = SittingAnswer.objects.get(sitting=sitting).snapshot
    options = {option["content"]: option["correct"] for option in snapshot["options"]}
    assert snapshot["question"] == "Which network is for business?"
    assert options == {"LinkedIn": True, "MySpace": False, "Xing": False}
    assert snapshot["chosen"] == [before[0][2]]
