"""Measurement: each key request through Django's test client in this process.

No network, no web server, so the numbers are the cost of the Django and database work
under the settings the bench was given (its cache mode: see runner.CACHE_MODES). They are
compared with two floors, both a plain success-story page of the site's own layout:

- the **learner floor**, requested by the same logged-in learner as the learner pages in
  the same round (session, user, notification bell, banners and all): what any page costs
  that learner before the LMS does anything;
- the **anonymous floor**, the same pages for a visitor who is not signed in.

The pages are timed for several learners, courses, modules and teams drawn at random
(seeded, so two runs draw the same), round by round, every request once per round, so that
a machine that gets slower during the run slows every request alike.
"""

from __future__ import annotations

import gc
import itertools
import math
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lms.core.startup import settle_heap
from lms.demo.bench.company import (
    ADMIN,
    FOCUS_MANAGER,
    GUIDELINE_SLUG,
    LEARNER,
    Progress,
    no_progress,
)
from lms.demo.bench.domain import (
    Answer,
    CoursePage,
    Enrollment,
    GuidelinePage,
    ModuleCompletion,
    ModulePage,
    Quiz,
    Sitting,
    SittingAnswer,
    SuccessStoryPage,
    User,
    complete_module,
    team_of,
)
from lms.demo.bench.generation import BATCH_SIZE

# What kind of request each measured name is; the targets follow from the kind.
FLOORS = ("floor", "floor_anonymous")
LEARNER_PAGES = ("dashboard", "dashboard_busy", "course", "module")
WRITES = ("quiz_post",)
REPORTS = ("team", "team_csv", "rollout", "signoff_report")
EXPORTS = ("signoff_csv_dept", "signoff_csv")
# Exports whose rows grow with the company: judged by their rate, not their time or growth.
WHOLE_COMPANY_EXPORTS = ("signoff_csv",)

# Targets (issue #16). Learner pages: p50 against the learner floor of the same run.
LEARNER_RATIO_LIMIT = 1.25  # no shared cache: the default install
LEARNER_RATIO_LIMIT_CACHED = 1.1  # with the per-learner cache on
EXTRA_QUERY_LIMIT = 1  # queries a learner page may make beyond the learner floor's
WRITE_RATIO_LIMIT = 1.5
REPORT_P95_LIMIT_MS = 100.0
EXPORT_FIRST_BYTE_LIMIT_MS = 100.0
EXPORT_ROWS_PER_S = 200_000
COLD_RATIO_LIMIT = 3.0  # first request in a fresh process against a warm one
GROWTH_LIMIT = 1.3  # p50 at the largest scale against the smallest, --compare-scales

LEARNER_POOL = 12  # learners drawn for the learner pages (the named bench learner first)
# The queries are counted (untimed) for every learner and manager of the pool, not for a few:
# a learner the timed rounds draw, with one query more (the guidelines banner, say), would
# otherwise be left out of the count at one scale and in it at another.


@dataclass
class Variant:
    """One concrete request: who asks for which path (and sends what)."""

    user_id: int | None
    path: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RequestSpec:
    name: str
    label: str
    method: str
    # How a round chooses the request: (random, the round's learner, run number) → Variant.
    pick: Callable[[random.Random, int, int], Variant]
    # A few representative variants: their queries are counted, the first is timed cold.
    samples: list[Variant]
    expected_status: int = 200
    before: Callable[[], None] | None = None  # called before each request, not timed

    @property
    def path(self) -> str:
        return self.samples[0].path

    @property
    def kind(self) -> str:
        for kind, names in (
            ("floor", FLOORS),
            ("learner", LEARNER_PAGES),
            ("write", WRITES),
            ("report", REPORTS),
            ("export", EXPORTS),
        ):
            if self.name in names:
                return kind
        return "other"


@dataclass
class RequestResult:
    name: str
    label: str
    method: str
    path: str
    kind: str
    runs: int
    warmup: int
    variants: int = 1
    first_ms: float | None = None  # the first request of this process, before its warm-up
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    mean_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    queries: int | None = None  # the most any counted variant made
    queries_min: int | None = None
    ratio_to_floor: float | None = None  # p50 against the learner floor's p50
    ratio_to_anonymous_floor: float | None = None
    status_code: int | None = None
    # Exports: whether the body streams, the time to its first chunk, rows and their rate,
    # and the most memory Python held while writing the whole body once (tracemalloc).
    streaming: bool | None = None
    first_byte_p50_ms: float | None = None
    first_byte_p95_ms: float | None = None
    rows: int | None = None
    rows_per_s: float | None = None
    peak_memory_kb: float | None = None
    # A fresh process (see cold.py): its first request, and the same request warm there.
    cold_ms: float | None = None
    cold_warm_ms: float | None = None
    cold_ratio: float | None = None
    # Python's garbage collector inside this request's timed runs: full (oldest
    # generation) collections and the CPU time of all collections, in ms.
    gc_full_collections: int = 0
    gc_ms: float = 0.0
    error: str = ""
    sql: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class TargetResult:
    request: str
    description: str
    value: float | None
    limit: float
    passed: bool


@dataclass
class Cast:
    """The people and pages the measured requests use, found by their fixed names."""

    learner_id: int
    learner_ids: list[int]
    manager_ids: list[int]
    admin_id: int
    manager_reports: list[int]
    learner_enrolments: list[int]
    courses: dict[int, list[str]]  # learner → the courses they are enrolled in
    modules: dict[str, list[str]]  # course path → its live modules
    story_paths: list[str]
    document_id: int
    department_slug: str
    department_size: int


def find_cast(*, rng: random.Random) -> Cast:
    learner = User.objects.get(username=LEARNER)
    others = list(
        Enrollment.objects.filter(user__username__startswith="emp-", user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")[:5000]
    )
    learner_ids = [learner.pk] + rng.sample(others, k=min(LEARNER_POOL - 1, len(others)))
    enrolled: dict[int, list[int]] = {user_id: [] for user_id in learner_ids}
    for user_id, course_id in Enrollment.objects.filter(user_id__in=learner_ids).values_list(
        "user_id", "course_id"
    ):
        enrolled[user_id].append(course_id)
    course_pages = {page.pk: page for page in CoursePage.objects.live()}
    course_urls = {pk: page.get_url() for pk, page in course_pages.items()}
    modules: dict[str, list[str]] = {}
    for course in course_pages.values():
        modules[course_urls[course.pk]] = [
            module.get_url() for module in ModulePage.objects.live().child_of(course)
        ]
    courses = {
        user_id: sorted(course_urls[pk] for pk in ids if pk in course_urls)
        for user_id, ids in enrolled.items()
    }
    focus = User.objects.get(username=FOCUS_MANAGER)
    reports = team_of(manager=focus).count()
    # The other heads of a focus-sized department: teams of the same size, drawn at random.
    heads = [focus.pk] + [
        user.pk
        for user in User.objects.filter(username__startswith="head-").order_by("pk")
        if team_of(manager=user).count() == reports
    ]
    stories = [page.get_url() for page in SuccessStoryPage.objects.live().order_by("path")]
    return Cast(
        learner_id=learner.pk,
        learner_ids=learner_ids,
        manager_ids=heads,
        admin_id=User.objects.get(username=ADMIN).pk,
        manager_reports=[team_of(manager=User(pk=pk)).count() for pk in heads],
        learner_enrolments=[len(enrolled[user_id]) for user_id in learner_ids],
        courses=courses,
        modules=modules,
        story_paths=stories,
        document_id=GuidelinePage.objects.get(slug=GUIDELINE_SLUG).pk,
        department_slug=learner.department.slug,
        department_size=User.objects.filter(department=learner.department_id).count(),
    )


def prepare_quiz_sittings(*, count: int) -> list[tuple[int, str, dict[str, Any]]]:
    """Fresh open attempts, one per measured POST: (user id, quiz slug, POST data).

    Each POST answers the first question of an attempt nobody has touched, so the
    measurement never includes starting an attempt or a second answer.
    """

    quizzes = list(Quiz.objects.filter(slug__startswith="bench-quiz-").order_by("slug"))
    users = list(
        User.objects.filter(username__startswith="emp-").order_by("pk").values_list("pk", flat=True)
    )
    pairs = [(user_id, quiz) for quiz in quizzes for user_id in users][:count]
    if len(pairs) < count:
        raise RuntimeError(f"Only {len(pairs)} learners for {count} quiz answers: raise the scale.")
    # Left over from an earlier run on a kept database.
    Sitting.objects.filter(
        complete=False, user_id__in={u for u, _q in pairs}, quiz__in=quizzes
    ).delete()
    last_attempts = {
        (row["user_id"], row["quiz_id"]): row["last"]
        for row in Sitting.objects.filter(user_id__in={u for u, _q in pairs}, quiz__in=quizzes)
        .values("user_id", "quiz_id")
        .annotate(last=models.Max("attempt"))
    }
    order = {
        quiz.pk: list(
            quiz.quiz_questions.order_by("sort_order").values_list("question_id", flat=True)
        )
        for quiz in quizzes
    }
    modules = dict(ModulePage.objects.filter(quiz__in=quizzes).values_list("quiz_id", "pk"))
    right = {
        answer.question_id: answer.pk
        for answer in Answer.objects.filter(
            question_id__in=[ids[0] for ids in order.values()], correct=True
        )
    }
    Sitting.objects.bulk_create(
        [
            Sitting(
                user_id=user_id,
                quiz=quiz,
                module_id=modules.get(quiz.pk),
                attempt=last_attempts.get((user_id, quiz.pk), 0) + 1,
                question_order=order[quiz.pk],
                possible=len(order[quiz.pk]),
            )
            for user_id, quiz in pairs
        ],
        batch_size=BATCH_SIZE,
    )
    return [
        (
            user_id,
            quiz.slug,
            {"question": order[quiz.pk][0], "choice": right[order[quiz.pk][0]]},
        )
        for user_id, quiz in pairs
    ]


class BusyWeek:
    """Someone else's module completion before each request, as in a bootcamp week.

    A real write through the service (untimed): it changes the rollout data, the award
    and whatever is kept up to date on write, so the request after it meets the state a
    busy week leaves, not a warm cache.
    """

    def __init__(self, *, count: int, avoid: set[int], rng: random.Random):
        users = list(
            User.objects.filter(username__startswith="emp-", is_active=True)
            .exclude(pk__in=avoid)
            .values_list("pk", flat=True)[:20_000]
        )
        chosen = rng.sample(users, k=min(len(users), count))
        without_quiz = {course_id: ids for course_id, ids in _modules_without_quiz().items()}
        enrolled: dict[int, list[int]] = {}
        for user_id, course_id in Enrollment.objects.filter(user_id__in=chosen).values_list(
            "user_id", "course_id"
        ):
            enrolled.setdefault(user_id, []).append(course_id)
        done = set(
            ModuleCompletion.objects.filter(user_id__in=chosen).values_list("user_id", "module_id")
        )
        # Round-robin over the people, so that consecutive completions are different people's.
        open_modules = [
            [
                (user_id, module_id)
                for course_id in enrolled.get(user_id, [])
                for module_id in without_quiz.get(course_id, [])
                if (user_id, module_id) not in done
            ]
            for user_id in chosen
        ]
        self.pairs: list[tuple[int, int]] = [
            pair
            for turn in itertools.zip_longest(*open_modules)
            for pair in turn
            if pair is not None
        ][:count]
        if len(self.pairs) < count:
            raise RuntimeError(
                f"Only {len(self.pairs)} open modules for {count} busy-week completions: "
                "raise the scale."
            )
        self.users = User.objects.in_bulk({user_id for user_id, _m in self.pairs})
        self.modules = ModulePage.objects.in_bulk({module_id for _u, module_id in self.pairs})
        self.done = 0

    def __call__(self) -> None:
        user_id, module_id = self.pairs[self.done]
        self.done += 1
        complete_module(user=self.users[user_id], module=self.modules[module_id])


def _modules_without_quiz() -> dict[int, list[int]]:
    by_course: dict[int, list[int]] = {}
    for course in CoursePage.objects.live():
        by_course[course.pk] = list(
            ModulePage.objects.live()
            .child_of(course)
            .filter(quiz__isnull=True)
            .order_by("path")
            .values_list("pk", flat=True)
        )
    return by_course


def _range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}–{high}"


def key_requests(
    *,
    cast: Cast,
    quiz_answers: list[tuple[int, str, dict[str, Any]]],
    busy_week: Callable[[], None],
) -> list[RequestSpec]:
    document = cast.document_id
    stories = cast.story_paths
    learners = cast.learner_ids
    enrolled = [user_id for user_id in learners if cast.courses[user_id]]

    def fixed(variant: Variant) -> Callable[[random.Random, int, int], Variant]:
        return lambda _rng, _learner, _run: variant

    def story(rng: random.Random, learner: int, _run: int) -> Variant:
        return Variant(learner, rng.choice(stories))

    def anonymous_story(rng: random.Random, _learner: int, _run: int) -> Variant:
        return Variant(None, rng.choice(stories))

    def dashboard(_rng: random.Random, learner: int, _run: int) -> Variant:
        return Variant(learner, "/")

    def course_of(rng: random.Random, learner: int) -> tuple[int, str]:
        user_id = learner if cast.courses[learner] else rng.choice(enrolled)
        return user_id, rng.choice(cast.courses[user_id])

    def course(rng: random.Random, learner: int, _run: int) -> Variant:
        user_id, path = course_of(rng, learner)
        return Variant(user_id, path)

    def module(rng: random.Random, learner: int, _run: int) -> Variant:
        user_id, path = course_of(rng, learner)
        return Variant(user_id, rng.choice(cast.modules[path]))

    def team(rng: random.Random, _learner: int, _run: int) -> Variant:
        return Variant(rng.choice(cast.manager_ids), "/team/")

    def team_csv(rng: random.Random, _learner: int, _run: int) -> Variant:
        return Variant(rng.choice(cast.manager_ids), "/team/export.csv")

    def answer(_rng: random.Random, _learner: int, run: int) -> Variant:
        user_id, slug, data = quiz_answers[run]
        return Variant(user_id, f"/quizzes/{slug}/take/", data)

    first_course = {user_id: cast.courses[user_id][0] for user_id in enrolled}
    learner_samples = learners
    course_samples = [Variant(u, first_course[u]) for u in enrolled]
    module_samples = [
        Variant(u, cast.modules[first_course[u]][index % len(cast.modules[first_course[u]])])
        for index, u in enumerate(enrolled)
    ]
    admin = cast.admin_id
    learner_label = f"{len(learners)} learners ({_range(cast.learner_enrolments)} enrolments)"
    team_label = f"{len(cast.manager_ids)} managers ({_range(cast.manager_reports)} reports)"
    return [
        RequestSpec(
            "floor",
            f"learner floor: a success story ({len(stories)} drawn), the round's learner",
            "GET",
            story,
            [Variant(u, stories[0]) for u in learner_samples],
        ),
        RequestSpec(
            "floor_anonymous",
            "anonymous floor: the same success stories, not signed in",
            "GET",
            anonymous_story,
            [Variant(None, stories[0])],
        ),
        RequestSpec(
            "dashboard",
            f"learner dashboard, {learner_label}",
            "GET",
            dashboard,
            [Variant(u, "/") for u in learner_samples],
        ),
        RequestSpec(
            "dashboard_busy",
            "learner dashboard in a busy week: before each request, someone else "
            "completes a module (untimed)",
            "GET",
            dashboard,
            [Variant(u, "/") for u in learner_samples],
            before=busy_week,
        ),
        RequestSpec(
            "course",
            f"course page, enrolled learner, {learner_label}",
            "GET",
            course,
            course_samples,
        ),
        RequestSpec(
            "module",
            f"module page (with or without a quiz) of an enrolled course, {learner_label}",
            "GET",
            module,
            module_samples,
        ),
        RequestSpec(
            "quiz_post",
            "quiz answer POST (first question, fresh attempt, a different learner each time)",
            "POST",
            answer,
            [answer(random.Random(0), 0, 0)],
            expected_status=302,
        ),
        RequestSpec(
            "team",
            f"manager team view, {team_label}",
            "GET",
            team,
            [Variant(pk, "/team/") for pk in cast.manager_ids],
        ),
        RequestSpec(
            "team_csv",
            f"team CSV, {team_label}",
            "GET",
            team_csv,
            [Variant(pk, "/team/export.csv") for pk in cast.manager_ids],
        ),
        RequestSpec(
            "rollout",
            "rollout board, admin, right after someone's module completion (untimed)",
            "GET",
            fixed(Variant(admin, "/rollout/")),
            [Variant(admin, "/rollout/")],
            before=busy_week,
        ),
        RequestSpec(
            "signoff_report",
            "sign-off report by department, admin",
            "GET",
            fixed(Variant(admin, f"/guidelines/reports/?document={document}")),
            [Variant(admin, f"/guidelines/reports/?document={document}")],
        ),
        RequestSpec(
            "signoff_csv_dept",
            f"sign-off CSV of one department ({cast.department_size:,} people), admin",
            "GET",
            fixed(
                Variant(
                    admin,
                    f"/guidelines/reports/{document}/export.csv?department={cast.department_slug}",
                )
            ),
            [
                Variant(
                    admin,
                    f"/guidelines/reports/{document}/export.csv?department={cast.department_slug}",
                )
            ],
        ),
        RequestSpec(
            "signoff_csv",
            "sign-off CSV, every employee in scope, admin",
            "GET",
            fixed(Variant(admin, f"/guidelines/reports/{document}/export.csv")),
            [Variant(admin, f"/guidelines/reports/{document}/export.csv")],
        ),
    ]


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(percent / 100 * len(ordered)) - 1)
    return ordered[rank]


@dataclass
class Sent:
    status: int
    total_ms: float
    first_byte_ms: float
    streaming: bool
    body: bytes | None = None


def send(client: Client, method: str, variant: Variant, *, keep_body: bool = False) -> Sent:
    """One request, everything the browser would get read, streaming bodies included."""
    started = time.perf_counter()
    if method == "POST":
        response = client.post(variant.path, variant.data)
    else:
        response = client.get(variant.path)
    streaming = bool(getattr(response, "streaming", False))
    chunks: list[bytes] = []
    first_byte = None
    if streaming:
        for chunk in response.streaming_content:
            if first_byte is None:
                first_byte = time.perf_counter()
            if keep_body:
                chunks.append(chunk)
    else:
        content = response.content
        first_byte = time.perf_counter()
        if keep_body:
            chunks.append(content)
    ended = time.perf_counter()
    response.close()
    first_byte = first_byte or ended
    return Sent(
        status=response.status_code,
        total_ms=(ended - started) * 1000,
        first_byte_ms=(first_byte - started) * 1000,
        streaming=streaming,
        body=b"".join(chunks) if keep_body else None,
    )


class Clients:
    """One logged-in test client per person, shared by every request they make."""

    def __init__(self, users: dict[int, Any]):
        self.users = users
        self.by_user: dict[int | None, Client] = {None: Client()}

    def of(self, user_id: int | None) -> Client:
        client = self.by_user.get(user_id)
        if client is None:
            client = self.by_user[user_id] = Client()
            client.force_login(self.users[user_id])
        return client


class GcMeter:
    """What Python's garbage collector costs inside the timed requests (gc.callbacks):
    the collections a request triggers are part of its time; the meter says how much."""

    def __init__(self) -> None:
        self.current: RequestResult | None = None
        self._started = 0.0

    def __enter__(self) -> GcMeter:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
            return
        result = self.current
        if result is None:
            return
        result.gc_ms += (time.process_time() - self._started) * 1000
        if info["generation"] == 2:
            result.gc_full_collections += 1


class _Measurement:
    """One request's runs and timings while the bench interleaves the requests."""

    def __init__(self, spec: RequestSpec, *, clients: Clients, warmup: int, runs: int):
        self.spec = spec
        self.clients = clients
        self.result = RequestResult(
            name=spec.name,
            label=spec.label,
            method=spec.method,
            path=spec.path,
            kind=spec.kind,
            runs=runs,
            warmup=warmup,
        )
        self.run = 0
        self.timings: list[float] = []
        self.first_bytes: list[float] = []
        self.seen: set[str] = set()

    def _client(self, variant: Variant) -> Client:
        if self.spec.method == "POST":
            # Each answer is a different learner's: a client of its own, logged in untimed.
            client = Client()
            client.force_login(self.clients.users[variant.user_id])
            return client
        return self.clients.of(variant.user_id)

    def send(self, variant: Variant, meter: GcMeter | None = None) -> Sent:
        if self.spec.before is not None:
            self.spec.before()
        client = self._client(variant)
        if meter is not None:  # the collections of the timed request only
            meter.current = self.result
        try:
            sent = send(client, self.spec.method, variant)
        finally:
            if meter is not None:
                meter.current = None
        self.run += 1
        if sent.status != self.spec.expected_status:
            raise AssertionError(
                f"{self.spec.method} {variant.path} answered {sent.status}, "
                f"not {self.spec.expected_status}"
            )
        return sent

    def warm_up(self, rng: random.Random, learners: list[int], count: int) -> None:
        for index in range(count):
            sent = self.send(self.spec.pick(rng, learners[index % len(learners)], self.run))
            if index == 0:
                self.result.first_ms = round(sent.total_ms, 2)

    def count_queries(self) -> None:
        """The queries of each sample as the timed rounds see it: after one untimed request
        of the same variant, so that a cache the first request fills (the per-learner
        cache, a cached session) does not make the count depend on which variants the
        warm-up happened to draw. A POST is a fresh attempt each time: counted as it is."""
        counts = []
        for variant in self.spec.samples:
            if self.spec.method == "POST":
                variant = self.spec.pick(random.Random(0), 0, self.run)
            client = self._client(variant)
            if self.spec.method != "POST":
                send(client, self.spec.method, variant)
            if self.spec.before is not None:
                self.spec.before()
            with CaptureQueriesContext(connection) as captured:
                sent = send(client, self.spec.method, variant)
            self.run += 1
            if sent.status != self.spec.expected_status:
                raise AssertionError(f"{variant.path} answered {sent.status}")
            counts.append(len(captured))
            if len(captured) >= max(counts):
                self.result.sql = [query["sql"] for query in captured.captured_queries]
        self.result.status_code = self.spec.expected_status
        self.result.queries = max(counts)
        self.result.queries_min = min(counts)

    def measure_export(self) -> None:
        """Rows and peak memory of one whole export, untimed (tracemalloc slows it)."""
        variant = self.spec.samples[0]
        client = self._client(variant)
        tracemalloc.start()
        try:
            sent = send(client, self.spec.method, variant, keep_body=False)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.result.peak_memory_kb = round(peak / 1024, 1)
        self.result.streaming = sent.streaming
        body = send(client, self.spec.method, variant, keep_body=True).body or b""
        self.result.rows = max(0, body.count(b"\n") - 1)  # less the header line

    def time_once(self, rng: random.Random, learner: int, meter: GcMeter | None = None) -> None:
        if self.result.error:
            return
        variant = self.spec.pick(rng, learner, self.run)
        self.seen.add(f"{variant.user_id}:{variant.path}")
        try:
            sent = self.send(variant, meter)
        except Exception as error:  # a broken page is a result, not the end of the bench
            self.result.error = f"{type(error).__name__}: {error}"
            return
        self.timings.append(sent.total_ms)
        self.first_bytes.append(sent.first_byte_ms)

    def finish(self) -> RequestResult:
        timings = self.timings
        result = self.result
        if timings:
            result.p50_ms = round(statistics.median(timings), 2)
            result.p95_ms = round(_percentile(timings, 95), 2)
            result.p99_ms = round(_percentile(timings, 99), 2)
            result.mean_ms = round(statistics.fmean(timings), 2)
            result.min_ms = round(min(timings), 2)
            result.max_ms = round(max(timings), 2)
            result.variants = len(self.seen)
            if result.kind == "export":
                result.first_byte_p50_ms = round(statistics.median(self.first_bytes), 2)
                result.first_byte_p95_ms = round(_percentile(self.first_bytes, 95), 2)
                if result.rows is not None and result.p50_ms:
                    result.rows_per_s = round(result.rows / (result.p50_ms / 1000))
        return result


def measure_requests(
    specs: list[RequestSpec],
    *,
    clients: Clients,
    learners: list[int],
    warmup: int,
    runs: int,
    rng: random.Random,
    report: Progress,
) -> list[RequestResult]:
    """Warm up and count the queries of each request, then time them interleaved.

    Round by round, every request once per round, and the learner pages and the learner
    floor for the same learner, drawn at random for the round.
    """
    measurements = []
    for spec in specs:
        report(f"  warming up {spec.name}: {spec.method} {spec.path} …")
        measurement = _Measurement(spec, clients=clients, warmup=warmup, runs=runs)
        try:
            measurement.warm_up(rng, learners, warmup)
            measurement.count_queries()
            if spec.kind == "export":
                measurement.measure_export()
        except Exception as error:  # a broken page is a result, not the end of the bench
            measurement.result.error = f"{type(error).__name__}: {error}"
        measurements.append(measurement)
    # As a worker does at the end of its warm-up (lms/core/startup.py): what is loaded
    # by now is frozen out of the collector's full collections.
    settle_heap()
    report(f"  timing {len(specs)} requests × {runs} rounds, interleaved …")
    step = max(1, runs // 10)
    with GcMeter() as meter:
        for number in range(runs):
            learner = rng.choice(learners)
            for measurement in measurements:
                measurement.time_once(rng, learner, meter)
            if (number + 1) % step == 0 or number + 1 == runs:
                report(f"    round {number + 1}/{runs}")
    return [measurement.finish() for measurement in measurements]


def measure(
    *, warmup: int, runs: int, seed: int = 16, report: Progress = no_progress
) -> tuple[Cast, list[RequestSpec], list[RequestResult]]:
    rng = random.Random(seed)
    cast = find_cast(rng=rng)
    # Answers: the warm-ups, the counted queries and the timed runs each take a fresh one.
    answers_needed = warmup + 1 + runs
    quiz_answers = prepare_quiz_sittings(count=answers_needed)
    # Two requests follow a completion each time: warm-ups, counted samples, timed rounds.
    busy_week = BusyWeek(
        count=2 * (warmup + LEARNER_POOL + runs),
        avoid=set(cast.learner_ids) | {u for u, _s, _d in quiz_answers},
        rng=rng,
    )
    specs = key_requests(cast=cast, quiz_answers=quiz_answers, busy_week=busy_week)
    wanted = (
        set(cast.learner_ids)
        | set(cast.manager_ids)
        | {cast.admin_id}
        | {u for u, _s, _d in quiz_answers}
    )
    clients = Clients(User.objects.in_bulk(wanted))
    answers_before = SittingAnswer.objects.count()
    results = measure_requests(
        specs,
        clients=clients,
        learners=cast.learner_ids,
        warmup=warmup,
        runs=runs,
        rng=rng,
        report=report,
    )
    for result in results:
        if result.name == "quiz_post" and result.ok:
            recorded = SittingAnswer.objects.count() - answers_before
            if recorded != answers_needed:
                result.error = f"{recorded} answers recorded for {answers_needed} POSTs"
    by_name = {result.name: result for result in results}
    floor, anonymous = by_name["floor"].p50_ms, by_name["floor_anonymous"].p50_ms
    for result in results:
        if result.p50_ms is None:
            continue
        if floor:
            result.ratio_to_floor = round(result.p50_ms / floor, 2)
        if anonymous:
            result.ratio_to_anonymous_floor = round(result.p50_ms / anonymous, 2)
    return cast, specs, results


def _target(name: str, description: str, value: float | None, limit: float) -> TargetResult:
    return TargetResult(name, description, value, limit, value is not None and value <= limit)


def check_targets(results: list[RequestResult], *, learner_cache: bool) -> list[TargetResult]:
    by_name = {result.name: result for result in results}
    targets = []
    for result in results:
        if not result.ok:
            targets.append(
                TargetResult(result.name, f"answers {result.name} correctly", None, 0, False)
            )
    floor = by_name["floor"]
    ratio_limit = LEARNER_RATIO_LIMIT_CACHED if learner_cache else LEARNER_RATIO_LIMIT
    for name in LEARNER_PAGES:
        result = by_name[name]
        targets.append(
            _target(name, f"p50 ≤ {ratio_limit}× learner floor", result.ratio_to_floor, ratio_limit)
        )
        if floor.queries is not None and result.queries is not None:
            targets.append(
                TargetResult(
                    name,
                    f"≤ {floor.queries + EXTRA_QUERY_LIMIT} queries "
                    f"(learner floor {floor.queries} + {EXTRA_QUERY_LIMIT})",
                    result.queries,
                    floor.queries + EXTRA_QUERY_LIMIT,
                    result.queries <= floor.queries + EXTRA_QUERY_LIMIT,
                )
            )
    for name in WRITES:
        targets.append(
            _target(
                name,
                f"p50 ≤ {WRITE_RATIO_LIMIT}× learner floor",
                by_name[name].ratio_to_floor,
                WRITE_RATIO_LIMIT,
            )
        )
    for name in REPORTS:
        targets.append(
            _target(
                name,
                f"p95 ≤ {REPORT_P95_LIMIT_MS:.0f} ms",
                by_name[name].p95_ms,
                REPORT_P95_LIMIT_MS,
            )
        )
    for name in EXPORTS:
        result = by_name[name]
        targets.append(
            TargetResult(name, "streams", None, 1, bool(result.streaming)),
        )
        targets.append(
            _target(
                name,
                f"first byte p95 ≤ {EXPORT_FIRST_BYTE_LIMIT_MS:.0f} ms",
                result.first_byte_p95_ms,
                EXPORT_FIRST_BYTE_LIMIT_MS,
            )
        )
        if name not in WHOLE_COMPANY_EXPORTS:
            # A department's export is a report of its own size: judged as one.
            targets.append(
                _target(
                    name, f"p95 ≤ {REPORT_P95_LIMIT_MS:.0f} ms", result.p95_ms, REPORT_P95_LIMIT_MS
                )
            )
            continue
        rate = result.rows_per_s
        targets.append(
            TargetResult(
                name,
                f"≥ {EXPORT_ROWS_PER_S:,} rows/s",
                rate,
                EXPORT_ROWS_PER_S,
                rate is not None and rate >= EXPORT_ROWS_PER_S,
            )
        )
    for result in results:
        if result.cold_ratio is not None or result.cold_ms is not None:
            targets.append(
                _target(
                    result.name,
                    f"first request of a fresh process ≤ {COLD_RATIO_LIMIT:g}× a warm one",
                    result.cold_ratio,
                    COLD_RATIO_LIMIT,
                )
            )
    return targets
