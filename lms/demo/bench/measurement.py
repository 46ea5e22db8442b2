"""Measurement: each key request through Django's test client in this process.

No network, no web server, so the numbers are the cost of the Django and database
work. They are compared with a "floor": a plain section page with no LMS logic.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lms.demo.bench.company import (
    ADMIN,
    COURSE_SLUG,
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
    ModulePage,
    Quiz,
    Sitting,
    SittingAnswer,
    SuccessStoryIndexPage,
    SuccessStoryPage,
    User,
    bump_rollout_cache,
    team_of,
)
from lms.demo.bench.generation import BATCH_SIZE

LEARNER_REQUESTS = ("dashboard", "dashboard_busy", "course", "module", "quiz_post")
REPORT_REQUESTS = (
    "team",
    "team_csv",
    "rollout",
    "signoff_report",
    "signoff_csv_dept",
    "signoff_csv",
)
LEARNER_RATIO_LIMIT = 1.5
PAGE_QUERY_LIMIT = 10
REPORT_P95_LIMIT_MS = 150.0


@dataclass
class RequestSpec:
    name: str
    label: str
    method: str
    path: str
    user_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    expected_status: int = 200
    fresh: Callable[[int], tuple[int, dict[str, Any]]] | None = None  # run → (user, data)
    before: Callable[[], None] | None = None  # called before each request, not timed


@dataclass
class RequestResult:
    name: str
    label: str
    method: str
    path: str
    runs: int
    warmup: int
    first_ms: float | None = None  # the very first run: cold caches
    p50_ms: float | None = None
    p95_ms: float | None = None
    mean_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    queries: int | None = None
    ratio_to_floor: float | None = None
    status_code: int | None = None
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
    manager_id: int
    admin_id: int
    manager_reports: int
    learner_enrolments: int
    course_path: str
    module_path: str
    document_id: int
    department_slug: str
    department_size: int
    floor_path: str
    floor_label: str


def find_cast() -> Cast:
    learner = User.objects.get(username=LEARNER)
    manager = User.objects.get(username=FOCUS_MANAGER)
    course = CoursePage.objects.get(slug=COURSE_SLUG.format(1))
    module = ModulePage.objects.child_of(course).filter(quiz__isnull=False).get()
    floor = SuccessStoryIndexPage.objects.get()
    stories = SuccessStoryPage.objects.child_of(floor).count()
    return Cast(
        learner_id=learner.pk,
        manager_id=manager.pk,
        admin_id=User.objects.get(username=ADMIN).pk,
        manager_reports=team_of(manager=manager).count(),
        learner_enrolments=Enrollment.objects.filter(user=learner).count(),
        course_path=course.get_url(),
        module_path=module.get_url(),
        document_id=GuidelinePage.objects.get(slug=GUIDELINE_SLUG).pk,
        department_slug=learner.department.slug,
        department_size=User.objects.filter(department=learner.department_id).count(),
        floor_path=floor.get_url(),
        floor_label=f"SuccessStoryIndexPage “{floor.title}”, {stories} stories, anonymous",
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


def key_requests(
    *, cast: Cast, quiz_answers: list[tuple[int, str, dict[str, Any]]]
) -> list[RequestSpec]:
    document = cast.document_id

    def fresh_answer(run: int) -> tuple[int, dict[str, Any]]:
        user_id, _slug, data = quiz_answers[run]
        return user_id, data

    quiz_slug = quiz_answers[0][1]
    return [
        RequestSpec("floor", f"floor: {cast.floor_label}", "GET", cast.floor_path),
        RequestSpec(
            "dashboard",
            f"learner dashboard ({cast.learner_enrolments} enrolments)",
            "GET",
            "/",
            cast.learner_id,
        ),
        RequestSpec(
            "dashboard_busy",
            "learner dashboard in a busy week: before each request, someone else's "
            "completion has changed the rollout data (untimed)",
            "GET",
            "/",
            cast.learner_id,
            before=bump_rollout_cache,
        ),
        RequestSpec(
            "course", "course page, enrolled learner", "GET", cast.course_path, cast.learner_id
        ),
        RequestSpec(
            "module",
            "module page with quiz, enrolled learner",
            "GET",
            cast.module_path,
            cast.learner_id,
        ),
        RequestSpec(
            "quiz_post",
            "quiz answer POST (first question, fresh attempt)",
            "POST",
            f"/quizzes/{quiz_slug}/take/",
            expected_status=302,
            fresh=fresh_answer,
        ),
        RequestSpec(
            "team",
            f"manager team view ({cast.manager_reports} reports)",
            "GET",
            "/team/",
            cast.manager_id,
        ),
        RequestSpec(
            "team_csv",
            f"team CSV ({cast.manager_reports} reports)",
            "GET",
            "/team/export.csv",
            cast.manager_id,
        ),
        RequestSpec(
            "rollout",
            "rollout board, admin, right after a change (recomputed, as in a busy week)",
            "GET",
            "/rollout/",
            cast.admin_id,
            before=bump_rollout_cache,
        ),
        RequestSpec(
            "signoff_report",
            "sign-off report by department, admin",
            "GET",
            f"/guidelines/reports/?document={document}",
            cast.admin_id,
        ),
        RequestSpec(
            "signoff_csv_dept",
            f"sign-off CSV of one department ({cast.department_size} people), admin",
            "GET",
            f"/guidelines/reports/{document}/export.csv?department={cast.department_slug}",
            cast.admin_id,
        ),
        RequestSpec(
            "signoff_csv",
            "sign-off CSV, every employee in scope, admin",
            "GET",
            f"/guidelines/reports/{document}/export.csv",
            cast.admin_id,
        ),
    ]


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(percent / 100 * len(ordered)) - 1)
    return ordered[rank]


def _send(client: Client, spec: RequestSpec, data: dict[str, Any]) -> int:
    response = client.post(spec.path, data) if spec.method == "POST" else client.get(spec.path)
    # Render everything the browser would get, streaming responses included.
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018
    return response.status_code


class _Measurement:
    """One request's client, runs and timings while the bench interleaves the requests."""

    def __init__(self, spec: RequestSpec, *, users: dict[int, Any], warmup: int, runs: int):
        self.spec = spec
        self.users = users
        self.result = RequestResult(
            name=spec.name,
            label=spec.label,
            method=spec.method,
            path=spec.path,
            runs=runs,
            warmup=warmup,
        )
        self.client = Client()
        if spec.user_id is not None:
            self.client.force_login(users[spec.user_id])
        self.run = 0
        self.timings: list[float] = []

    def _data(self) -> dict[str, Any]:
        if self.spec.before is not None:
            self.spec.before()
        if self.spec.fresh is None:
            return self.spec.data
        user_id, data = self.spec.fresh(self.run)
        self.client.force_login(self.users[user_id])
        return data

    def send(self, data: dict[str, Any] | None = None) -> float:
        """One request; returns its duration in ms."""
        if data is None:
            data = self._data()
        started = time.perf_counter()
        status = _send(self.client, self.spec, data)
        elapsed = (time.perf_counter() - started) * 1000
        self.run += 1
        _check(self.spec, status)
        return elapsed

    def warm_up(self, count: int) -> None:
        for index in range(count):
            elapsed = self.send()
            if index == 0:
                self.result.first_ms = round(elapsed, 2)

    def count_queries(self) -> None:
        data = self._data()  # logging in a fresh learner is not part of the request
        with CaptureQueriesContext(connection) as captured:
            self.send(data)
        self.result.status_code = self.spec.expected_status
        self.result.queries = len(captured)
        self.result.sql = [query["sql"] for query in captured.captured_queries]

    def time_once(self) -> None:
        if not self.result.error:
            try:
                self.timings.append(self.send())
            except Exception as error:  # a broken page is a result, not the end of the bench
                self.result.error = f"{type(error).__name__}: {error}"

    def finish(self) -> RequestResult:
        timings = self.timings
        if timings:
            self.result.p50_ms = round(statistics.median(timings), 2)
            self.result.p95_ms = round(_percentile(timings, 95), 2)
            self.result.mean_ms = round(statistics.fmean(timings), 2)
            self.result.min_ms = round(min(timings), 2)
            self.result.max_ms = round(max(timings), 2)
        return self.result


def measure_requests(
    specs: list[RequestSpec], *, users: dict[int, Any], warmup: int, runs: int, report: Progress
) -> list[RequestResult]:
    """Warm up and count the queries of each request, then time them interleaved.

    Round by round, every request once per round: a machine that gets slower or faster
    during the run (other load, CPU clock) then affects every request alike, and the
    ratios to the floor stay fair.
    """
    measurements = []
    for spec in specs:
        report(f"  warming up {spec.name}: {spec.method} {spec.path} …")
        measurement = _Measurement(spec, users=users, warmup=warmup, runs=runs)
        try:
            measurement.warm_up(warmup)
            measurement.count_queries()
        except Exception as error:  # a broken page is a result, not the end of the bench
            measurement.result.error = f"{type(error).__name__}: {error}"
        measurements.append(measurement)
    report(f"  timing {len(specs)} requests × {runs} rounds, interleaved …")
    for _round in range(runs):
        for measurement in measurements:
            measurement.time_once()
    return [measurement.finish() for measurement in measurements]


def _check(spec: RequestSpec, status: int) -> None:
    if status != spec.expected_status:
        raise AssertionError(
            f"{spec.method} {spec.path} answered {status}, not {spec.expected_status}"
        )


def measure(
    *, warmup: int, runs: int, report: Progress = no_progress
) -> tuple[Cast, list[RequestResult]]:
    cast = find_cast()
    quiz_answers = prepare_quiz_sittings(count=warmup + 1 + runs)
    specs = key_requests(cast=cast, quiz_answers=quiz_answers)
    wanted = {spec.user_id for spec in specs if spec.user_id} | {u for u, _s, _d in quiz_answers}
    users = User.objects.in_bulk(wanted)
    answers_before = SittingAnswer.objects.count()
    results = measure_requests(specs, users=users, warmup=warmup, runs=runs, report=report)
    for result in results:
        if result.name == "quiz_post" and result.ok:
            recorded = SittingAnswer.objects.count() - answers_before
            if recorded != warmup + 1 + runs:
                result.error = f"{recorded} answers recorded for {warmup + 1 + runs} POSTs"
    floor = results[0].p50_ms
    for result in results:
        if floor and result.p50_ms is not None:
            result.ratio_to_floor = round(result.p50_ms / floor, 2)
    return cast, results


def check_targets(results: list[RequestResult]) -> list[TargetResult]:
    by_name = {result.name: result for result in results}
    targets = []
    for result in results:
        if not result.ok:
            targets.append(
                TargetResult(result.name, f"answers {result.name} correctly", None, 0, False)
            )
    for name in LEARNER_REQUESTS:
        ratio = by_name[name].ratio_to_floor
        targets.append(
            TargetResult(
                name,
                f"p50 ≤ {LEARNER_RATIO_LIMIT}× floor",
                ratio,
                LEARNER_RATIO_LIMIT,
                ratio is not None and ratio <= LEARNER_RATIO_LIMIT,
            )
        )
    for name in ("course", "module"):
        queries = by_name[name].queries
        targets.append(
            TargetResult(
                name,
                f"≤ {PAGE_QUERY_LIMIT} queries",
                queries,
                PAGE_QUERY_LIMIT,
                queries is not None and queries <= PAGE_QUERY_LIMIT,
            )
        )
    for name in REPORT_REQUESTS:
        p95 = by_name[name].p95_ms
        targets.append(
            TargetResult(
                name,
                f"p95 ≤ {REPORT_P95_LIMIT_MS:.0f} ms",
                p95,
                REPORT_P95_LIMIT_MS,
                p95 is not None and p95 <= REPORT_P95_LIMIT_MS,
            )
        )
    return targets
