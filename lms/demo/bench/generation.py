"""Generation of the synthetic company, in bulk.

`bulk_create` with large batches, and raw `executemany` (COPY on PostgreSQL) for the
tables with a million rows whose timestamps must be spread over the past year
(`auto_now_add` would stamp every row with the same moment). Only the Wagtail pages
(a few hundred) go through the page tree API, one by one.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from lms.demo.bench.company import (
    ADMIN,
    CEO,
    COURSE_SLUG,
    FOCUS_MANAGER,
    GUIDELINE_SLUG,
    LEARNER,
    QUIZ_SLUG,
    Progress,
    Scale,
    no_progress,
)
from lms.demo.bench.domain import (
    Answer,
    Assignment,
    AwardPeriod,
    AwardSettings,
    Booking,
    Category,
    CategoryProgress,
    ChecklistTick,
    CourseIndexPage,
    CoursePage,
    Criterion,
    Department,
    DepartmentRollout,
    Enrollment,
    GuidelineIndexPage,
    GuidelinePage,
    GuidelineVersion,
    KpiRecord,
    ModuleCompletion,
    ModulePage,
    Notification,
    NotificationKind,
    Question,
    Quiz,
    QuizQuestion,
    SignOff,
    Sitting,
    StageChange,
    SuccessStoryIndexPage,
    SuccessStoryPage,
    Track,
    User,
    WorkshopIndexPage,
    WorkshopPage,
    WorkshopSession,
    link_evidence_tracks,
    publish_initial_text,
    rebuild_award_points,
    rebuild_rollout_summary,
    roles,
)
from lms.guidelines import tallies

BATCH_SIZE = 5000
RAW_CHUNK = 50_000
PASSWORD = "bench"

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
    report: Progress = no_progress,
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
def _step(name: str, durations: dict[str, float], report: Progress) -> Iterator[None]:
    started = time.perf_counter()
    with transaction.atomic():
        yield
    durations[name] = round(time.perf_counter() - started, 2)
    report(f"  {name} done in {durations[name]:.1f} s")


def generate(*, scale: Scale, report: Progress = no_progress, seed: int = 20240501) -> Company:
    """Create the synthetic company in the current (empty, migrated) database."""
    rng = random.Random(seed)
    company = Company(scale=scale)
    clock = _Clock()
    durations = company.durations
    with _bulk_load():
        with _step("departments", durations, report):
            _generate_departments(company, report=report)
        # The guideline is published before the people join: publishing notifies everyone
        # in scope, one e-mail each, which is the worker's job in production and would be
        # most of the generation's time here. Their notifications come in bulk below.
        with _step("guidelines", durations, report):
            _generate_guideline(company, report=report)
        with _step("users", durations, report):
            _generate_users(company, rng=rng, report=report)
        with _step("notifications", durations, report):
            _generate_notifications(company, rng=rng, report=report)
        with _step("courses", durations, report):
            _generate_courses(company, rng=rng, report=report)
        with _step("stories", durations, report):
            _generate_stories(company, report=report)
        with _step("workshops", durations, report):
            _generate_workshops(company, rng=rng, clock=clock, report=report)
        with _step("learning", durations, report):
            _generate_learning(company, rng=rng, clock=clock, report=report)
        with _step("sign-offs", durations, report):
            _generate_signoffs(company, rng=rng, report=report)
        with _step("sign-off tallies", durations, report):
            # bulk_create sends no signals: the report's summary is counted once, in bulk.
            tallies.rebuild()
        with _step("assignments", durations, report):
            _generate_assignments(company, rng=rng, report=report)
        with _step("rollout", durations, report):
            _generate_rollout(company, rng=rng, clock=clock, report=report)
        # bulk_create sends no signals: the board's counts per department, in bulk.
        with _step("rollout evidence", durations, report):
            counted = rebuild_rollout_summary()
            report(f"  rollout evidence of {counted.people:,} people")
        with _step("award points", durations, report):
            report(f"  award points of {rebuild_award_points():,} people and periods")
    if connection.vendor == "postgresql":
        # Autovacuum would analyse the new tables soon; do it now so plans are realistic.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return company


def _generate_departments(company: Company, *, report: Progress) -> None:
    scale = company.scale
    # The CEO has no department; each focus department is one head and their reports.
    focus = [1 + scale.focus_reports] * scale.focus_teams
    rest = scale.employees - 1 - sum(focus)
    others = scale.departments - len(focus)
    sizes = focus + [
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


def _generate_users(company: Company, *, rng: random.Random, report: Progress) -> None:
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


def _generate_guideline(company: Company, *, report: Progress) -> None:
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


def _generate_notifications(company: Company, *, rng: random.Random, report: Progress) -> None:
    """What publishing the guideline tells each employee: one notification, most read."""
    version = GuidelineVersion.objects.select_related("document").get(pk=company.version_id)
    document = version.document
    sent = timezone.now() - timedelta(days=30)
    people = User.objects.filter(department__isnull=False).values_list("pk", flat=True)
    rows = (
        Notification(
            recipient_id=user_id,
            kind=NotificationKind.GUIDELINE_VERSION,
            dedupe_key=f"{NotificationKind.GUIDELINE_VERSION}:{version.pk}",
            params={"title": document.title, "number": version.number},
            url=document.url or "",
            created_at=sent,
            emailed_at=sent,
            read_at=sent + timedelta(days=1) if rng.random() < 0.7 else None,
        )
        for user_id in people.iterator(chunk_size=BATCH_SIZE)
    )
    created = 0
    for batch in _chunks(rows, BATCH_SIZE):
        Notification.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    report(f"  notifications {created:,} (the guideline's version 1, 70 % read)")


STORIES = 6


def _generate_stories(company: Company, *, report: Progress) -> None:
    """Plain content pages of the site's layout: the floor the learner pages are held to."""
    index = SuccessStoryIndexPage.objects.get()
    for number in range(1, STORIES + 1):
        department = company.departments[number % len(company.departments)]
        story = SuccessStoryPage(
            title=f"Success story {number}",
            slug=f"bench-story-{number}",
            department_id=department.pk,
            teaser="How one team turned its posts into conversations with customers.",
            body=json.dumps(
                [
                    {"type": "paragraph", "value": f"<p>Part {part}: what we tried and learnt.</p>"}
                    for part in range(6)
                ]
            ),
            live=False,
        )
        index.add_child(instance=story)
        story.save_revision().publish()
    report(f"  success stories {STORIES}")


def _generate_courses(company: Company, *, rng: random.Random, report: Progress) -> None:
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
    company: Company, *, rng: random.Random, clock: _Clock, report: Progress
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
    company: Company, *, rng: random.Random, clock: _Clock, report: Progress
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


def _generate_signoffs(company: Company, *, rng: random.Random, report: Progress) -> None:
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


def _generate_assignments(company: Company, *, rng: random.Random, report: Progress) -> None:
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
    company: Company, *, rng: random.Random, clock: _Clock, report: Progress
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
    link_evidence_tracks()
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
        "notifications": Notification,
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
