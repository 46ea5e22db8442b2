"""One load-test learner walks the whole flow in-process: the login form, the dashboard, the
two module pages, the quiz question by question and the dashboard again, with its think
times, through the real views (the Django test client stands in for requests' session, CSRF
checks on). Nothing here starts gunicorn or sleeps: the pauses are recorded, not slept."""

import math
import random
from urllib.parse import urlsplit

import pytest
from django.test import Client

from lms.quizzes.models import Sitting, SittingAnswer
from loadtest import client as load_client
from loadtest.options import Pause, ThinkTimes
from tests import factories

PASSWORD = "secret-pass-123"  # tests/factories.user's


class _Response:
    def __init__(self, response, url: str) -> None:
        self.status_code = response.status_code
        self.headers = {key: value for key, value in response.items()}
        self.text = response.content.decode()
        self.url = url


class DjangoClientSession:
    """What Learner uses of a requests.Session, answered by the Django test client."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        self.requests: list[tuple[str, str]] = []

    @property
    def cookies(self):
        return self.client.cookies

    def request(self, method, url, *, data=None, timeout=None, allow_redirects=True):
        assert not allow_redirects and timeout
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        self.requests.append((method, urlsplit(url).path))
        if method == "GET":
            return _Response(self.client.get(path), url)
        form: dict[str, list[str]] = {}
        for name, value in data or []:
            form.setdefault(name, []).append(value)
        return _Response(self.client.post(path, form), url)

    def close(self) -> None:
        pass


@pytest.fixture
def quiz_course(db, sales):
    quiz = factories.quiz(
        questions=[
            {"kind": "mc", "answers": [("One", True), ("Two", False)]},
            {"kind": "tf", "correct": True},
            {"kind": "mc", "answers": [("Three", True), ("Four", True), ("Five", False)]},
        ]
    )
    course = factories.course(modules=2, departments=(sales,))
    first, last = factories.modules_of(course)
    last.quiz = quiz
    last.save_revision().publish()
    return quiz, first, last


@pytest.fixture
def sleeps(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(load_client.time, "sleep", slept.append)
    return slept


THINK = ThinkTimes(glance=Pause(1, 2), read=Pause(3, 8), answer=Pause(1.5, 3))


def learner(username, quiz_course, recorder, *, deadline=math.inf, think=THINK):
    quiz, first, last = quiz_course
    person = load_client.Learner(
        username=username,
        password=PASSWORD,
        plan=load_client.Plan(
            base_url="http://testserver",
            first_module_url=first.get_url(),
            quiz_module_url=last.get_url(),
            quiz_slug=quiz.slug,
        ),
        recorder=recorder,
        deadline=deadline,
        rng=random.Random(5),
        think=think,
    )
    person.session = DjangoClientSession()
    return person


def test_a_learner_logs_in_reads_answers_one_by_one_and_returns_to_the_dashboard(
    employee, quiz_course, sleeps
):
    recorder = load_client.Recorder()
    person = learner(employee.username, quiz_course, recorder)
    person.run()

    assert recorder.errors == []
    assert recorder.finished == {employee.username}
    quiz, first, last = quiz_course
    take = load_client.take_path(quiz.slug)
    requests = person.session.requests
    assert requests[:6] == [
        ("GET", "/accounts/login/"),
        ("POST", "/accounts/login/"),
        ("GET", "/"),
        ("GET", first.get_url()),
        ("GET", last.get_url()),
        ("POST", load_client.start_path(quiz.slug)),
    ]
    assert requests[6:12] == [("GET", take), ("POST", take)] * 3
    assert requests[12][1].startswith("/quizzes/attempts/")
    assert requests[13] == ("GET", "/")
    assert dict(recorder.statuses) == {
        "login_page 200": 1,
        "login 302": 1,
        "dashboard 200": 2,
        "module 200": 2,
        "quiz_start 302": 1,
        "quiz_page 200": 3,
        "quiz_answer 302": 3,
        "result 200": 1,
    }
    # Typing the password, a glance at the dashboard, two module pages read, a pause
    # before each of the three answers, a glance at the result: each within its range.
    ranges = [THINK.glance, THINK.glance, THINK.read, THINK.read, *[THINK.answer] * 3]
    ranges.append(THINK.glance)
    assert len(sleeps) == len(ranges)
    assert all(
        pause.low <= slept <= pause.high for slept, pause in zip(sleeps, ranges, strict=True)
    )
    # Every answer the client saw accepted is stored, once.
    sitting = Sitting.objects.get(user=employee, quiz=quiz)
    assert sitting.complete
    stored = set(
        SittingAnswer.objects.filter(sitting=sitting).values_list("question_id", flat=True)
    )
    assert {question for _user, question in recorder.accepted} == stored
    assert len(stored) == 3
    start, end = recorder.sessions[employee.username]
    assert start <= end < math.inf


def test_a_wrong_password_stops_the_learner_with_an_error(employee, quiz_course, sleeps):
    recorder = load_client.Recorder()
    person = learner(employee.username, quiz_course, recorder)
    person.password = "not-the-password"
    person.run()
    assert [error["kind"] for error in recorder.errors] == ["login"]
    assert "unexpected HTTP 200" in recorder.errors[0]["reason"]
    assert recorder.finished == set()


def test_a_pause_past_the_deadline_ends_the_run_without_an_error(employee, quiz_course, sleeps):
    recorder = load_client.Recorder()
    # The deadline comes before the shortest possible pause of typing the password ends.
    deadline = load_client.time.monotonic() + THINK.glance.low / 2
    person = learner(employee.username, quiz_course, recorder, deadline=deadline)
    person.run()
    assert recorder.errors == []
    assert recorder.out_of_time == {employee.username}
    assert person.session.requests == [("GET", "/accounts/login/")]
    assert sleeps == []


def test_without_think_times_nothing_sleeps(employee, quiz_course, sleeps):
    recorder = load_client.Recorder()
    person = learner(employee.username, quiz_course, recorder, think=ThinkTimes.none())
    person.run()
    assert recorder.errors == []
    assert recorder.finished == {employee.username}
    assert sleeps == []
