"""A synthetic company at scale, and in-process timings of the requests that matter.

`python manage.py bench` (see lms/demo/management/commands/bench.py) calls these
functions. Generation writes in bulk: `bulk_create` with large batches, and raw
`executemany` for the tables with a million rows whose timestamps must be spread over
the past year (`auto_now_add` would stamp every row with the same moment). Only the
Wagtail pages (a few hundred) go through the page tree API, one by one.

Measurement runs each request through Django's test client in this process: no
network, no web server, so the numbers are the cost of the Django and database work.
They are compared with a "floor": a plain section page with no LMS logic.

By default the bench never touches the developer's database: it runs in a fresh
SQLite file, bench/bench.sqlite3, or in a throwaway `<name>_bench` database on a server
given with --database-url (see `bench_database` and `use_database`).
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from courses.models import (
    Booking,
    CourseIndexPage,
    CoursePage,
    Enrollment,
    ModuleCompletion,
    ModulePage,
    Track,
    WorkshopIndexPage,
    WorkshopPage,
    WorkshopSession,
)
from lms.assignments.models import Assignment
from lms.guidelines.models import GuidelineIndexPage, GuidelinePage, GuidelineVersion, SignOff
from lms.guidelines.services import publish_initial_text
from lms.kpis.models import KpiRecord
from lms.people import roles
from lms.people.models import Department, User
from lms.people.selectors import team_of
from lms.quizzes.models import (
    Answer,
    Category,
    CategoryProgress,
    Question,
    Quiz,
    QuizQuestion,
    Sitting,
    SittingAnswer,
)
from lms.rollout import cache as rollout_cache
from lms.rollout.models import (
    AwardPeriod,
    AwardSettings,
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    StageChange,
    SuccessStoryIndexPage,
    SuccessStoryPage,
)

Report = Callable[[str], None]

BASE_DIR = Path(settings.BASE_DIR)
BENCH_DIR = BASE_DIR / "bench"
RESULTS_DIR = BENCH_DIR / "results"
SQLITE_FILE = BENCH_DIR / "bench.sqlite3"

BATCH_SIZE = 5000
RAW_CHUNK = 50_000
PASSWORD = "bench"

# Usernames of the people the measured requests are made as.
CEO = "bench-ceo"
ADMIN = "bench-admin"
FOCUS_MANAGER = "bench-manager"
LEARNER = "bench-learner"
GUIDELINE_SLUG = "benchmark-guidelines"
COURSE_SLUG = "bench-course-{:02d}"
QUIZ_SLUG = "bench-quiz-{:02d}"

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

DEPARTMENT_NAMES = [
    "Sales",
    "Marketing",
    "Human Resources",
    "Finance",
    "IT",
    "Legal",
    "Customer Service",
    "Product",
    "Engineering",
    "Operations",
    "Logistics",
    "Procurement",
    "Communications",
    "Research",
    "Quality",
    "Controlling",
    "Facilities",
    "Training",
    "Strategy",
    "Partnerships",
]
TRACKS = [
    ("LinkedIn for Leaders", "linkedin-leaders", "blue"),
    ("Social Selling", "social-selling", "green"),
    ("Employer Branding", "employer-branding", "orange"),
    ("Content Basics", "content-basics", "purple"),
    ("Community Management", "community-management", "teal"),
]
TOPICS = [
    "Profile basics",
    "Finding customers",
    "Writing posts",
    "Visual storytelling",
    "Networking etiquette",
    "Measuring reach",
    "Handling criticism",
    "Recruiting online",
    "Video in five minutes",
    "Personal brand",
]
FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Ida", "Jonas",
    "Karl", "Lena", "Mia", "Noah", "Olga", "Paul", "Quentin", "Rosa", "Sara", "Tom",
    "Ulla", "Vera", "Wim", "Xenia", "Yusuf", "Zoe", "Aylin", "Lukas", "Marie", "Elias",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz",
    "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann",
    "Yılmaz", "Kaya", "Nowak", "Rossi", "Smith", "Jansen",
]  # fmt: skip


def _no_report(line: str) -> None:
    pass


# --- Scale -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big the synthetic company is; everything follows from the headcount."""

    employees: int
    departments: int
    courses: int
    modules_per_course: int
    focus_reports: int
    sittings: int
    signoff_share: float = 0.8
    assignments_per_employee: int = 2

    @classmethod
    def for_employees(cls, employees: int) -> Scale:
        if employees < 20:
            raise ValueError("The bench needs at least 20 employees.")
        departments = 20 if employees >= 200 else max(2, min(20, employees // 10))
        return cls(
            employees=employees,
            departments=departments,
            courses=max(2, min(40, employees // 250)),
            modules_per_course=10,
            # The manager whose team view is measured: 200 reports from 1,000 employees up.
            focus_reports=min(200, (employees - 1) // 3),
            sittings=employees * 20,
        )

    @property
    def expected_users(self) -> int:
        return self.employees + 1  # the bench admin has no department


# --- The database the bench runs in ----------------------------------------------------


@dataclass
class BenchDatabase:
    """A database the bench may delete and recreate at will."""

    config: dict[str, Any]
    label: str

    @property
    def is_sqlite(self) -> bool:
        return self.config["ENGINE"].endswith("sqlite3")

    def exists(self) -> bool:
        if self.is_sqlite:
            return Path(self.config["NAME"]).exists()
        with _server_cursor(self.config) as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.config["NAME"]])
            return cursor.fetchone() is not None

    def recreate(self) -> None:
        self.drop()
        if self.is_sqlite:
            Path(self.config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
            return
        with _server_cursor(self.config) as cursor:
            cursor.execute(f"CREATE DATABASE {_quote_pg(self.config['NAME'])}")

    def drop(self) -> None:
        connections.close_all()
        if self.is_sqlite:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.config['NAME']}{suffix}").unlink(missing_ok=True)
            return
        with _server_cursor(self.config) as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote_pg(self.config['NAME'])} WITH (FORCE)")


def _quote_pg(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _server_cursor(config: dict[str, Any]) -> Iterator[Any]:
    """A cursor on the server's maintenance database, outside any transaction."""
    filled = connections.configure_settings({DEFAULT_DB_ALIAS: dict(config)})[DEFAULT_DB_ALIAS]
    wrapper = load_backend(filled["ENGINE"]).DatabaseWrapper(filled, alias="bench-admin")
    try:
        with wrapper._nodb_cursor() as cursor:
            yield cursor
    finally:
        wrapper.close()


def bench_database(*, database_url: str | None = None) -> BenchDatabase:
    """The throwaway database: bench/bench.sqlite3, or `<name>_bench` on the given server."""
    if not database_url:
        from lms.settings.base import SQLITE_OPTIONS

        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_FILE),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
        return BenchDatabase(config=config, label=str(SQLITE_FILE.relative_to(BASE_DIR)))

    import dj_database_url

    config = dj_database_url.parse(database_url)
    engine = config["ENGINE"]
    name = str(config.get("NAME") or "")
    if engine.endswith("sqlite3"):
        path = Path(name)
        if not path.stem.endswith("_bench"):
            path = path.with_name(f"{path.stem}_bench{path.suffix}")
        config["NAME"] = str(path)
        return BenchDatabase(config=config, label=str(path))
    if "postgresql" not in engine:
        raise ValueError(f"The bench supports SQLite and PostgreSQL, not {engine}.")
    from lms.settings.base import tune_postgresql

    tune_postgresql(config)  # as the app's connections are
    if not name:
        raise ValueError("The database URL names no database.")
    if not name.endswith("_bench"):
        config["NAME"] = f"{name}_bench"
    host = config.get("HOST") or "localhost"
    return BenchDatabase(config=config, label=f"postgresql://{host}/{config['NAME']}")


def use_database(config: dict[str, Any]) -> dict[str, Any]:
    """Point the default connection at another database; returns the previous settings.

    Django reads DATABASES once and keeps a connection per alias, so both caches are
    dropped here. Call this before the first query (the bench command does it in
    `execute`) and again to switch back.
    """
    previous = settings.DATABASES[DEFAULT_DB_ALIAS]
    connections.close_all()
    settings.DATABASES[DEFAULT_DB_ALIAS] = dict(config)
    connections.__dict__.pop("settings", None)  # a cached_property
    connections._settings = None
    with suppress(AttributeError):
        del connections[DEFAULT_DB_ALIAS]
    _clear_process_caches()
    return previous


def _clear_process_caches() -> None:
    """Forget ids cached from another database (content types, Wagtail site roots)."""
    ContentType.objects.clear_cache()
    for cache in caches.all(initialized_only=True):
        if type(cache).__name__ in {"LocMemCache", "DummyCache"}:
            cache.clear()


# --- Generation ------------------------------------------------------------------------


@dataclass
class DepartmentPlan:
    pk: int
    name: str
    slug: str
    size: int
    head_id: int = 0
    lead_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)  # everyone, head included


@dataclass
class Company:
    """What generation created and later steps need (ids only: no model instances)."""

    scale: Scale
    departments: list[DepartmentPlan] = field(default_factory=list)
    ceo_id: int = 0
    admin_id: int = 0
    learner_id: int = 0
    manager_of: dict[int, int] = field(default_factory=dict)
    course_ids: list[int] = field(default_factory=list)
    module_ids: dict[int, list[int]] = field(default_factory=dict)  # course id → module ids
    quiz_of_course: dict[int, int] = field(default_factory=dict)
    quiz_category: dict[int, int] = field(default_factory=dict)
    quiz_questions: dict[int, list[int]] = field(default_factory=dict)
    workshop_ids: list[int] = field(default_factory=list)
    document_id: int = 0
    version_id: int = 0
    durations: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def people(self) -> list[int]:
        return [pk for department in self.departments for pk in department.member_ids]


class _Clock:
    """Timestamps on an hourly grid in the past, adapted for the database once each."""

    def __init__(self) -> None:
        today = timezone.localdate()
        self.midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        self._adapted: dict[tuple[int, int], Any] = {}

    def at(self, days_ago: int, hour: int = 9) -> datetime:
        """A moment at least a day ago: learning data never lies in the future."""
        return self.shifted(max(days_ago, 1), hour)

    def shifted(self, days_ago: int, hour: int = 9) -> datetime:
        """Any day, past (positive) or future (negative)."""
        return self.midnight - timedelta(days=days_ago) + timedelta(hours=hour)

    def db(self, days_ago: int, hour: int = 9) -> Any:
        key = (max(days_ago, 1), hour)
        value = self._adapted.get(key)
        if value is None:
            value = connection.ops.adapt_datetimefield_value(self.at(*key))
            self._adapted[key] = value
        return value


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    report: Report = _no_report,
    label: str = "",
) -> int:
    """INSERT rows of already adapted values: executemany in chunks, COPY on PostgreSQL."""
    opts = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(opts.get_field(name).column) for name in fields)
    table = quote(opts.db_table)
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg 3: executemany sends a statement per row; COPY streams them.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    total += 1
                    if label and total % (RAW_CHUNK * 5) == 0:
                        report(f"  {label} {total:,} …")
            return total
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        for batch in _chunks(rows, RAW_CHUNK):
            cursor.executemany(sql, batch)
            total += len(batch)
            if label and total % (RAW_CHUNK * 5) == 0:
                report(f"  {label} {total:,} …")
    return total


@contextmanager
def _bulk_load() -> Iterator[None]:
    """Database settings for a bulk load only; measurement runs with the normal ones."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-2000")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")
    else:
        yield


@contextmanager
def _step(name: str, durations: dict[str, float], report: Report) -> Iterator[None]:
    started = time.perf_counter()
    with transaction.atomic():
        yield
    durations[name] = round(time.perf_counter() - started, 2)
    report(f"  {name} done in {durations[name]:.1f} s")


def generate(*, scale: Scale, report: Report = _no_report, seed: int = 20240501) -> Company:
    """Create the synthetic company in the current (empty, migrated) database."""
    rng = random.Random(seed)
    company = Company(scale=scale)
    clock = _Clock()
    durations = company.durations
    with _bulk_load():
        with _step("departments", durations, report):
            _generate_departments(company, report=report)
        with _step("users", durations, report):
            _generate_users(company, rng=rng, report=report)
        with _step("guidelines", durations, report):
            _generate_guideline(company, report=report)
        with _step("courses", durations, report):
            _generate_courses(company, rng=rng, report=report)
        with _step("workshops", durations, report):
            _generate_workshops(company, rng=rng, clock=clock, report=report)
        with _step("learning", durations, report):
            _generate_learning(company, rng=rng, clock=clock, report=report)
        with _step("sign-offs", durations, report):
            _generate_signoffs(company, rng=rng, report=report)
        with _step("assignments", durations, report):
            _generate_assignments(company, rng=rng, report=report)
        with _step("rollout", durations, report):
            _generate_rollout(company, rng=rng, clock=clock, report=report)
    if connection.vendor == "postgresql":
        # Autovacuum would analyse the new tables soon; do it now so plans are realistic.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return company


def _generate_departments(company: Company, *, report: Report) -> None:
    scale = company.scale
    # The CEO has no department; the focus department is one head and their reports.
    rest = scale.employees - 1 - (1 + scale.focus_reports)
    others = scale.departments - 1
    sizes = [1 + scale.focus_reports] + [
        rest // others + (1 if index < rest % others else 0) for index in range(others)
    ]
    names = DEPARTMENT_NAMES[: scale.departments]
    created = Department.objects.bulk_create(
        [Department(name=name, slug=_slug(name)) for name in names], batch_size=BATCH_SIZE
    )
    # bulk_create sends no post_save, so the rollout rows the signal would add come here.
    DepartmentRollout.objects.bulk_create(
        [DepartmentRollout(department=department) for department in created],
        batch_size=BATCH_SIZE,
    )
    company.departments = [
        DepartmentPlan(pk=department.pk, name=department.name, slug=department.slug, size=size)
        for department, size in zip(created, sizes, strict=True)
    ]
    report(f"  departments {len(created)} (sizes {min(sizes)}–{max(sizes)})")


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def _generate_users(company: Company, *, rng: random.Random, report: Report) -> None:
    password = make_password(PASSWORD)  # hashed once, shared by every bench account
    groups = {group.name: group.pk for group in Group.objects.all()}
    memberships: list[tuple[int, str]] = []
    counter = 0

    def person(username: str, *, department: DepartmentPlan | None, manager_id: int | None) -> User:
        nonlocal counter
        counter += 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        return User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@bench.example.com",
            password=password,
            department_id=department.pk if department else None,
            manager_id=manager_id,
            language="de" if rng.random() < 0.8 else "en",
        )

    def create(accounts: list[User], group_names: tuple[str, ...]) -> list[User]:
        accounts = User.objects.bulk_create(accounts, batch_size=BATCH_SIZE)
        for account in accounts:
            memberships.extend((account.pk, name) for name in group_names)
            if account.manager_id:
                company.manager_of[account.pk] = account.manager_id
        report(f"  users {counter:,}/{company.scale.employees + 1:,} …")
        return accounts

    admin, ceo = create(
        [
            person(ADMIN, department=None, manager_id=None),
            person(CEO, department=None, manager_id=None),
        ],
        (),
    )
    memberships.extend([(admin.pk, roles.ADMINS), (ceo.pk, roles.MANAGERS)])
    memberships.extend([(ceo.pk, roles.LEADERSHIP), (ceo.pk, roles.EMPLOYEES)])
    company.admin_id, company.ceo_id = admin.pk, ceo.pk

    heads = create(
        [
            person(
                FOCUS_MANAGER if index == 0 else f"head-{department.slug}",
                department=department,
                manager_id=ceo.pk,
            )
            for index, department in enumerate(company.departments)
        ],
        (roles.MANAGERS, roles.EMPLOYEES),
    )
    plan: list[tuple[DepartmentPlan, int, int]] = []  # department, leads, employees
    for department, head in zip(company.departments, heads, strict=True):
        department.head_id = head.pk
        department.member_ids.append(head.pk)
        below = department.size - 1
        leads = max(1, math.ceil(below / 12)) if below else 0
        plan.append((department, leads, below - leads))

    lead_accounts = create(
        [
            person(f"lead-{department.slug}-{number:02d}", department=department, manager_id=None)
            for department, leads, _employees in plan
            for number in range(1, leads + 1)
        ],
        (roles.MANAGERS, roles.EMPLOYEES),
    )
    position = 0
    for department, leads, _employees in plan:
        department.lead_ids = [account.pk for account in lead_accounts[position : position + leads]]
        department.member_ids.extend(department.lead_ids)
        position += leads
    # Leads report to their department head: one UPDATE per department, not per person.
    for department in company.departments:
        User.objects.filter(pk__in=department.lead_ids).update(manager_id=department.head_id)
        company.manager_of.update(dict.fromkeys(department.lead_ids, department.head_id))

    employees: list[User] = []
    number = 0
    for department, _leads, count in plan:
        for index in range(count):
            number += 1
            is_learner = department is company.departments[0] and index == 0
            employees.append(
                person(
                    LEARNER if is_learner else f"emp-{number:06d}",
                    department=department,
                    manager_id=department.lead_ids[index % len(department.lead_ids)],
                )
            )
    position = 0
    created = create(employees, (roles.EMPLOYEES,))
    for department, _leads, count in plan:
        department.member_ids.extend(account.pk for account in created[position : position + count])
        position += count
    company.learner_id = created[0].pk

    Membership = User.groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=user_id, group_id=groups[name]) for user_id, name in memberships],
        batch_size=BATCH_SIZE,
    )
    report(f"  users {User.objects.count():,}, group memberships {len(memberships):,}")


def _module_body(title: str, number: int) -> str:
    return json.dumps(
        [
            {"type": "heading", "value": {"text": title, "level": "h2"}},
            {
                "type": "paragraph",
                "value": (
                    f"<p>Lesson {number}: why <b>{title.lower()}</b> matters, with examples "
                    "from our own departments and a short exercise.</p>"
                ),
            },
            {
                "type": "callout",
                "value": {
                    "kind": "tip",
                    "title": "Try it today",
                    "text": "<p>Spend ten minutes applying this to your own profile.</p>",
                },
            },
            {
                "type": "checklist",
                "value": {"title": "Checklist", "items": ["Read", "Try", "Share"]},
            },
        ]
    )


def _generate_guideline(company: Company, *, report: Report) -> None:
    index = GuidelineIndexPage.objects.get()
    page = GuidelinePage(
        title="Benchmark guidelines",
        slug=GUIDELINE_SLUG,
        kind="guidelines",
        summary="The rules every employee accepts before speaking for the company online.",
        applies_to_all=True,
        body=json.dumps(
            [
                {"type": "paragraph", "value": f"<p>Rule {number}: be kind.</p>"}
                for number in range(12)
            ]
        ),
        live=False,
    )
    index.add_child(instance=page)
    # The page_published signal records version 1.
    publish_initial_text(document=page, note="Benchmark data generated by the bench command.")
    version = GuidelineVersion.objects.get(document=page, number=1)
    company.document_id, company.version_id = page.pk, version.pk
    report("  guideline “Benchmark guidelines” published (version 1)")


def _generate_courses(company: Company, *, rng: random.Random, report: Report) -> None:
    scale = company.scale
    tracks = Track.objects.bulk_create(
        [
            Track(name=name, slug=slug, colour=colour, sort_order=order)
            for order, (name, slug, colour) in enumerate(TRACKS, start=1)
        ]
    )
    categories = Category.objects.bulk_create(
        [Category(name=track.name, slug=track.slug) for track in tracks]
    )
    quizzes = Quiz.objects.bulk_create(
        [
            Quiz(
                title=f"Check: course {number + 1:02d}",
                slug=QUIZ_SLUG.format(number + 1),
                category=categories[number % len(categories)],
                pass_mark=60,
                success_text="Well done.",
                fail_text="Read the module again and retry.",
            )
            for number in range(scale.courses)
        ]
    )
    # Four questions per quiz: three multiple choice (one right answer of three), one true/false.
    kinds = ["mc", "mc", "tf", "mc"]
    questions = Question.objects.bulk_create(
        [
            Question(
                kind=kind,
                content=f"Question {position + 1} of {quiz.title}?",
                explanation="Because the module says so.",
                category_id=quiz.category_id,
                correct_statement=True if kind == "tf" else None,
            )
            for quiz in quizzes
            for position, kind in enumerate(kinds)
        ],
        batch_size=BATCH_SIZE,
    )
    Answer.objects.bulk_create(
        [
            Answer(question=question, content=text, correct=index == 0, sort_order=index)
            for question in questions
            if question.kind == "mc"
            for index, text in enumerate(["The right one", "A wrong one", "Another wrong one"])
        ],
        batch_size=BATCH_SIZE,
    )
    QuizQuestion.objects.bulk_create(
        [
            QuizQuestion(quiz=quiz, question=question, sort_order=position)
            for number, quiz in enumerate(quizzes)
            for position, question in enumerate(questions[number * 4 : number * 4 + 4])
        ],
        batch_size=BATCH_SIZE,
    )

    catalog = CourseIndexPage.objects.get()
    department_objects = list(Department.objects.order_by("pk"))
    guideline = GuidelinePage.objects.get(pk=company.document_id)
    for number in range(scale.courses):
        track = tracks[number % len(tracks)]
        quiz = quizzes[number]
        targets = [department_objects[(number + k) % len(department_objects)] for k in range(3)]
        if number == scale.courses - 1 and department_objects[0] not in targets:
            # The measured learner (focus department) always has a recommendation left.
            targets.append(department_objects[0])
        course = CoursePage(
            title=f"{track.name} {number + 1:02d}: {TOPICS[number % len(TOPICS)]}",
            slug=COURSE_SLUG.format(number + 1),
            track=track,
            summary=f"A course of {scale.modules_per_course} short modules on {track.name}.",
            estimated_minutes=10 * scale.modules_per_course,
            learning_objectives=json.dumps(
                [{"type": "objective", "value": f"Objective {k}"} for k in range(1, 4)]
            ),
            target_departments=targets,
            required_guidelines=[guideline] if number % 8 == 3 else [],
        )
        catalog.add_child(instance=course)
        course.save_revision().publish()
        module_ids = []
        for position in range(1, scale.modules_per_course + 1):
            title = TOPICS[(number + position) % len(TOPICS)]
            module = ModulePage(
                title=f"{position:02d} {title}",
                slug=f"module-{position:02d}",
                intro=f"Module {position} of {course.title}.",
                estimated_minutes=rng.choice([5, 10, 15]),
                required=True,
                body=_module_body(title, position),
                quiz=quiz if position == scale.modules_per_course else None,
            )
            course.add_child(instance=module)
            module.save_revision().publish()
            module_ids.append(module.pk)
        company.course_ids.append(course.pk)
        company.module_ids[course.pk] = module_ids
        company.quiz_of_course[course.pk] = quiz.pk
        company.quiz_category[quiz.pk] = quiz.category_id
        company.quiz_questions[quiz.pk] = [q.pk for q in questions[number * 4 : number * 4 + 4]]
        if (number + 1) % 10 == 0 or number + 1 == scale.courses:
            report(
                f"  courses {number + 1}/{scale.courses} "
                f"({(number + 1) * (scale.modules_per_course + 1)} pages) …"
            )


def _generate_workshops(
    company: Company, *, rng: random.Random, clock: _Clock, report: Report
) -> None:

    index = WorkshopIndexPage.objects.get()
    tracks = {track.slug: track for track in Track.objects.all()}
    all_departments = list(Department.objects.all())
    specs = [
        ("LinkedIn for Leaders", "linkedin-leaders", False),
        ("Why social selling matters", "social-selling", False),
        ("Employer branding lab", "employer-branding", True),
    ]
    workshops = []
    for number, (title, track_slug, open_to_all) in enumerate(specs, start=1):
        workshop = WorkshopPage(
            title=title,
            slug=f"bench-workshop-{number}",
            summary=f"A three-hour live workshop: {title}.",
            body=_module_body(title, 1),
            duration_minutes=180,
            track=tracks[track_slug],
            open_to_all=open_to_all,
            open_to_departments=[] if open_to_all else all_departments,
        )
        index.add_child(instance=workshop)
        workshop.save_revision().publish()
        workshops.append(workshop)
    company.workshop_ids = [workshop.pk for workshop in workshops]

    sessions = WorkshopSession.objects.bulk_create(
        [
            WorkshopSession(
                workshop=workshop,
                starts_at=clock.shifted(days, 9),
                ends_at=clock.shifted(days, 12),
                location="Training room 2",
                capacity=20,
            )
            for workshop in workshops
            for days in (60, 20, -10, -24)  # days ago; negative: in the future
        ]
    )
    managers = [pk for department in company.departments for pk in department.lead_ids]
    managers += [department.head_id for department in company.departments]
    people = company.people
    bookings = []
    for workshop_index, workshop in enumerate(workshops):
        pool = managers if workshop_index == 0 else people
        chosen = rng.sample(pool, min(len(pool), 80))
        for session_index, session in enumerate(
            sessions[workshop_index * 4 : workshop_index * 4 + 4]
        ):
            past = session.starts_at < timezone.now()
            for seat, user_id in enumerate(chosen[session_index * 20 : session_index * 20 + 20]):
                status = Booking.WAITLISTED if not past and seat >= 15 else Booking.BOOKED
                bookings.append(
                    Booking(
                        session=session,
                        workshop=workshop,
                        user_id=user_id,
                        status=status,
                        created_at=session.starts_at - timedelta(days=14),
                        attended=True if past else None,
                        attendance_marked_at=session.ends_at if past else None,
                    )
                )
    Booking.objects.bulk_create(bookings, batch_size=BATCH_SIZE)
    report(f"  workshops {len(workshops)}, sessions {len(sessions)}, bookings {len(bookings)}")


def _learning_plan(company: Company, *, rng: random.Random) -> list[tuple[int, list[tuple]]]:
    """Per learner: (course index, modules done, enrolled days ago, days per module)."""
    scale = company.scale
    modules = scale.modules_per_course
    plans = []
    for user_id in company.people:
        if user_id == company.learner_id:
            # The measured learner: twenty enrolments (fewer courses at small scales; the
            # last course stays open as a recommendation), the measured course (index 0)
            # half done, a dozen others finished. The same shape at every scale keeps
            # the query counts comparable.
            count = min(20, scale.courses - 1)
            courses = list(range(count))
            done = [modules if 1 <= k <= 12 else modules // 2 for k in courses]
        elif rng.random() < 0.95:
            count = min(scale.courses, rng.randint(10, 16))
            courses = rng.sample(range(scale.courses), count)
            done = [modules if rng.random() < 0.7 else rng.randint(0, modules - 1) for _ in courses]
        else:
            continue
        plans.append(
            (
                user_id,
                [
                    (course, finished, rng.randint(40, 365), rng.randint(1, 3))
                    for course, finished in zip(courses, done, strict=True)
                ],
            )
        )
    return plans


def _generate_learning(
    company: Company, *, rng: random.Random, clock: _Clock, report: Report
) -> None:

    scale = company.scale
    modules = scale.modules_per_course
    plans = _learning_plan(company, rng=rng)

    def enrolment_rows() -> Iterator[tuple]:
        for user_id, courses in plans:
            for course, done, enrolled, pace in courses:
                finished = clock.db(enrolled - done * pace, 17) if done == modules else None
                yield (user_id, company.course_ids[course], clock.db(enrolled, 8), finished)

    total = _insert_rows(
        Enrollment, ["user", "course", "enrolled_at", "completed_at"], enrolment_rows()
    )
    report(f"  enrolments {total:,}")

    def completion_rows() -> Iterator[tuple]:
        for user_id, courses in plans:
            for course, done, enrolled, pace in courses:
                module_ids = company.module_ids[company.course_ids[course]]
                for position in range(done):
                    when = clock.db(enrolled - (position + 1) * pace, 9 + position % 8)
                    yield (user_id, module_ids[position], when)

    total = _insert_rows(
        ModuleCompletion,
        ["user", "module", "completed_at"],
        completion_rows(),
        report=report,
        label="completions",
    )
    report(f"  completions {total:,}")

    # Quiz attempts: a passed one for every finished course (its last module is the
    # quiz module), failed ones spread at random until the target count is reached.
    pairs = [
        (user_id, course, done == modules, enrolled, pace)
        for user_id, courses in plans
        for course, done, enrolled, pace in courses
    ]
    attempts = [1 if passed else 0 for _user, _course, passed, _e, _p in pairs]
    extra = max(0, scale.sittings - sum(attempts))
    for index in rng.choices(range(len(pairs)), k=extra) if pairs else []:
        attempts[index] += 1
    order_field = Sitting._meta.get_field("question_order")
    question_order = {
        quiz_id: order_field.get_db_prep_save(ids, connection)
        for quiz_id, ids in company.quiz_questions.items()
    }
    progress: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])

    def sitting_rows() -> Iterator[tuple]:
        for (user_id, course, passed, enrolled, pace), count in zip(pairs, attempts, strict=True):
            course_id = company.course_ids[course]
            quiz_id = company.quiz_of_course[course_id]
            module_id = company.module_ids[course_id][-1]
            possible = len(company.quiz_questions[quiz_id])
            finished_day = enrolled - modules * pace
            for attempt in range(1, count + 1):
                last = attempt == count
                passes = passed and last
                score = rng.randint(3, possible) if passes else rng.randint(0, 2)
                day = finished_day + (count - attempt) * 2
                totals = progress[(user_id, company.quiz_category[quiz_id])]
                totals[0] += score
                totals[1] += possible
                yield (
                    user_id,
                    quiz_id,
                    module_id,
                    attempt,
                    question_order[quiz_id],
                    score,
                    possible,
                    True,
                    passes,
                    False,
                    False,
                    clock.db(day, 10),
                    clock.db(day, 11),
                    "",
                )

    total = _insert_rows(
        Sitting,
        [
            "user",
            "quiz",
            "module",
            "attempt",
            "question_order",
            "score",
            "possible",
            "complete",
            "passed",
            "needs_marking",
            "finished_late",
            "start",
            "end",
            "import_key",
        ],
        sitting_rows(),
        report=report,
        label="sittings",
    )
    report(f"  sittings {total:,}")
    CategoryProgress.objects.bulk_create(
        [
            CategoryProgress(user_id=user_id, category_id=category_id, score=s, possible=p)
            for (user_id, category_id), (s, p) in progress.items()
        ],
        batch_size=BATCH_SIZE,
    )
    report(f"  quiz progress rows {len(progress):,}")


def _generate_signoffs(company: Company, *, rng: random.Random, report: Report) -> None:
    version = GuidelineVersion.objects.get(pk=company.version_id)
    signers = [pk for pk in company.people if rng.random() < company.scale.signoff_share]
    if company.learner_id not in signers:
        signers.append(company.learner_id)
    SignOff.objects.bulk_create(
        [
            SignOff(
                user_id=user_id,
                document_id=company.document_id,
                version=version,
                revision_id=version.revision_id,
                content_hash=version.content_hash,
            )
            for user_id in signers
        ],
        batch_size=BATCH_SIZE,
    )
    report(f"  sign-offs {len(signers):,}")


def _generate_assignments(company: Company, *, rng: random.Random, report: Report) -> None:
    today = timezone.localdate()
    assignments = []
    per_person = company.scale.assignments_per_employee
    for user_id in company.people:
        if user_id == company.ceo_id:
            continue
        assigned_by = company.manager_of.get(user_id, company.admin_id)
        for course in rng.sample(company.course_ids, min(per_person, len(company.course_ids))):
            workshop = None
            if rng.random() < 0.1:
                course, workshop = None, rng.choice(company.workshop_ids)
            assignments.append(
                Assignment(
                    assignee_id=user_id,
                    course_id=course,
                    workshop_id=workshop,
                    due_date=today + timedelta(days=rng.randint(-60, 90)),
                    assigned_by_id=assigned_by,
                )
            )
    # ignore_conflicts: two draws of the same workshop for one person keep one row.
    Assignment.objects.bulk_create(assignments, batch_size=BATCH_SIZE, ignore_conflicts=True)
    report(f"  assignments {Assignment.objects.count():,}")


def _generate_rollout(
    company: Company, *, rng: random.Random, clock: _Clock, report: Report
) -> None:

    today = timezone.localdate()
    months = []
    month = today.replace(day=1)
    for _ in range(12):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    metrics = [KpiRecord.AWARENESS, KpiRecord.LEADS, KpiRecord.APPLICATIONS]
    KpiRecord.objects.bulk_create(
        [
            KpiRecord(
                external_id=f"bench-{department.slug}-{month:%Y-%m}-{metric}",
                department_id=department.pk,
                month=month,
                metric=metric,
                value=rng.randint(10, 5000),
                employee_id=rng.choice(department.member_ids)
                if metric == KpiRecord.LEADS
                else None,
                source="bench",
            )
            for department in company.departments
            for month in months
            for metric in metrics
        ],
        batch_size=BATCH_SIZE,
    )
    checklist = list(Criterion.objects.filter(kind=Criterion.CHECKLIST).select_related("stage"))
    changes, ticks = [], []
    for index, department in enumerate(company.departments):
        stage = 1 + index % 6
        DepartmentRollout.objects.filter(department_id=department.pk).update(
            stage=stage, owner_id=department.head_id
        )
        for number in range(1, stage):
            changes.append(
                StageChange(
                    department_id=department.pk,
                    from_stage=number,
                    to_stage=number + 1,
                    changed_by_id=company.admin_id,
                    changed_at=clock.at(200 - number * 30, 16),
                )
            )
        ticks.extend(
            ChecklistTick(
                department_id=department.pk,
                criterion=criterion,
                ticked_by_id=company.admin_id,
                note="Minutes on the team drive",
            )
            for criterion in checklist
            if criterion.stage.number < stage
        )
    StageChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    ChecklistTick.objects.bulk_create(ticks, batch_size=BATCH_SIZE)
    quarter = today.replace(month=((today.month - 1) // 3) * 3 + 1, day=1)
    previous = (quarter - timedelta(days=1)).replace(day=1)
    previous = previous.replace(month=((previous.month - 1) // 3) * 3 + 1)
    # Saved once by admins in a real deployment; created lazily otherwise, and that
    # first save would invalidate the rollout cache in the middle of a measurement.
    AwardSettings.objects.bulk_create([AwardSettings()])
    AwardPeriod.objects.bulk_create(
        [
            AwardPeriod(
                name="Previous quarter",
                starts_on=previous,
                ends_on=quarter - timedelta(days=1),
                winner_id=rng.choice(company.people),
                announced_at=clock.at((today - quarter).days + 1, 10),
                announced_by_id=company.admin_id,
            ),
            AwardPeriod(
                name="Current quarter", starts_on=quarter, ends_on=quarter + timedelta(days=91)
            ),
        ]
    )
    report(
        f"  KPI rows {len(company.departments) * 36}, stage changes {len(changes)}, "
        f"checklist ticks {len(ticks)}, award periods 2"
    )


def row_counts() -> dict[str, int]:
    counted = {
        "users": User,
        "departments": Department,
        "module_pages": ModulePage,
        "enrolments": Enrollment,
        "completions": ModuleCompletion,
        "sittings": Sitting,
        "signoffs": SignOff,
        "assignments": Assignment,
        "bookings": Booking,
        "kpi_records": KpiRecord,
    }
    return {name: model.objects.count() for name, model in counted.items()}


def has_generated(*, scale: Scale) -> bool:
    """Whether the current database already holds a bench company of this scale."""

    try:
        return (
            User.objects.filter(username=ADMIN).exists()
            and User.objects.count() == scale.expected_users
            and Department.objects.count() == scale.departments
            and CoursePage.objects.count() == scale.courses
        )
    except Exception:  # no tables yet
        return False


# --- Measurement -----------------------------------------------------------------------


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
            before=rollout_cache.bump,
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
            before=rollout_cache.bump,
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
    specs: list[RequestSpec], *, users: dict[int, Any], warmup: int, runs: int, report: Report
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
    *, warmup: int, runs: int, report: Report = _no_report
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


# --- Orchestration and output ----------------------------------------------------------


@dataclass
class ScaleRun:
    scale: Scale
    database: dict[str, str]
    reused_database: bool
    durations: dict[str, Any]
    counts: dict[str, int]
    cast: dict[str, Any]
    requests: list[RequestResult]
    targets: list[TargetResult]

    @property
    def passed(self) -> bool:
        return all(target.passed for target in self.targets)


@dataclass
class BenchOutcome:
    runs: list[ScaleRun]
    comparison: list[dict[str, Any]] | None
    path: Path | None = None

    @property
    def passed(self) -> bool:
        same = all(row["same"] for row in self.comparison or [])
        return same and all(run.passed for run in self.runs)


def run_scale(
    *,
    scale: Scale,
    target: BenchDatabase | None,
    keep_db: bool,
    quick: bool,
    report: Report = _no_report,
) -> ScaleRun:
    """Prepare the database, generate the company (unless reused) and measure."""
    durations: dict[str, Any] = {}
    started = time.perf_counter()
    reused = False
    if target is not None:
        if keep_db and target.exists():
            call_command("migrate", verbosity=0, interactive=False)
            reused = has_generated(scale=scale)
        if not reused:
            report(f"Creating {target.label} …")
            target.recreate()
            _clear_process_caches()
            durations["database_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            call_command("migrate", verbosity=0, interactive=False)
            durations["migrate_s"] = round(time.perf_counter() - started, 2)
            report(f"  migrated in {durations['migrate_s']:.1f} s")
    if reused:
        report(f"Reusing the {scale.employees:,}-employee company in {target.label} (--keep-db).")
    else:
        if target is None and User.objects.exists():
            raise RuntimeError(
                "--in-place needs an empty database (no users): it would mix bench data "
                "into real data."
            )
        report(
            f"Generating {scale.employees:,} employees, {scale.departments} departments, "
            f"{scale.courses} courses × {scale.modules_per_course} modules …"
        )
        started = time.perf_counter()
        company = generate(scale=scale, report=report)
        durations["generate_s"] = round(time.perf_counter() - started, 2)
        durations["generate_steps_s"] = company.durations
        report(f"Generated in {durations['generate_s']:.1f} s.")
    counts = row_counts()
    # Start cold: bulk inserts send no signals, so nothing cached may survive them.
    _clear_process_caches()
    warmup, runs = (1, 5) if quick else (3, 30)
    report(f"Measuring ({warmup} warm-up runs, {runs} timed runs per request) …")
    load_before = _load_average()
    started = time.perf_counter()
    cast, results = measure(warmup=warmup, runs=runs, report=report)
    durations["measure_s"] = round(time.perf_counter() - started, 2)
    # Timings are wall-clock: other work on the machine shows up in them.
    durations["load_average"] = {"before": load_before, "after": _load_average()}
    return ScaleRun(
        scale=scale,
        database={"vendor": connection.vendor, "name": target.label if target else "in place"},
        reused_database=reused,
        durations=durations,
        counts=counts,
        cast=asdict(cast),
        requests=results,
        targets=check_targets(results),
    )


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run(
    *,
    scales: list[Scale],
    target: BenchDatabase | None,
    keep_db: bool = False,
    quick: bool = False,
    report: Report = _no_report,
) -> BenchOutcome:
    """Every scale in turn, each in a fresh database (or the current one: target None)."""
    if target is None and len(scales) > 1:
        raise ValueError("Comparing scales needs a separate database: drop --in-place.")
    runs = []
    # Production settings for the measurement: no debug cursor, no debug templates.
    # The test client's host is allowed here instead of with setup_test_environment(),
    # which would also instrument template rendering.
    overrides: dict[str, Any] = {
        "DEBUG": False,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        # As in production, where the cache is shared (Redis, see settings): the bench is
        # one process, so its memory cache is shared by every request it makes.
        "LMS_LEARNER_CACHE": True,
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
    }
    if target is not None:
        # A cache of its own: a shared one (Redis with REDIS_URL) would serve values
        # computed from the developer's database and keep values from the bench's.
        overrides["CACHES"] = {
            alias: {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"bench-{alias}",
            }
            for alias in settings.CACHES
        }
    with override_settings(**overrides):
        try:
            for scale in scales:
                report(f"== {scale.employees:,} employees ==")
                runs.append(
                    run_scale(
                        scale=scale, target=target, keep_db=keep_db, quick=quick, report=report
                    )
                )
        finally:
            if target is not None and not keep_db:
                target.drop()
    comparison = compare_queries(runs) if len(runs) > 1 else None
    return BenchOutcome(runs=runs, comparison=comparison)


def compare_queries(runs: list[ScaleRun]) -> list[dict[str, Any]]:
    rows = []
    for index, result in enumerate(runs[0].requests):
        counts = {run.scale.employees: run.requests[index].queries for run in runs}
        rows.append(
            {
                "request": result.name,
                "queries": {str(size): count for size, count in counts.items()},
                "same": len(set(counts.values())) == 1 and None not in counts.values(),
            }
        )
    return rows


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_table(run_result: ScaleRun) -> str:
    failed = defaultdict(list)
    for target in run_result.targets:
        if not target.passed:
            failed[target.request].append(target.description)
    lines = [
        f"{'request':<17} {'method':<6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} "
        f"{'× floor':>7} {'cold ms':>8}  targets",
    ]
    target_names = {target.request for target in run_result.targets}
    for result in run_result.requests:
        if not result.ok:
            mark = f"ERROR {result.error}"
        elif result.name not in target_names:
            mark = "(reference)"
        elif failed[result.name]:
            mark = "FAIL " + "; ".join(failed[result.name])
        else:
            mark = "PASS"
        lines.append(
            f"{result.name:<17} {result.method:<6} {_number(result.p50_ms):>8} "
            f"{_number(result.p95_ms):>8} {result.queries if result.queries is not None else '–':>7} "
            f"{_number(result.ratio_to_floor, 2):>7} {_number(result.first_ms):>8}  {mark}"
        )
    lines.append("")
    for result in run_result.requests:
        lines.append(f"  {result.name:<17} {result.method} {result.path} — {result.label}")
    lines.append("  (cold ms: the first request, before any warm-up: empty caches)")
    lines.append("")
    lines.append("Targets:")
    for target in run_result.targets:
        value = "–" if target.value is None else f"{target.value:g}"
        lines.append(
            f"  {'PASS' if target.passed else 'FAIL'}  {target.request}: "
            f"{target.description} (measured {value})"
        )
    return "\n".join(lines)


def format_comparison(outcome: BenchOutcome) -> str:
    sizes = [str(run.scale.employees) for run in outcome.runs]
    lines = [
        "Queries per request by scale (they must not depend on the amount of data):",
        f"{'request':<17} " + " ".join(f"{size + ' emp.':>11}" for size in sizes),
    ]
    for row in outcome.comparison or []:
        counts = " ".join(f"{_number(row['queries'][size], 0):>11}" for size in sizes)
        lines.append(f"{row['request']:<15} {counts}  {'same' if row['same'] else 'DIFFERS'}")
    return "\n".join(lines)


def format_summary(run_result: ScaleRun) -> str:
    durations = run_result.durations
    counts = run_result.counts
    parts = [
        f"{run_result.scale.employees:,} employees on {run_result.database['vendor']} "
        f"({run_result.database['name']})",
        ", ".join(f"{name} {count:,}" for name, count in counts.items()),
    ]
    timing = []
    if run_result.reused_database:
        timing.append("database reused")
    for key, label in (
        ("migrate_s", "migrate"),
        ("generate_s", "generation"),
        ("measure_s", "measurement"),
    ):
        if key in durations:
            timing.append(f"{label} {durations[key]:.1f} s")
    steps = durations.get("generate_steps_s") or {}
    if steps:
        timing.append(
            "(" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()) + ")"
        )
    load = durations.get("load_average") or {}
    if load.get("before") is not None:
        timing.append(
            f"load average {load['before']:.2f} → {load['after']:.2f} on {os.cpu_count()} CPUs"
        )
    parts.append("; ".join(timing))
    return "\n".join(parts)


def git_commit() -> str | None:
    """The checked-out commit, read from .git without running git."""
    git = BASE_DIR / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = Path(git.read_text().split(":", 1)[1].strip())
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        loose = git / ref
        if loose.exists():
            return loose.read_text().strip()
        common = git / "commondir"
        base = (git / common.read_text().strip()) if common.exists() else git
        for candidate in (base / ref, base / "packed-refs"):
            if candidate.name == "packed-refs" and candidate.exists():
                for line in candidate.read_text().splitlines():
                    if line.endswith(f" {ref}"):
                        return line.split(" ", 1)[0]
            elif candidate.exists():
                return candidate.read_text().strip()
    except (OSError, IndexError):
        return None
    return None


def to_json(outcome: BenchOutcome, *, quick: bool) -> dict[str, Any]:
    import django
    import wagtail

    def run_json(run_result: ScaleRun) -> dict[str, Any]:
        return {
            "scale": asdict(run_result.scale),
            "database": run_result.database,
            "reused_database": run_result.reused_database,
            "durations": run_result.durations,
            "counts": run_result.counts,
            "cast": run_result.cast,
            "requests": [asdict(result) | {"ok": result.ok} for result in run_result.requests],
            "targets": [asdict(target) for target in run_result.targets],
            "passed": run_result.passed,
        }

    return {
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "database_vendor": outcome.runs[0].database["vendor"] if outcome.runs else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "cpu_count": os.cpu_count(),
        "quick": quick,
        "runs": [run_json(run_result) for run_result in outcome.runs],
        "query_comparison": outcome.comparison,
        "passed": outcome.passed,
    }


def write_json(outcome: BenchOutcome, *, output: str | Path | None, quick: bool) -> Path:
    """Write to `output` if it names a .json file, else into that directory (default
    bench/results/) as bench-<timestamp>.json."""
    target = Path(output) if output else RESULTS_DIR
    if target.suffix != ".json":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        target = target / f"bench-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(to_json(outcome, quick=quick), indent=2, ensure_ascii=False))
    return target


__all__ = [
    "BenchDatabase",
    "BenchOutcome",
    "Scale",
    "bench_database",
    "check_targets",
    "format_comparison",
    "format_summary",
    "format_table",
    "generate",
    "measure",
    "run",
    "use_database",
    "write_json",
]
