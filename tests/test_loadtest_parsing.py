"""The load test's HTML parsing and acceptance rules, fed with pages the real views render.

Nothing here starts gunicorn or touches PostgreSQL: the pages come from the Django test
client, and the refusal tests stop before any connection is made.
"""

import random
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from django.test import Client

from lms.quizzes.models import Sitting, SittingAnswer
from lms.quizzes.selectors import current_question_id, ordered_answers
from loadtest import client as load_client
from loadtest import options, orchestration, report, run
from tests import factories


def post_data(pairs):
    """Form pairs as the test client wants them: repeated names become lists."""
    data = defaultdict(list)
    for name, value in pairs:
        data[name].append(value)
    return dict(data)


@pytest.fixture
def mixed_quiz(db):
    return factories.quiz(
        questions=[
            {"kind": "mc", "answers": [("One", True), ("Two", False), ("Three", False)]},
            {"kind": "mc", "answers": [("Four", True), ("Five", True), ("Six", False)]},
            {"kind": "tf", "correct": True},
            {"kind": "essay"},
        ]
    )


@pytest.fixture
def quiz_module(db, mixed_quiz, sales):
    course = factories.course(modules=2, departments=(sales,))
    module = factories.modules_of(course)[-1]
    module.quiz = mixed_quiz
    module.save_revision().publish()
    return module


@pytest.fixture
def csrf_client(employee) -> Client:
    # CSRF checks on, as in production: every POST below must carry the parsed token.
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    return client


def start_from_module(client, module, quiz):
    page = client.get(module.get_url())
    assert page.status_code == 200
    form = load_client.parse_start_form(page.content.decode(), quiz.slug)
    assert form is not None
    assert form.action == load_client.start_path(quiz.slug)
    assert form.first("module") == str(module.pk)
    assert form.first("csrfmiddlewaretoken")
    return client.post(form.action, post_data(form.hidden_data()))


class TestRealPages:
    def test_login_form(self, client, employee):
        page = client.get("/accounts/login/").content.decode()
        form = load_client.parse_login_form(page)
        assert form is not None
        assert form.action == "/accounts/login/"
        assert [name for name, _value in form.hidden_data()] == ["csrfmiddlewaretoken", "next"]

    def test_start_form_on_the_quiz_module(self, csrf_client, employee, mixed_quiz, quiz_module):
        response = start_from_module(csrf_client, quiz_module, mixed_quiz)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == load_client.take_path(mixed_quiz.slug)
        sitting = Sitting.objects.get(user=employee, quiz=mixed_quiz)
        assert sitting.module_id == quiz_module.pk

    def test_no_start_form_for_another_quiz(self, csrf_client, quiz_module):
        page = csrf_client.get(quiz_module.get_url()).content.decode()
        assert load_client.parse_start_form(page, "some-other-quiz") is None

    def test_walks_every_question_kind(self, csrf_client, employee, mixed_quiz, quiz_module):
        location = start_from_module(csrf_client, quiz_module, mixed_quiz)["Location"]
        sitting = Sitting.objects.get(user=employee, quiz=mixed_quiz)
        rng = random.Random(3)
        seen, accepted = [], set()
        while not load_client.is_result_location(location):
            html = csrf_client.get(location).content.decode()
            page = load_client.parse_question(html)
            sitting.refresh_from_db()
            current = current_question_id(sitting=sitting)
            assert page.question_id == current
            assert page.csrf_token
            if page.kind == "mc":
                question = sitting.quiz.quiz_questions.get(question_id=current).question
                expected = [str(a.pk) for a in ordered_answers(question=question, seed="x")]
                assert sorted(page.choices) == sorted(expected)
            seen.append(page)
            response = csrf_client.post(
                load_client.take_path(mixed_quiz.slug),
                post_data(load_client.answer_data(page, rng)),
            )
            location = response.get("Location", "")
            assert load_client.is_accepted(
                response.status_code,
                location,
                question_id=page.question_id,
                quiz_slug=mixed_quiz.slug,
            )
            accepted.add(page.question_id)

        assert [(page.kind, page.multiple) for page in seen] == [
            ("mc", False),
            ("mc", True),
            ("tf", False),
            ("essay", False),
        ]
        assert seen[2].choices == ("true", "false")
        assert csrf_client.get(location).status_code == 200
        stored = set(
            SittingAnswer.objects.filter(sitting=sitting).values_list("question_id", flat=True)
        )
        assert stored == accepted
        sitting.refresh_from_db()
        assert sitting.complete

    def test_page_without_question_form(self, csrf_client):
        assert (
            load_client.parse_question(csrf_client.get("/accounts/login/").content.decode()) is None
        )


class TestRefusedAnswersAreNotAccepted:
    @pytest.fixture
    def first_page(self, csrf_client, mixed_quiz, quiz_module):
        location = start_from_module(csrf_client, quiz_module, mixed_quiz)["Location"]
        return load_client.parse_question(csrf_client.get(location).content.decode())

    def post(self, client, quiz, pairs):
        response = client.post(load_client.take_path(quiz.slug), post_data(pairs))
        return response.status_code, response.get("Location")

    def accepted(self, result, page, quiz):
        status, location = result
        return load_client.is_accepted(
            status, location, question_id=page.question_id, quiz_slug=quiz.slug
        )

    def test_missing_choice_rerenders_the_form(self, csrf_client, mixed_quiz, first_page):
        pairs = [
            ("csrfmiddlewaretoken", first_page.csrf_token),
            ("question", str(first_page.question_id)),
        ]
        result = self.post(csrf_client, mixed_quiz, pairs)
        assert result[0] == 200
        assert not self.accepted(result, first_page, mixed_quiz)

    def test_choice_of_another_question(self, csrf_client, mixed_quiz, first_page):
        foreign = factories.question().answers.first()
        pairs = [
            ("csrfmiddlewaretoken", first_page.csrf_token),
            ("question", str(first_page.question_id)),
            ("choice", str(foreign.pk)),
        ]
        result = self.post(csrf_client, mixed_quiz, pairs)
        assert not self.accepted(result, first_page, mixed_quiz)
        assert not SittingAnswer.objects.exists()

    def test_resent_answer_is_not_a_second_acceptance(self, csrf_client, mixed_quiz, first_page):
        pairs = load_client.answer_data(first_page, random.Random(1))
        assert self.accepted(self.post(csrf_client, mixed_quiz, pairs), first_page, mixed_quiz)
        again = self.post(csrf_client, mixed_quiz, pairs)
        assert again[0] == 302
        assert urlsplit(again[1]).path == load_client.take_path(mixed_quiz.slug)
        assert not self.accepted(again, first_page, mixed_quiz)
        assert SittingAnswer.objects.count() == 1

    def test_post_without_csrf_token_is_refused(self, csrf_client, mixed_quiz, first_page):
        pairs = load_client.answer_data(first_page, random.Random(1))[1:]
        result = self.post(csrf_client, mixed_quiz, pairs)
        assert result[0] == 403
        assert not self.accepted(result, first_page, mixed_quiz)


class TestAcceptanceRule:
    slug = "quiz-x"

    @pytest.mark.parametrize(
        ("status", "location", "accepted"),
        [
            (302, "/quizzes/quiz-x/take/?after=7", True),
            (302, "http://127.0.0.1:8765/quizzes/quiz-x/take/?after=7", True),
            (302, "/quizzes/attempts/12/?after=7", True),
            (302, "/quizzes/quiz-x/take/", False),  # error message or a resent answer
            (302, "/quizzes/attempts/12/", False),  # time was up
            (302, "/quizzes/quiz-x/take/?after=8", False),
            (302, "/quizzes/other/take/?after=7", False),
            (302, "/quizzes/quiz-x/", False),  # no open attempt
            (302, "/accounts/login/?next=/quizzes/quiz-x/take/", False),
            (200, None, False),
            (500, None, False),
            (302, None, False),
        ],
    )
    def test_is_accepted(self, status, location, accepted):
        assert (
            load_client.is_accepted(status, location, question_id=7, quiz_slug=self.slug)
            is accepted
        )

    def test_compare_answers(self):
        accepted = {("a", 1), ("a", 2), ("b", 1)}
        stored = {("a", 1): 1, ("a", 2): 2, ("c", 5): 1}
        result = report.compare_answers(accepted, stored)
        assert result["accepted"] == 3
        assert result["stored"] == 4
        assert result["missing"] == 1 and result["missing_examples"] == [["b", 1]]
        assert result["duplicates"] == 1 and result["duplicate_examples"] == [["a", 2]]
        assert result["stored_unconfirmed"] == 1

    def test_percentile(self):
        values = [float(n) for n in range(1, 101)]
        assert report.percentile(values, 50) == 50.0
        assert report.percentile(values, 95) == 95.0
        assert report.percentile([3.0], 95) == 3.0
        assert report.percentile([], 95) is None

    def test_answer_data_for_several_right_answers(self):
        page = load_client.QuestionPage(
            question_id=4, csrf_token="t", kind="mc", choices=("1", "2", "3"), multiple=True
        )
        for seed in range(20):
            chosen = [
                v for k, v in load_client.answer_data(page, random.Random(seed)) if k == "choice"
            ]
            assert chosen and set(chosen) <= {"1", "2", "3"} and len(set(chosen)) == len(chosen)


class TestOnlyLocalTargets:
    @pytest.mark.parametrize(
        "url",
        [
            "postgres://postgres@db.example.com:5432/bootcamp_loadtest",
            "postgres://postgres@10.0.0.5:5432/bootcamp_loadtest",
            "postgres://postgres@127.0.0.1.example.com/bootcamp_loadtest",
            "postgres://postgres@127.0.0.1,db.example.com/bootcamp_loadtest",
            "postgres:///bootcamp_loadtest",
            "postgres://postgres@127.0.0.1/bootcamp_loadtest?host=db.example.com",
            "postgres://postgres@127.0.0.1/bootcamp_loadtest?hostaddr=10.0.0.5",
            "mysql://root@127.0.0.1/bootcamp_loadtest",
            "postgres://postgres@127.0.0.1/bootcamp",  # not a load-test database
            "postgres://postgres@127.0.0.1/postgres",
        ],
    )
    def test_refuses_database(self, url):
        with pytest.raises(options.LoadTestError):
            options.check_database_url(url)

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
    def test_accepts_local_database(self, host):
        url = f"postgres://postgres@{host}:5432/bootcamp_loadtest"
        assert options.check_database_url(url) == "bootcamp_loadtest"

    @pytest.mark.parametrize("host", ["10.1.2.3", "0.0.0.0", "example.com", "::1", ""])
    def test_refuses_target_host(self, host):
        with pytest.raises(options.LoadTestError):
            options.local_host(host)

    @pytest.mark.parametrize(
        "url",
        ["redis://10.0.0.5:6379/0", "redis://cache.example.com/0", "rediss://127.0.0.1/0", ""],
    )
    def test_refuses_redis(self, url):
        with pytest.raises(options.LoadTestError):
            options.check_redis_url(url)

    def test_accepts_local_redis(self):
        assert options.check_redis_url("redis://localhost:6379/3") == "redis://localhost:6379/3"

    def test_localhost_target_binds_the_loopback_address(self):
        assert options.local_host("localhost") == "127.0.0.1"

    @pytest.mark.parametrize(
        "argv",
        [
            ["--host", "192.168.1.10"],
            ["--host", "staging.example.com"],
            ["--database-url", "postgres://postgres@db.internal:5432/bootcamp_loadtest"],
            ["--redis-url", "redis://cache.internal:6379/0"],
        ],
    )
    def test_main_refuses_before_doing_anything(self, argv, monkeypatch, capsys):
        def forbidden(*args, **kwargs):
            raise AssertionError("the load test ran despite a non-local target")

        monkeypatch.setattr(orchestration, "run", forbidden)
        monkeypatch.setattr(orchestration, "recreate_database", forbidden)
        assert run.main(argv) == 2
        assert "refusing" in capsys.readouterr().err
