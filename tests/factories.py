"""Small builders for test data; they go through the same Wagtail APIs editors use.

Course, module and workshop pages are created live (or as drafts) in one save, as a page
created in code or by a fixture is, without a revision and its publication: no app code
reads a course's revisions, and a revision and a publish cost three more saves of the page
with their validation. A test about revisions makes them (``save_revision().publish()``);
guideline pages keep theirs, since their versions and approvals are revisions.
"""

from __future__ import annotations

import itertools
import json

from django.contrib.auth.models import Group
from django.utils import timezone

from courses.models import CourseIndexPage, CoursePage, ModulePage, Track
from lms.people import roles
from lms.people.models import Department, User

_sequence = itertools.count(1)


def department(*, name: str | None = None, slug: str | None = None) -> Department:
    number = next(_sequence)
    return Department.objects.create(
        name=name or f"Department {number}", slug=slug or f"department-{number}"
    )


def user(
    *,
    username: str | None = None,
    groups: tuple[str, ...] = (roles.EMPLOYEES,),
    department: Department | None = None,
    manager: User | None = None,
    password: str = "secret-pass-123",
    **extra,
) -> User:
    # Tests read English UI text unless they ask for German.
    extra.setdefault("language", "en")
    account = User(
        username=username or f"user{next(_sequence)}",
        department=department,
        manager=manager,
        **extra,
    )
    account.set_password(password)
    account.save()
    account.groups.set(Group.objects.filter(name__in=groups))
    return account


def users_in_bulk(count: int, *, prefix: str = "bulk", **extra) -> list[User]:
    """``count`` employees ("<prefix>0"... with e-mail addresses) in three queries, for tests
    that need many recipients or rows, not what a save tells the rest of the app: no signal
    is sent, so the rollout board's tallies do not count them. They sign in with
    "secret-pass-123" like user()'s."""
    extra.setdefault("language", "en")
    hashed = _bulk_password()
    names = [f"{prefix}{number}" for number in range(count)]
    User.objects.bulk_create(
        User(username=name, email=f"{name}@example.com", password=hashed, **extra) for name in names
    )
    created = list(User.objects.filter(username__in=names).order_by("pk"))
    employees = Group.objects.get(name=roles.EMPLOYEES)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=person.pk, group_id=employees.pk) for person in created
    )
    return created


def _bulk_password() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password("secret-pass-123")


def track(*, name: str | None = None, slug: str | None = None) -> Track:
    number = next(_sequence)
    return Track.objects.create(name=name or f"Track {number}", slug=slug or f"track-{number}")


def catalog() -> CourseIndexPage:
    return CourseIndexPage.objects.get()


def course(
    *,
    title: str | None = None,
    track_: Track | None = None,
    modules: int = 3,
    optional: tuple[int, ...] = (),
    departments: tuple[Department, ...] = (),
    live: bool = True,
) -> CoursePage:
    number = next(_sequence)
    page = CoursePage(
        title=title or f"Course {number}",
        slug=f"course-{number}",
        track=track_ or track(),
        summary="A course used by the tests.",
        **_published(live),
    )
    page.target_departments.set(departments)  # a ParentalManyToManyField: saved with the page
    _add_child(catalog(), page)
    for index in range(modules):
        module(
            course=page, title=f"Module {index + 1}", required=index not in optional, publish=False
        )
    return page


def module(
    *, course: CoursePage, title: str = "Module", required: bool = True, publish: bool = True
) -> ModulePage:
    """A live module of ``course``. On its own it is published as an editor publishes it
    (a revision, page_published: what tells the learners' caches); ``publish=False``, as
    course() makes its first modules, it is only created live."""
    page = ModulePage(
        title=title,
        slug=f"module-{next(_sequence)}",
        estimated_minutes=10,
        required=required,
        **_published(),
        body=json.dumps(
            [
                {"type": "heading", "value": {"text": f"{title} heading", "level": "h2"}},
                {"type": "paragraph", "value": f"<p>Body of {title}.</p>"},
            ]
        ),
    )
    _add_child(course, page)
    if publish:
        page.save_revision().publish()
    return page


def _add_child(parent, page) -> None:
    """``parent.add_child(instance=page)`` saved with ``clean=False``: the page's core fields
    are filled in as full_clean fills them (draft title, slug), but nothing is validated.
    The factories' slugs are unique by construction, and full_clean's look-up of every
    foreign key and unique field was a third of a course's queries. A test about validation
    goes through the admin's form, which runs full_clean as before."""
    save = page.save

    def save_unchecked(*args, **kwargs):
        page._set_core_field_defaults()
        return save(*args, clean=False, **kwargs)

    page.save = save_unchecked
    try:
        parent.add_child(instance=page)
    finally:
        del page.save


def _published(live: bool = True) -> dict:
    """A page's state as publishing (or never publishing) it leaves it, for Page(...)."""
    if not live:
        return {"live": False, "has_unpublished_changes": True}
    now = timezone.now()
    return {"live": True, "first_published_at": now, "last_published_at": now}


def modules_of(course: CoursePage) -> list[ModulePage]:
    return list(ModulePage.objects.child_of(course).order_by("path"))


def quiz(*, questions=(), **options):
    """A quiz with the given questions; each question is a dict as in question()."""
    from lms.quizzes.models import Quiz, QuizQuestion

    number = next(_sequence)
    options.setdefault("title", f"Quiz {number}")
    options.setdefault("slug", f"quiz-{number}")
    options.setdefault("pass_mark", 50)
    created = Quiz.objects.create(**options)
    for order, spec in enumerate(questions):
        item = spec if not isinstance(spec, dict) else question(**spec)
        QuizQuestion.objects.create(quiz=created, question=item, sort_order=order)
    return created


def question(*, kind="mc", content=None, answers=None, correct=None, category=None, **extra):
    """kind mc: answers is a list of (text, is_correct); kind tf: correct is a bool."""
    from lms.quizzes.models import Answer, Question

    created = Question.objects.create(
        kind=kind,
        content=content or f"Question {next(_sequence)}?",
        correct_statement=correct if kind == "tf" else None,
        category=category,
        **extra,
    )
    if kind == "mc":
        for order, (text, is_correct) in enumerate(answers or [("Right", True), ("Wrong", False)]):
            Answer.objects.create(
                question=created, content=text, correct=is_correct, sort_order=order
            )
    return created


def quiz_category(*, name=None):
    from lms.quizzes.models import Category

    number = next(_sequence)
    return Category.objects.create(name=name or f"Category {number}", slug=f"category-{number}")


def guideline(*, title="Social media guidelines", departments=(), quiz=None, body_text="Be kind."):
    """A published guideline document (version 1), installed as seed_bootcamp does."""
    from lms.guidelines.models import GuidelineIndexPage, GuidelinePage
    from lms.guidelines.services import publish_initial_text

    number = next(_sequence)
    page = GuidelinePage(
        title=title,
        slug=f"guideline-{number}",
        summary="Rules for speaking for the company.",
        applies_to_all=not departments,
        quiz=quiz,
        body=json.dumps([{"type": "paragraph", "value": f"<p>{body_text}</p>"}]),
        live=False,
    )
    GuidelineIndexPage.objects.get().add_child(instance=page)
    page.departments.set(departments)
    publish_initial_text(document=page, note="Test fixture.")
    return GuidelinePage.objects.get(pk=page.pk)


def guideline_approver() -> User:
    approver = User.objects.filter(username="factory-approver").first()
    return approver or user(username="factory-approver", groups=(roles.GUIDELINE_APPROVERS,))


def approve_through_workflow(page, *, editor=None, approver=None):
    """Submit the page's latest revision to its approval workflow and approve it."""
    from lms.guidelines.models import GuidelinePage

    page = GuidelinePage.objects.get(pk=page.pk)
    page.get_workflow().start(page, editor)
    task_state = GuidelinePage.objects.get(pk=page.pk).current_workflow_task_state
    task_state.task.specific.on_action(task_state, approver or guideline_approver(), "approve")
    return GuidelinePage.objects.get(pk=page.pk)


def publish_guideline_change(page, *, text: str, material: bool, summary: str = ""):
    """Publish an edit of a guideline through the approval workflow."""
    from lms.guidelines.models import GuidelinePage

    page = GuidelinePage.objects.get(pk=page.pk)
    page.body = json.dumps([{"type": "paragraph", "value": f"<p>{text}</p>"}])
    page.material_change = material
    page.change_summary = summary
    page.save_revision()
    return approve_through_workflow(page)


def workshop(*, title="LinkedIn for Leaders", open_to_all=False, departments=(), trainer=None):
    from lms.workshops.models import WorkshopIndexPage, WorkshopPage

    number = next(_sequence)
    page = WorkshopPage(
        title=title,
        slug=f"workshop-{number}",
        summary="A live workshop.",
        open_to_all=open_to_all,
        trainer=trainer,
        **_published(),
    )
    page.open_to_departments.set(departments)
    _add_child(WorkshopIndexPage.objects.get(), page)
    return WorkshopPage.objects.get(pk=page.pk)


def session(*, workshop, capacity=2, starts_in_days=7, location="Room 1"):
    from datetime import timedelta

    from django.utils import timezone

    from lms.workshops.models import WorkshopSession

    starts = timezone.now() + timedelta(days=starts_in_days)
    return WorkshopSession.objects.create(
        workshop=workshop,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        location=location,
        capacity=capacity,
    )


def workbook(rows: list[list], *, cached: dict[str, str] | None = None) -> bytes:
    """An .xlsx file with ``rows`` on its first sheet, as Excel would save it.

    openpyxl writes formulas without a result; ``cached`` gives the stored result of a
    formula cell by its text, e.g. {"=1+1": "2"} (numbers only), as Excel keeps it.
    """
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if not cached:
        return buffer.getvalue()
    patched = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(patched, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                for formula, value in cached.items():
                    old = f"<f>{formula.removeprefix('=')}</f><v />".encode()
                    data = data.replace(old, old[:-5] + f"<v>{value}</v>".encode())
            target.writestr(info, data)
    return patched.getvalue()


def kpi_token(*, name: str = "CRM", username: str | None = None):
    """An API token for a KPI service user (in the group "KPI integrations"): (token, raw)."""
    from wagtail.models import APIToken

    from lms.kpis.models import INTEGRATIONS_GROUP

    service = user(username=username, groups=(INTEGRATIONS_GROUP,))
    return APIToken.create_token(user=service, name=name)
