"""The learners: each one, in its own thread, logs in through the login form, opens the
dashboard, reads the LinkedIn course's first module and its quiz module for a few
seconds, starts the quiz and answers the questions one by one with a pause before each,
looks at the result and opens the dashboard again, judging from the pages alone what
the server accepted.

Why threads and not Locust: a learner spends nearly all its time in think-time sleeps,
which cost an OS thread nothing; the run measures the client's own CPU time (it is in
the summary) so that a client that starves the server on these 2 cores would show."""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from loadtest.options import Config, Pause, ThinkTimes

REQUEST_TIMEOUT = 15.0
# In-flight requests may finish after the duration; nothing new starts after it.
GRACE = REQUEST_TIMEOUT + 5.0
SERVER_START_TIMEOUT = 30.0
# A quiz never has this many questions; the bound only stops a client loop gone wrong.
MAX_QUESTIONS = 200

RESULT_PATH = re.compile(r"/quizzes/attempts/(\d+)/")


# --------------------------------------------------------------------------- HTML


@dataclass
class FormField:
    name: str
    type: str
    value: str
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)

    def named(self, name: str) -> list[FormField]:
        return [item for item in self.fields if item.name == name]

    def first(self, name: str) -> str | None:
        found = self.named(name)
        return found[0].value if found else None

    def hidden_data(self) -> list[tuple[str, str]]:
        return [(item.name, item.value) for item in self.fields if item.type == "hidden"]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "textarea"} and attributes.get("name"):
            self._form.fields.append(
                FormField(
                    name=attributes["name"],
                    type=attributes.get("type", "text").lower() if tag == "input" else tag,
                    value=attributes.get("value", ""),
                    checked="checked" in attributes,
                )
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


@dataclass(frozen=True)
class QuestionPage:
    """The answer form of the take page."""

    question_id: int
    csrf_token: str
    kind: str  # "mc", "tf" or "essay"
    choices: tuple[str, ...] = ()
    multiple: bool = False


class ParseError(Exception):
    pass


def parse_question(html: str) -> QuestionPage | None:
    """The question form on a take page, or None when the page has none."""
    for form in parse_forms(html):
        question = form.first("question")
        if question is None:
            continue
        if not question.isdigit():
            raise ParseError(f"question id {question!r} is not a number")
        csrf_token = form.first("csrfmiddlewaretoken") or ""
        choices = form.named("choice")
        true_false = form.named("true_false")
        if choices:
            return QuestionPage(
                question_id=int(question),
                csrf_token=csrf_token,
                kind="mc",
                choices=tuple(item.value for item in choices),
                multiple=any(item.type == "checkbox" for item in choices),
            )
        if true_false:
            return QuestionPage(
                question_id=int(question),
                csrf_token=csrf_token,
                kind="tf",
                choices=tuple(item.value for item in true_false),
            )
        if form.named("essay"):
            return QuestionPage(question_id=int(question), csrf_token=csrf_token, kind="essay")
        raise ParseError(f"question {question} has no answer field")
    return None


def parse_start_form(html: str, quiz_slug: str) -> Form | None:
    """The form on a module page that starts (or restarts) its quiz."""
    for form in parse_forms(html):
        if form.method == "post" and urlsplit(form.action).path == start_path(quiz_slug):
            return form
    return None


def parse_login_form(html: str) -> Form | None:
    for form in parse_forms(html):
        if form.method == "post" and form.named("username") and form.named("password"):
            return form
    return None


def answer_data(page: QuestionPage, rng: random.Random) -> list[tuple[str, str]]:
    """Form data that answers the question with any of its choices, right or wrong."""
    data = [("csrfmiddlewaretoken", page.csrf_token), ("question", str(page.question_id))]
    if page.kind == "mc" and page.multiple:
        picked = rng.sample(page.choices, rng.randint(1, len(page.choices)))
        data += [("choice", value) for value in picked]
    elif page.kind == "mc":
        data.append(("choice", rng.choice(page.choices)))
    elif page.kind == "tf":
        data.append(("true_false", rng.choice(page.choices)))
    else:
        data.append(("essay", "Eine Antwort aus dem Lasttest."))
    return data


# --------------------------------------------------------------------------- flow rules


def start_path(quiz_slug: str) -> str:
    return f"/quizzes/{quiz_slug}/start/"


def take_path(quiz_slug: str) -> str:
    return f"/quizzes/{quiz_slug}/take/"


def is_result_location(location: str) -> bool:
    return RESULT_PATH.fullmatch(urlsplit(location).path) is not None


def is_accepted(status: int, location: str | None, *, question_id: int, quiz_slug: str) -> bool:
    """Whether an answer POST was accepted, judged only from what the client sees.

    The take view redirects an accepted answer to the next question, take/?after=<id>,
    or, after the last one, to the result page, attempts/<pk>/?after=<id>. Everything
    else is not an acceptance: a 200 re-renders the form with an error, a redirect to
    take/ without ?after carries an error message or marks a resent answer, and a
    redirect to the result page without ?after means the time was up. (This holds for
    quizzes that show feedback after each question; the set-up refuses any other review mode.)
    """
    if status not in {301, 302, 303} or not location:
        return False
    parts = urlsplit(location)
    if parse_qs(parts.query).get("after") != [str(question_id)]:
        return False
    return parts.path == take_path(quiz_slug) or is_result_location(location)


# --------------------------------------------------------------------------- recording


class Recorder:
    """Everything the learners observe; shared by all learner threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[str] = Counter()
        self.errors: list[dict[str, object]] = []
        self.accepted: set[tuple[str, int]] = set()
        self.finished: set[str] = set()
        self.out_of_time: set[str] = set()
        self.requests = 0
        self.first_start: float | None = None
        # When each learner started (its first request) and stopped, on the monotonic clock.
        self.sessions: dict[str, list[float]] = {}
        self.last_end: float | None = None
        self.load_started = 0.0
        self.load_ended = 0.0

    def request(self, kind: str, started: float, ended: float, status: int | None) -> None:
        with self.lock:
            self.requests += 1
            self.first_start = (
                started if self.first_start is None else min(self.first_start, started)
            )
            self.last_end = ended if self.last_end is None else max(self.last_end, ended)
            if status is not None:
                self.latencies[kind].append(ended - started)
                self.statuses[f"{kind} {status}"] += 1

    def begin(self, user: str) -> None:
        with self.lock:
            self.sessions[user] = [time.monotonic(), math.inf]

    def end(self, user: str) -> None:
        with self.lock:
            if user in self.sessions:
                self.sessions[user][1] = time.monotonic()

    def active(self) -> int:
        with self.lock:
            return sum(1 for _start, end in self.sessions.values() if end == math.inf)

    def error(self, *, user: str, kind: str, url: str, reason: str, **extra) -> None:
        with self.lock:
            self.errors.append(
                {"user": user, "kind": kind, "url": url, "reason": reason, "at": time.time()}
                | extra
            )

    def accept(self, user: str, question_id: int) -> None:
        with self.lock:
            self.accepted.add((user, question_id))

    def was_accepted(self, user: str, question_id: int) -> bool:
        with self.lock:
            return (user, question_id) in self.accepted

    def finish(self, user: str) -> None:
        with self.lock:
            self.finished.add(user)

    def ran_out_of_time(self, user: str) -> None:
        with self.lock:
            self.out_of_time.add(user)

    def progress(self) -> tuple[int, int, int]:
        with self.lock:
            return self.requests, len(self.errors), len(self.finished)


# --------------------------------------------------------------------------- learners


@dataclass(frozen=True)
class Plan:
    base_url: str
    first_module_url: str
    quiz_module_url: str
    quiz_slug: str


class _Stop(Exception):
    """Ends one learner's run; the reason has been recorded already."""


class _OutOfTime(Exception):
    pass


class Learner:
    def __init__(
        self,
        *,
        username: str,
        password: str,
        plan: Plan,
        recorder: Recorder,
        deadline: float,
        rng: random.Random,
        session_key: str | None = None,
        think: ThinkTimes | None = None,
    ) -> None:
        import requests

        self.session_key = session_key
        self.username = username
        self.password = password
        self.plan = plan
        self.recorder = recorder
        self.deadline = deadline
        self.rng = rng
        self.think = think or ThinkTimes.none()
        self.session = requests.Session()
        # Never through a proxy from the environment: the target is this machine.
        self.session.trust_env = False

    def call(self, kind: str, method: str, path: str, data=None, expect=(200,)):
        """One request, never retried. Anything but an expected status stops the learner."""
        import requests

        if time.monotonic() >= self.deadline:
            raise _OutOfTime
        url = self.plan.base_url + urlsplit(path)._replace(scheme="", netloc="").geturl()
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False
            )
        except requests.Timeout as error:
            self.recorder.request(kind, started, time.monotonic(), None)
            self.fail(kind, url, f"timeout: {type(error).__name__}", started=started)
        except requests.RequestException as error:
            self.recorder.request(kind, started, time.monotonic(), None)
            self.fail(kind, url, f"exception: {type(error).__name__}: {error}", started=started)
        self.recorder.request(kind, started, time.monotonic(), response.status_code)
        if not 200 <= response.status_code < 400:
            self.fail(
                kind,
                url,
                f"HTTP {response.status_code}",
                status=response.status_code,
                body=response.text[:300],
                started=started,
            )
        if response.status_code not in expect:
            self.fail(
                kind,
                url,
                f"unexpected HTTP {response.status_code}",
                status=response.status_code,
                location=response.headers.get("Location"),
                started=started,
            )
        return response

    def pause(self, think: Pause) -> None:
        """A person reading or typing; a pause that would end past the deadline ends the run."""
        seconds = self.rng.uniform(think.low, think.high)
        if time.monotonic() + seconds >= self.deadline:
            raise _OutOfTime
        if seconds > 0:
            time.sleep(seconds)

    def fail(self, kind: str, url: str, reason: str, **extra):
        if "started" in extra:
            extra["elapsed_s"] = round(time.monotonic() - extra.pop("started"), 3)
        self.recorder.error(user=self.username, kind=kind, url=url, reason=reason, **extra)
        raise _Stop

    def run(self) -> None:
        self.recorder.begin(self.username)
        try:
            self._flow()
        except _OutOfTime:
            self.recorder.ran_out_of_time(self.username)
        except _Stop:
            pass
        except Exception as error:  # a bug in this client, not in the server
            self.recorder.error(
                user=self.username,
                kind="client",
                url="",
                reason=f"client error: {type(error).__name__}: {error}",
            )
        finally:
            self.recorder.end(self.username)
            self.session.close()

    def _flow(self) -> None:
        plan = self.plan
        if self.session_key:
            host = urlsplit(plan.base_url).hostname
            self.session.cookies.set("sessionid", self.session_key, domain=host, path="/")
        else:
            self._login()
        self._learn()

    def _login(self) -> None:
        page = self.call("login_page", "GET", "/accounts/login/")
        form = parse_login_form(page.text)
        if form is None:
            self.fail("login_page", page.url, "no login form on the page")
        self.pause(self.think.glance)  # typing the name and the password
        data = [*form.hidden_data(), ("username", self.username), ("password", self.password)]
        response = self.call("login", "POST", form.action or "/accounts/login/", data, (302,))
        if "sessionid" not in self.session.cookies:
            self.fail("login", response.url, "logged in without a session cookie")

    def _learn(self) -> None:
        plan = self.plan
        think = self.think
        self.call("dashboard", "GET", "/")
        self.pause(think.glance)
        self.call("module", "GET", plan.first_module_url)
        self.pause(think.read)
        page = self.call("module", "GET", plan.quiz_module_url)
        form = parse_start_form(page.text, plan.quiz_slug)
        if form is None:
            self.fail("module", page.url, "no form to start the quiz on the quiz module")
        self.pause(think.read)
        response = self.call("quiz_start", "POST", form.action, form.hidden_data(), (302,))
        location = response.headers.get("Location", "")
        if urlsplit(location).path != take_path(plan.quiz_slug):
            self.fail("quiz_start", response.url, f"start redirected to {location!r}")

        for _ in range(MAX_QUESTIONS):
            if is_result_location(location):
                self.call("result", "GET", location)
                self.pause(think.glance)
                self.call("dashboard", "GET", "/")
                self.recorder.finish(self.username)
                return
            page = self.call("quiz_page", "GET", location)
            try:
                question = parse_question(page.text)
            except ParseError as error:
                self.fail("quiz_page", page.url, f"unreadable question form: {error}")
            if question is None:
                self.fail("quiz_page", page.url, "no question form on the take page")
            if self.recorder.was_accepted(self.username, question.question_id):
                self.fail(
                    "quiz_page",
                    page.url,
                    f"question {question.question_id} asked again after it was accepted",
                )
            self.pause(think.answer)
            response = self.call(
                "quiz_answer",
                "POST",
                take_path(plan.quiz_slug),
                answer_data(question, self.rng),
                (200, 302),
            )
            location = response.headers.get("Location", "")
            if not is_accepted(
                response.status_code,
                location,
                question_id=question.question_id,
                quiz_slug=plan.quiz_slug,
            ):
                self.fail(
                    "quiz_answer",
                    response.url,
                    f"answer to question {question.question_id} not accepted",
                    status=response.status_code,
                    location=location,
                )
            self.recorder.accept(self.username, question.question_id)
        self.fail("quiz_page", location, f"more than {MAX_QUESTIONS} questions")


# --------------------------------------------------------------------------- load


def run_load(
    config: Config,
    plan: Plan,
    usernames: list[str],
    password: str,
    sessions: dict[str, str] | None = None,
) -> Recorder:
    """All learners at once, each in its own thread, until done or out of time."""
    recorder = Recorder()
    learners = [
        Learner(
            username=username,
            password=password,
            plan=plan,
            recorder=recorder,
            deadline=math.inf,  # set when all threads are ready to go
            rng=random.Random(f"{config.seed}-{username}"),
            session_key=None if config.login else (sessions or {}).get(username),
            think=config.think,
        )
        for username in usernames
    ]
    go = threading.Event()

    def work(learner: Learner, delay: float) -> None:
        go.wait()
        time.sleep(delay)
        learner.run()

    threads = [
        threading.Thread(
            target=work,
            args=(learner, config.ramp_up * number / len(learners)),
            name=learner.username,
            daemon=True,
        )
        for number, learner in enumerate(learners)
    ]
    for thread in threads:
        thread.start()
    recorder.load_started = time.monotonic()
    for learner in learners:
        learner.deadline = recorder.load_started + config.duration
    go.set()

    hard_deadline = recorder.load_started + config.duration + GRACE
    next_report = recorder.load_started + 10
    while (now := time.monotonic()) < hard_deadline:
        alive = [thread for thread in threads if thread.is_alive()]
        if not alive:
            break
        alive[0].join(timeout=min(0.5, hard_deadline - now))
        if time.monotonic() >= next_report:
            requests_done, errors, finished = recorder.progress()
            print(
                f"  {time.monotonic() - recorder.load_started:4.0f} s: {requests_done} requests, "
                f"{errors} errors, {recorder.active()} learners active, "
                f"{finished}/{len(learners)} finished",
                flush=True,
            )
            next_report += 10
    recorder.load_ended = time.monotonic()
    for thread in threads:
        if thread.is_alive():
            recorder.error(
                user=thread.name, kind="client", url="", reason="still running at the hard limit"
            )
    return recorder
