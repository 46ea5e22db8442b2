"""Importing from django-quiz-app 0.5.1 dumps and trainers' question CSVs."""

import copy
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.test import Client
from django.utils import translation

from lms.people.models import User
from lms.quizzes import services
from lms.quizzes.importing import QuizImportError
from lms.quizzes.models import (
    Answer,
    Category,
    CategoryProgress,
    Question,
    Quiz,
    QuizQuestion,
    Sitting,
    SittingAnswer,
    SubCategory,
)
from lms.quizzes.question_csv import CSV_COLUMNS, import_questions_csv
from lms.quizzes.quiz_app_migration import import_quiz_app_dump
from tests import factories

pytestmark = pytest.mark.django_db

DUMP = Path(__file__).parent / "fixtures" / "django_quiz_app_0_5_1_dump.json"
DUMP_RECORDS = json.loads(DUMP.read_text(encoding="utf-8"))
QUIZ_MODELS = [
    Category,
    SubCategory,
    Quiz,
    Question,
    Answer,
    QuizQuestion,
    Sitting,
    SittingAnswer,
    CategoryProgress,
]


def dump() -> list[dict]:
    return copy.deepcopy(DUMP_RECORDS)


def fields(records: list[dict], label: str, pk: int) -> dict:
    return next(r["fields"] for r in records if r["model"] == label and r["pk"] == pk)


def without(records: list[dict], label: str, pk: int) -> list[dict]:
    return [r for r in records if not (r["model"] == label and r["pk"] == pk)]


def run_import(records=None, **options):
    return import_quiz_app_dump(
        records=dump() if records is None else records, report=lambda _: None, **options
    )


def stored_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in QUIZ_MODELS}
    counts["User"] = User.objects.count()
    return counts


def snapshot() -> dict[str, list]:
    data = {model.__name__: list(model.objects.order_by("pk").values()) for model in QUIZ_MODELS}
    data["User"] = list(User.objects.order_by("pk").values())
    data["chosen"] = list(SittingAnswer.chosen_answers.through.objects.order_by("pk").values())
    return data


def imported(model, old_pk: int, kind: str):
    return model.objects.get(import_key=f"quiz-app:{kind}:{old_pk}")


@pytest.fixture
def anna(db):
    # Anna already has an account here; Ben exists only in the old site.
    return factories.user(username="anna", first_name="Anna")


# --- django-quiz-app dump ----------------------------------------------------------------------


def test_command_imports_quizzes_questions_and_answers(anna):
    out = io.StringIO()
    call_command("import_quiz_app", str(DUMP), stdout=out)
    output = out.getvalue()
    assert "Import finished." in output
    assert "questions: 5 created, 0 already present" in output
    assert "attempts: 3 created, 0 already present" in output
    assert "uploads/2019/story-arc.png" in output  # the figure that could not come along
    assert "“ben” as an inactive user" in output

    exam = Quiz.objects.get(slug="social-selling-exam")
    assert (exam.title, exam.pass_mark, exam.exam_paper, exam.review) == (
        "Social Selling Exam",
        60,
        True,
        "at_end",
    )
    assert exam.category.name == "Social Selling"
    assert (exam.success_text, exam.fail_text, exam.draft) == (
        "Well done, you passed.",
        "Please read the modules again.",
        False,
    )
    story = Quiz.objects.get(slug="storytelling-basics")
    assert (story.draft, story.random_order, story.max_questions) == (True, True, None)

    assert {(c.name, c.slug) for c in Category.objects.all()} == {
        ("Social Selling", "social-selling"),
        ("Storytelling", "storytelling"),
    }
    network = imported(Question, 11, "question")
    assert (network.kind, network.answer_order, network.sub_category.name) == (
        "mc",
        "content",
        "LinkedIn Profile",
    )
    assert [(a.content, a.correct) for a in network.answers.order_by("sort_order")] == [
        ("LinkedIn", True),
        ("TikTok", False),
        ("Snapchat", False),
    ]
    profile = imported(Question, 12, "question")
    assert profile.answers.filter(correct=True).count() == 2
    story_question = imported(Question, 13, "question")
    assert (story_question.answer_order, story_question.figure) == ("none", None)
    statement = imported(Question, 14, "question")
    assert (statement.kind, statement.correct_statement) == ("tf", False)
    assert imported(Question, 15, "question").kind == "essay"

    def contents(quiz):
        return [
            item.question.content[:20]
            for item in quiz.quiz_questions.order_by("sort_order").select_related("question")
        ]

    assert contents(exam) == [
        "Which network suits ",
        "Which of these belon",
        "Social selling means",
        "Tell the story of on",
    ]
    assert contents(story) == ["Which of these belon", "What does every good"]


def test_sittings_keep_scores_pass_state_and_answers(anna):
    run_import()
    ben = User.objects.get(username="ben")
    assert not ben.is_active and not ben.has_usable_password()
    assert ben.email == "ben@example.com"
    question = {pk: imported(Question, pk, "question") for pk in range(11, 16)}

    passed = imported(Sitting, 22, "sitting")
    assert (passed.user, passed.attempt, passed.score, passed.possible) == (anna, 1, 3, 4)
    assert (passed.complete, passed.passed, passed.needs_marking, passed.percent) == (
        True,
        True,
        False,
        75,
    )
    assert passed.question_order == [question[pk].pk for pk in (11, 12, 14, 15)]
    assert passed.start == datetime(2023, 3, 2, 9, 0, tzinfo=UTC)
    assert passed.end == datetime(2023, 3, 2, 9, 15, tzinfo=UTC)
    answers = {a.question_id: a for a in passed.answers.prefetch_related("chosen_answers")}
    assert [a.content for a in answers[question[11].pk].chosen_answers.all()] == ["LinkedIn"]
    assert answers[question[11].pk].is_correct is True
    assert [a.pk for a in answers[question[12].pk].chosen_answers.all()] == [
        imported(Answer, 105, "answer").pk
    ]
    assert (answers[question[14].pk].true_false, answers[question[14].pk].is_correct) == (
        True,
        False,
    )
    essay = answers[question[15].pk]
    assert essay.essay == "<p>I <b>listen</b> before I pitch.</p>"  # the <img> is cleaned away
    assert essay.is_correct is True

    failed = imported(Sitting, 21, "sitting")
    assert (failed.user, failed.score, failed.possible, failed.passed) == (ben, 1, 4, False)
    assert failed.question_order == [question[pk].pk for pk in (12, 11, 15, 14)]
    by_question = {a.question_id: a.is_correct for a in failed.answers.all()}
    assert by_question == {
        question[12].pk: True,
        question[11].pk: False,
        question[15].pk: False,
        question[14].pk: False,
    }
    assert failed.answers.get(question=question[15]).essay == "No idea."

    open_ = imported(Sitting, 23, "sitting")
    assert (open_.complete, open_.passed, open_.end, open_.score, open_.possible) == (
        False,
        None,
        None,
        1,
        2,
    )
    assert [(a.question_id, a.is_correct) for a in open_.answers.all()] == [(question[13].pk, True)]


def test_progress_values_are_taken_over(anna):
    run_import()
    values = {
        (p.user.username, p.category.name): (p.score, p.possible)
        for p in CategoryProgress.objects.select_related("user", "category")
    }
    assert values == {
        ("anna", "Social Selling"): (2, 3),
        ("anna", "Storytelling"): (2, 2),
        ("ben", "Social Selling"): (1, 3),
        ("ben", "Storytelling"): (0, 1),
    }


def test_imported_quizzes_work_for_learners(anna, trainer):
    run_import()
    story = Quiz.objects.get(slug="storytelling-basics")
    exam = Quiz.objects.get(slug="social-selling-exam")

    # Anna continues her open attempt where the old site left it.
    sitting = services.start_sitting(user=anna, quiz=story)
    assert sitting == imported(Sitting, 23, "sitting")
    profile = imported(Question, 12, "question")
    result = services.submit_answer(
        user=anna,
        sitting_id=sitting.pk,
        question_id=profile.pk,
        choice_ids=[a.pk for a in profile.answers.filter(correct=True)],
    )
    assert result.finished
    assert (result.sitting.score, result.sitting.possible, result.sitting.passed) == (2, 2, True)

    # A new attempt at the exam counts on from the imported one and can be marked.
    sitting = services.start_sitting(user=anna, quiz=exam)
    assert sitting.attempt == 2
    for question_id in sitting.question_order:
        question = Question.objects.get(pk=question_id)
        result = services.submit_answer(
            user=anna,
            sitting_id=sitting.pk,
            question_id=question_id,
            choice_ids=[a.pk for a in question.answers.filter(correct=True)] or None,
            true_false=question.correct_statement,
            essay="My customer story.",
        )
    assert result.finished and result.sitting.needs_marking
    essay = result.sitting.answers.get(question__kind="essay")
    marked = services.mark_essay(marker=trainer, answer_id=essay.pk, correct=True)
    assert (marked.score, marked.possible, marked.passed) == (4, 4, True)
    progress = CategoryProgress.objects.get(user=anna, category__name="Social Selling")
    # The imported totals (2 of 3) grow by the question Anna answered to finish her open
    # attempt and by the three Social Selling questions of the new exam attempt.
    assert (progress.score, progress.possible) == (6, 7)


def test_second_import_creates_and_changes_nothing(anna):
    first = run_import()
    before = snapshot()
    out = io.StringIO()
    call_command("import_quiz_app", str(DUMP), stdout=out)
    assert snapshot() == before
    assert first.total_created > 0
    second = run_import()
    assert (second.total_created, second.total_updated) == (0, 0)
    assert second.existing["questions"] == 5
    assert second.existing["attempts"] == 3
    assert second.existing["users"] == 2
    assert "questions: 0 created, 5 already present" in out.getvalue()


def test_progress_is_set_from_the_dump_not_added(anna):
    run_import()
    CategoryProgress.objects.filter(user=anna, category__name="Social Selling").update(
        score=9, possible=10
    )
    summary = run_import()
    progress = CategoryProgress.objects.get(user=anna, category__name="Social Selling")
    assert (progress.score, progress.possible) == (2, 3)
    assert summary.updated["progress"] == 1


def test_dry_run_stores_nothing(anna):
    before = stored_counts()
    out = io.StringIO()
    call_command("import_quiz_app", str(DUMP), "--dry-run", stdout=out)
    assert stored_counts() == before
    assert "questions: 5 would be created" in out.getvalue()
    assert "Dry run: nothing was stored." in out.getvalue()


def test_attempts_are_numbered_in_start_order(anna):
    records = dump()
    earlier = copy.deepcopy(
        next(r for r in records if r["pk"] == 22 and r["model"] == "quiz.sitting")
    )
    earlier["pk"] = 30
    earlier["fields"].update(start="2023-02-01T10:00:00Z", end="2023-02-01T10:05:00Z")
    records.append(earlier)
    run_import(records)
    assert imported(Sitting, 30, "sitting").attempt == 1
    assert imported(Sitting, 22, "sitting").attempt == 2


def test_open_attempt_is_skipped_when_the_learner_has_one_already(anna):
    question = factories.question(kind="tf", content="Stories need heroes.", correct=True)
    story = factories.quiz(
        slug="storytelling-basics", title="Storytelling Basics", questions=[question]
    )
    mine = services.start_sitting(user=anna, quiz=story)
    summary = run_import()
    assert not Sitting.objects.filter(import_key="quiz-app:sitting:23").exists()
    assert summary.skipped["attempts"] == 1
    assert any("quiz.sitting pk=23" in warning for warning in summary.warnings)
    assert list(Sitting.objects.filter(user=anna, quiz=story)) == [mine]
    # The imported questions go after the quiz's own.
    order = list(story.quiz_questions.order_by("sort_order").values_list("question_id", flat=True))
    assert order == [
        question.pk,
        imported(Question, 12, "question").pk,
        imported(Question, 13, "question").pk,
    ]


def test_unknown_models_are_skipped_with_a_warning(anna):
    records = dump() + [{"model": "sessions.session", "pk": "abc", "fields": {}}]
    summary = run_import(records)
    assert any("sessions.session" in warning for warning in summary.warnings)
    assert Question.objects.count() == 5


def _break_quiz_fk(records):
    fields(records, "quiz.question", 11)["quiz"] = [3, 99]


def _drop_user(records):
    records[:] = without(without(records, "auth.user", 8), "quiz.progress", 2)


def _half_progress(records):
    fields(records, "quiz.progress", 1)["score"] = "Social Selling,2,"


def _unknown_progress_category(records):
    fields(records, "quiz.progress", 1)["score"] = "Social Selling,2,3,Marketing,1,2,"


def _progress_score_above_possible(records):
    fields(records, "quiz.progress", 2)["score"] = "Social Selling,4,3,"


def _unknown_question_in_order(records):
    fields(records, "quiz.sitting", 22)["question_order"] = "11,12,14,15,99,"


def _broken_user_answers(records):
    fields(records, "quiz.sitting", 22)["user_answers"] = '{"11": "101",'


def _answer_of_other_question(records):
    fields(records, "quiz.sitting", 22)["user_answers"] = '{"11": "104"}'


def _pass_mark_above_100(records):
    fields(records, "quiz.quiz", 3)["pass_mark"] = 120


def _tf_correct_not_bool(records):
    fields(records, "true_false.tf_question", 14)["correct"] = "yes"


def _answer_on_tf_question(records):
    fields(records, "multichoice.answer", 108)["question"] = 14


def _question_without_type(records):
    records[:] = without(records, "essay.essay_question", 15)


def _score_above_possible(records):
    fields(records, "quiz.sitting", 23)["current_score"] = 3


def _essay_answer_not_text(records):
    fields(records, "quiz.sitting", 21)["user_answers"] = json.dumps({"15": 42})


def _naive_bad_date(records):
    fields(records, "quiz.sitting", 21)["start"] = "yesterday"


@pytest.mark.parametrize(
    ("damage", "record", "hint"),
    [
        (_break_quiz_fk, "quiz.question pk=11", "quiz.quiz pk=99"),
        (_drop_user, "quiz.sitting pk=21", "auth.user pk=8"),
        (_half_progress, "quiz.progress pk=1", "triples"),
        (_unknown_progress_category, "quiz.progress pk=1", "“Marketing”"),
        (_progress_score_above_possible, "quiz.progress pk=2", "Social Selling,4,3"),
        (_unknown_question_in_order, "quiz.sitting pk=22", "99"),
        (_broken_user_answers, "quiz.sitting pk=22", "not valid JSON"),
        (_answer_of_other_question, "quiz.sitting pk=22", "not one of its"),
        (_pass_mark_above_100, "quiz.quiz pk=3", "0..100"),
        (_tf_correct_not_bool, "true_false.tf_question pk=14", "true or false"),
        (_answer_on_tf_question, "multichoice.answer pk=108", "true/false question"),
        (_question_without_type, "quiz.question pk=15", "type is unknown"),
        (_score_above_possible, "quiz.sitting pk=23", "current_score is 3"),
        (_essay_answer_not_text, "quiz.sitting pk=21", "essay question"),
        (_naive_bad_date, "quiz.sitting pk=21", "not a date"),
    ],
)
def test_bad_records_roll_everything_back_and_are_named(anna, damage, record, hint):
    records = dump()
    damage(records)
    before = stored_counts()
    with pytest.raises(QuizImportError) as error:
        run_import(records)
    message = str(error.value)
    assert message.startswith(f"{record}:")
    assert hint in message
    assert stored_counts() == before


def test_command_reports_bad_data_and_stores_nothing(anna, tmp_path):
    records = dump()
    _half_progress(records)  # the last step fails, after everything else was written
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(CommandError, match=r"Nothing was imported\. quiz\.progress pk=1"):
        call_command("import_quiz_app", str(path), stdout=io.StringIO())
    assert Question.objects.count() == 0
    assert not User.objects.filter(username="ben").exists()


def test_command_names_line_and_column_of_invalid_json(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text('[\n  {"model": "quiz.quiz", "pk": 1,}\n]', encoding="utf-8")
    with pytest.raises(CommandError, match=r"not valid JSON: .* at line 2, column \d+\."):
        call_command("import_quiz_app", str(path))


def test_command_exits_with_status_1_for_a_missing_file(tmp_path, capsys):
    # As `manage.py import_quiz_app` runs it (in this process): arguments to exit status.
    argv = ["manage.py", "import_quiz_app", str(tmp_path / "missing.json")]
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(argv).fetch_command("import_quiz_app").run_from_argv(argv)
    assert exit_.value.code == 1
    assert "No such file" in capsys.readouterr().err


def essay_dump(*, complete: bool, incorrect: str, score: int, answered=(1, 2)):
    """Anna's attempt at a quiz with an essay (question 1) and a true statement (question 2)."""
    given = {"1": "<p>My answer</p>", "2": "True"}
    return [
        {"model": "auth.user", "pk": 1, "fields": {"username": "anna"}},
        {
            "model": "quiz.quiz",
            "pk": 1,
            "fields": {"title": "Essay first", "url": "essay-first", "pass_mark": 60},
        },
        {"model": "quiz.question", "pk": 1, "fields": {"quiz": [1], "content": "Why?"}},
        {"model": "quiz.question", "pk": 2, "fields": {"quiz": [1], "content": "True?"}},
        {"model": "essay.essay_question", "pk": 1, "fields": {}},
        {"model": "true_false.tf_question", "pk": 2, "fields": {"correct": True}},
        {
            "model": "quiz.sitting",
            "pk": 1,
            "fields": {
                "user": 1,
                "quiz": 1,
                "question_order": "1,2,",
                "question_list": ",".join(str(pk) for pk in (1, 2) if pk not in answered),
                "incorrect_questions": incorrect,
                "current_score": score,
                "complete": complete,
                "user_answers": json.dumps({str(pk): given[str(pk)] for pk in answered}),
                "start": "2023-01-01T10:00:00",
                "end": "2023-01-01T10:05:00" if complete else None,
            },
        },
    ]


@pytest.mark.parametrize(
    ("complete", "incorrect", "score", "answered", "essay_correct", "passed"),
    [
        (True, "", 2, (1, 2), True, True),  # marked right in the old app
        (True, "1,", 1, (1, 2), False, False),  # marked wrong, or never marked: can't tell
        (False, "", 0, (1,), None, None),  # still open: ours marks essays after the attempt
        (False, "1,", 0, (1,), False, None),
    ],
)
def test_essay_answers(anna, complete, incorrect, score, answered, essay_correct, passed):
    run_import(essay_dump(complete=complete, incorrect=incorrect, score=score, answered=answered))
    sitting = Sitting.objects.get(import_key="quiz-app:sitting:1")
    assert (sitting.complete, sitting.score, sitting.possible, sitting.passed) == (
        complete,
        score,
        2,
        passed,
    )
    essay = sitting.answers.get(question__kind="essay")
    assert (essay.essay, essay.is_correct) == ("<p>My answer</p>", essay_correct)
    # Naive times come from a site without time zones, which stored local (Berlin) time.
    assert sitting.start == datetime(2023, 1, 1, 9, 0, tzinfo=UTC)


def test_open_essay_attempt_can_be_finished_and_marked(anna, trainer):
    run_import(essay_dump(complete=False, incorrect="", score=0, answered=(1,)))
    sitting = services.start_sitting(user=anna, quiz=Quiz.objects.get(slug="essay-first"))
    assert sitting.import_key == "quiz-app:sitting:1"
    statement = Question.objects.get(kind="tf")
    result = services.submit_answer(
        user=anna, sitting_id=sitting.pk, question_id=statement.pk, true_false=True
    )
    assert result.finished and result.sitting.needs_marking and result.sitting.passed is None
    essay = result.sitting.answers.get(question__kind="essay")
    marked = services.mark_essay(marker=trainer, answer_id=essay.pk, correct=True)
    assert (marked.score, marked.possible, marked.passed) == (2, 2, True)


def test_open_attempt_with_every_question_answered_is_closed(anna):
    # The old app crashed between the last answer and finishing; ours would be stuck on it.
    summary = run_import(essay_dump(complete=False, incorrect="1,", score=1))
    sitting = Sitting.objects.get(import_key="quiz-app:sitting:1")
    assert (sitting.complete, sitting.passed, sitting.end) == (True, False, sitting.start)
    assert any("never finished" in warning for warning in summary.warnings)


def test_essay_answer_is_cleaned_to_nothing(anna):
    records = essay_dump(complete=True, incorrect="", score=2)
    records[-1]["fields"]["user_answers"] = json.dumps({"1": "<script></script>", "2": "True"})
    run_import(records)
    assert SittingAnswer.objects.get(question__kind="essay").essay == ""


# --- Question CSV ------------------------------------------------------------------------------


def csv_file(*rows: list[str], header=CSV_COLUMNS, delimiter=",") -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8"))


def row(**values: str) -> list[str]:
    return [values.get(column, "") for column in CSV_COLUMNS]


def question_snapshot() -> dict[str, tuple]:
    slugs = {}
    for item in QuizQuestion.objects.select_related("quiz"):
        slugs.setdefault(item.question_id, set()).add(item.quiz.slug)
    return {
        q.content: (
            q.kind,
            q.explanation,
            q.category.name if q.category else None,
            q.sub_category.name if q.sub_category else None,
            q.answer_order,
            q.correct_statement,
            [(a.content, a.correct) for a in q.answers.order_by("sort_order", "pk")],
            slugs.get(q.pk, set()),
        )
        for q in Question.objects.select_related("category", "sub_category")
    }


@pytest.fixture
def trainer_questions(db):
    selling = factories.quiz_category(name="Führung & Vertrieb")
    sub = SubCategory.objects.create(category=selling, name="LinkedIn, Xing", sort_order=0)
    questions = [
        factories.question(
            kind="mc",
            content='Which "three" apply?\nPick all.',
            answers=[("One", True), ("Two; or so", False), ("Three, really", True)],
            category=selling,
            sub_category=sub,
            explanation="Ünïcödé explanation.",
            answer_order="random",
        ),
        factories.question(kind="tf", content="Posting daily is required.", correct=False),
        factories.question(kind="essay", content="Describe your network.", category=selling),
    ]
    factories.quiz(slug="leaders", questions=questions)
    factories.quiz(slug="sales", questions=questions[:1])
    return questions


def test_csv_round_trip_into_an_empty_database(trainer_questions, tmp_path):
    before = question_snapshot()
    path = tmp_path / "questions.csv"
    out = io.StringIO()
    call_command("quiz_questions_csv", "export", str(path), stdout=out)
    assert "Exported 3 question(s)" in out.getvalue()
    assert path.read_bytes().startswith("\ufeff".encode())  # so Excel reads UTF-8

    Question.objects.all().delete()
    Category.objects.all().delete()
    call_command("quiz_questions_csv", "import", str(path), stdout=io.StringIO())
    assert question_snapshot() == before

    with path.open("rb") as file:
        again = import_questions_csv(file=file)
    assert (again.total_created, again.total_updated) == (0, 0)
    assert again.existing["questions"] == 3


def test_csv_export_then_edit_updates_the_same_questions(trainer_questions):
    buffer = io.StringIO()
    call_command("quiz_questions_csv", "export", "-", stdout=buffer, stderr=io.StringIO())
    text = buffer.getvalue().replace("Posting daily is required.", "Posting weekly is enough.")
    summary = import_questions_csv(file=io.StringIO(text))
    assert Question.objects.count() == 3
    assert summary.updated["questions"] == 1
    assert Question.objects.get(pk=trainer_questions[1].pk).content == "Posting weekly is enough."


def test_csv_update_by_key_keeps_answers_learners_chose(anna):
    basics = factories.quiz(slug="basics")
    first = csv_file(
        row(
            key="k1",
            type="mc",
            question="Best network?",
            correct="1",
            answer_1="LinkedIn",
            answer_2="Myspace",
            quizzes="basics",
        )
    )
    assert import_questions_csv(file=first).created["questions"] == 1
    question = Question.objects.get(import_key="csv:k1")
    answer_ids = list(question.answers.order_by("sort_order").values_list("pk", flat=True))
    sitting = services.start_sitting(user=anna, quiz=basics)
    services.submit_answer(
        user=anna, sitting_id=sitting.pk, question_id=question.pk, choice_ids=[answer_ids[1]]
    )

    changed = csv_file(
        row(
            key="k1",
            type="mc",
            question="Best B2B network?",
            correct="1|3",
            answer_1="LinkedIn",
            answer_2="Myspace (gone)",
            answer_3="Xing",
            quizzes="basics",
        )
    )
    summary = import_questions_csv(file=changed)
    assert (summary.updated["questions"], summary.total_created) == (1, 0)
    question.refresh_from_db()
    assert question.content == "Best B2B network?"
    answers = list(question.answers.order_by("sort_order"))
    assert [a.pk for a in answers[:2]] == answer_ids
    assert [(a.content, a.correct) for a in answers] == [
        ("LinkedIn", True),
        ("Myspace (gone)", False),
        ("Xing", True),
    ]
    assert QuizQuestion.objects.filter(question=question).count() == 1
    chosen = SittingAnswer.objects.get(sitting=sitting).chosen_answers.get()
    assert (chosen.pk, chosen.content) == (answer_ids[1], "Myspace (gone)")


def test_csv_without_key_is_not_imported_twice(db):
    file = csv_file(row(type="essay", category="Storytelling", question="Tell a story."))
    assert import_questions_csv(file=file).created["questions"] == 1
    file.seek(0)
    summary = import_questions_csv(file=file)
    assert summary.total_created == 0
    assert Question.objects.count() == 1


def test_csv_errors_name_every_bad_row_and_store_nothing(db):
    factories.quiz(slug="basics")
    file = csv_file(
        row(type="mc", category="New", question="Fine?", correct="1", answer_1="A", answer_2="B"),
        row(type="tf", question="Maybe?", correct="vielleicht"),
        row(type="mc", question="Which?", correct="5", answer_1="A", answer_2="B"),
        row(type="essay", question="Why?", quizzes="basics|nope"),
        row(type="xx", question="What?"),
        row(type="essay", question="", correct="true"),
        row(key="k", type="tf", question="One", correct="1"),
        row(key="k", type="tf", question="Two", correct="0"),
    )
    with pytest.raises(QuizImportError) as error:
        import_questions_csv(file=file)
    message = str(error.value)
    assert "row 2:" not in message
    assert "row 3: correct is “vielleicht”" in message
    assert "row 4: correct names answer “5”" in message
    assert "row 5: there is no quiz with the slug “nope”" in message
    assert "row 6: type is “xx”" in message
    assert "row 7: question is empty" in message
    assert "row 7: correct must be empty for an essay question" in message
    assert "row 9: repeats row 8" in message
    assert Question.objects.count() == 0 and Category.objects.count() == 0


def test_csv_command_reports_errors(tmp_path, db):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file(row(type="tf", question="Q", correct="")).getvalue())
    with pytest.raises(CommandError, match="row 2: correct is “”"):
        call_command("quiz_questions_csv", "import", str(path))


def test_csv_type_of_existing_question_cannot_change(db):
    import_questions_csv(file=csv_file(row(key="k", type="tf", question="Q", correct="true")))
    with pytest.raises(QuizImportError, match="row 2: the stored question is true/false"):
        import_questions_csv(file=csv_file(row(key="k", type="essay", question="Q")))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("wahr", True),
        ("1", True),
        ("false", False),
        ("Falsch", False),
        ("0", False),
    ],
)
def test_csv_true_false_spellings(db, value, expected):
    import_questions_csv(file=csv_file(row(type="tf", question="Q", correct=value)))
    assert Question.objects.get().correct_statement is expected


def test_csv_with_semicolons_bom_and_dry_run(tmp_path, db):
    factories.quiz(slug="basics")
    content = csv_file(
        row(
            type="mc",
            question="Welche passen?",
            correct="1;3",
            answer_1="Ä",
            answer_2="B",
            answer_3="C",
            answer_order="content",
            quizzes="basics",
        ),
        delimiter=";",
    ).getvalue()
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeff".encode() + content)

    out = io.StringIO()
    call_command("quiz_questions_csv", "import", str(path), "--dry-run", stdout=out)
    assert "questions: 1 would be created" in out.getvalue()
    assert Question.objects.count() == 0

    call_command("quiz_questions_csv", "import", str(path), stdout=io.StringIO())
    question = Question.objects.get()
    assert question.answer_order == "content"
    assert [(a.content, a.correct) for a in question.answers.order_by("sort_order")] == [
        ("Ä", True),
        ("B", False),
        ("C", True),
    ]


def test_csv_rejects_unknown_columns_and_other_encodings(db):
    with pytest.raises(QuizImportError, match="Row 1: unknown column"):
        import_questions_csv(file=csv_file(header=["type", "question", "anwser_1"]))
    with pytest.raises(QuizImportError, match="not UTF-8"):
        import_questions_csv(file=io.BytesIO("type,question\nessay,Warum?ß\n".encode("cp1252")))


def test_csv_export_of_one_quiz_to_stdout(trainer_questions):
    out, err = io.StringIO(), io.StringIO()
    call_command("quiz_questions_csv", "export", "-", "--quiz", "leaders", stdout=out, stderr=err)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == CSV_COLUMNS
    by_column = [dict(zip(CSV_COLUMNS, values, strict=True)) for values in rows[1:]]
    assert [r["type"] for r in by_column] == ["mc", "tf", "essay"]
    first = by_column[0]
    assert (first["key"], first["correct"], first["quizzes"]) == (
        f"q{trainer_questions[0].pk}",
        "1|3",
        "leaders|sales",
    )
    assert (first["category"], first["sub_category"]) == ("Führung & Vertrieb", "LinkedIn, Xing")
    assert by_column[1]["correct"] == "false"
    assert "Exported 3 question(s)." in err.getvalue()


def test_csv_export_of_unknown_quiz_fails(db):
    with pytest.raises(CommandError, match="no quiz with the slug “nope”"):
        call_command("quiz_questions_csv", "export", "-", "--quiz", "nope")


# --- Question tables: Excel, the admin page, translated errors ----------------------------------

IMPORT_URL = "/admin/quizzes/import-questions/"


def post_file(client, data: bytes, *, name="questions.csv", dry_run=True):
    payload = {"file": io.BytesIO(data)}
    payload["file"].name = name
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(IMPORT_URL, payload)


def test_csv_import_from_an_excel_workbook(db, tmp_path):
    factories.quiz(slug="basics")
    path = tmp_path / "questions.xlsx"
    path.write_bytes(
        factories.workbook(
            [
                ["type", "question", "correct", "answer_1", "answer_2", "quizzes"],
                ["mc", "Best network?", 1, "LinkedIn", "Myspace", "basics"],
                ["tf", "Posting daily is required.", False],
                ["tf", "Sharing is caring.", "=1=1"],
            ],
            cached={"=1=1": "1"},
        )
    )
    call_command("quiz_questions_csv", "import", str(path), stdout=io.StringIO())
    mc = Question.objects.get(kind="mc")
    assert [(a.content, a.correct) for a in mc.answers.order_by("sort_order")] == [
        ("LinkedIn", True),
        ("Myspace", False),
    ]
    assert QuizQuestion.objects.get(question=mc).quiz.slug == "basics"
    statements = dict(
        Question.objects.filter(kind="tf").values_list("content", "correct_statement")
    )
    assert statements == {"Posting daily is required.": False, "Sharing is caring.": True}


def test_csv_import_with_tabs(db):
    text = "type\tquestion\tcorrect\ntf\tSemicolons; commas, all fine.\ttrue\n"
    import_questions_csv(file=io.BytesIO(text.encode()))
    assert Question.objects.get().content == "Semicolons; commas, all fine."


def test_csv_errors_keep_their_column_and_are_translated(db):
    file = csv_file(
        row(type="tf", question="Maybe?", correct="vielleicht"),
        row(type="mc", question="Which?", correct="5", answer_1="A", answer_2="B"),
    )
    with pytest.raises(QuizImportError) as error:
        import_questions_csv(file=file)
    assert [(e.rows, e.column) for e in error.value.errors] == [
        ((2,), "correct"),
        ((3,), "correct"),
    ]
    file.seek(0)
    with translation.override("de"), pytest.raises(QuizImportError) as error:
        import_questions_csv(file=file)
    assert str(error.value).splitlines() == [
        "Die Datei enthält 2 Fehler; es wurde nichts importiert.",
        "Zeile 2: correct ist „vielleicht“; eine tf-Frage braucht true oder false",
        "Zeile 3: correct nennt Antwort „5“, aber answer_5 ist leer",
    ]


@pytest.fixture
def trainer_import_client(trainer):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(trainer)
    return client


@pytest.mark.usefixtures("response_context")
def test_admin_question_import_dry_run_then_import_now(trainer_import_client, db):
    factories.quiz(slug="basics")
    existing = factories.question(kind="essay", content="Tell a story.")
    data = csv_file(
        row(key="k1", type="tf", question="Posting daily is required.", correct="false"),
        row(type="essay", question="Tell a story.", quizzes="basics"),
        row(type="essay", question="Describe your network."),
        delimiter=";",
    ).getvalue()

    response = post_file(trainer_import_client, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 would be created, 1 would be updated, 0 unchanged" in page
    assert "create true/false question “Posting daily is required.”" in page
    assert "update “Tell a story.”; in quiz(zes) basics" in page
    assert Question.objects.count() == 1
    assert not QuizQuestion.objects.filter(question=existing).exists()
    content = response.context["apply_form"]["content"].value()

    response = trainer_import_client.post(IMPORT_URL, {"content": content})

    page = response.content.decode()
    assert "Import finished" in page and "2 created, 1 updated, 0 unchanged" in page
    assert Question.objects.count() == 3
    assert QuizQuestion.objects.get(question=existing).quiz.slug == "basics"
    # The same file again: nothing to do, so no "Import now".
    response = post_file(trainer_import_client, data)
    assert "0 would be created, 0 would be updated, 3 unchanged" in response.content.decode()
    assert "apply_form" not in response.context


@pytest.mark.usefixtures("response_context")
def test_admin_question_import_rechecks_when_applying(trainer_import_client, db):
    factories.quiz(slug="basics")
    data = csv_file(row(type="essay", question="Why?", quizzes="basics")).getvalue()
    content = post_file(trainer_import_client, data).context["apply_form"]["content"].value()
    Quiz.objects.filter(slug="basics").delete()

    response = trainer_import_client.post(IMPORT_URL, {"content": content})

    assert "there is no quiz with the slug “basics”" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.usefixtures("response_context")
def test_admin_question_import_shows_errors_by_row_and_column_in_german(trainer, db):
    from lms.people import services as people_services

    people_services.set_language(user=trainer, language="de")
    client = Client()
    client.force_login(trainer)
    data = factories.workbook(
        [["type", "question", "correct"], ["tf", "Vielleicht?", "vielleicht"], ["xx", "Was?"]]
    )

    response = post_file(client, data, name="fragen.xlsx")

    page = response.content.decode()
    assert "Die Datei enthält 2 Fehler; es wurde nichts importiert." in page
    errors = response.context["import_errors"]
    assert [(e.rows, e.column, e.message) for e in errors] == [
        ((2,), "correct", "correct ist „vielleicht“; eine tf-Frage braucht true oder false"),
        ((3,), "type", "type ist „xx“; verwenden Sie mc, tf oder essay"),
    ]
    assert "<td>correct</td>" in page and 'type="file"' in page
    assert not Question.objects.exists()


def test_admin_question_import_is_for_quiz_authors(employee_client, trainer_import_client, db):
    assert trainer_import_client.get(IMPORT_URL).status_code == 200
    assert IMPORT_URL in trainer_import_client.get("/admin/").content.decode()
    response = post_file(employee_client, csv_file(row(type="essay", question="Q?")).getvalue())
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not Question.objects.exists()
