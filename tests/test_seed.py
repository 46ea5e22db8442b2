import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone
from wagtail.images import get_image_model

from courses.models import CoursePage, ModulePage, Track
from lms.assignments.models import Assignment
from lms.people import roles
from lms.people.models import Department, User
from lms.programmes.models import ProgrammeItem, ProgrammePage
from lms.quizzes.models import Question
from lms.workshops.models import WorkshopPage, WorkshopSession

pytestmark = pytest.mark.django_db

DEMO_USERS = {"employee", "manager", "trainer", "admin"}


def run_seed(*args, **settings_overrides):
    from io import StringIO

    out = StringIO()
    call_command("seed_bootcamp", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "departments": list(Department.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "username", "password")),
        "tracks": list(Track.objects.order_by("pk").values()),
        "pages": list(CoursePage.objects.order_by("pk").values("pk", "title", "latest_revision_id"))
        + list(ModulePage.objects.order_by("pk").values("pk", "title", "latest_revision_id")),
        "images": get_image_model().objects.count(),
        "questions": Question.objects.count(),
        "sessions": list(WorkshopSession.objects.order_by("pk").values("pk", "starts_at")),
        "assignments": list(Assignment.objects.order_by("pk").values("pk", "due_date")),
        "programmes": list(
            ProgrammePage.objects.order_by("pk").values("pk", "title", "latest_revision_id")
        ),
        "programme items": list(ProgrammeItem.objects.order_by("pk").values()),
    }


def test_demo_users_need_debug_or_flag(settings):
    # Before the module's demo is seeded (see demo below): it needs an empty database.
    settings.DEBUG = False
    output = run_seed()
    assert not User.objects.exists()
    assert "--demo-users" in output
    assert CoursePage.objects.count() == 4

    run_seed("--demo-users")
    assert set(User.objects.values_list("username", flat=True)) >= DEMO_USERS


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module inside a transaction that is rolled back at its
    end; every test runs in a savepoint of it, so a test's own changes go with the test."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            output = run_seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):
    return demo


def test_seed_creates_departments_users_tracks_and_courses(seeded):
    assert set(Department.objects.values_list("name", flat=True)) == {
        "Sales",
        "Marketing",
        "HR",
        "Leadership",
    }
    assert set(Track.objects.values_list("slug", flat=True)) >= {
        "social-selling",
        "storytelling",
        "employer-branding",
        "linkedin-leaders",
    }
    for track in Track.objects.all():
        course = CoursePage.objects.live().get(track=track)
        modules = ModulePage.objects.live().child_of(course)
        assert modules.count() >= 3
        assert all(len(module.body) >= 5 for module in modules), course.title
        quiz_modules = [module for module in modules if module.quiz_id]
        assert len(quiz_modules) == 1, course.title
        quiz = quiz_modules[0].quiz
        assert quiz.quiz_questions.count() >= 5
        assert not quiz.draft
    assert "Demo bootcamp ready" in seeded


def test_demo_users_and_reporting_line(seeded):
    assert set(User.objects.values_list("username", flat=True)) >= DEMO_USERS
    employee = User.objects.get(username="employee")
    assert employee.department.slug == "sales"
    assert employee.manager.username == "manager"
    # A request, as every sign-in has: django-axes' backend refuses authenticate() without.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="employee", password="bootcamp-demo") == employee
    assert User.objects.get(username="trainer").groups.filter(name=roles.TRAINERS).exists()
    assert User.objects.get(username="manager").groups.filter(name=roles.MANAGERS).exists()


def test_seed_is_idempotent(seeded):
    before = snapshot()
    output = run_seed()
    assert snapshot() == before
    assert "0 created" in output
    assert "courses: 0 created, 4 already there" in output
    assert "quizzes: 0 created, 4 already there" in output
    assert "programmes: 0 created, 1 already there" in output


def test_demo_programme(seeded):
    from django.test import Client

    from lms.programmes import selectors

    programme = ProgrammePage.objects.live().get(title="Social-Media-Bootcamp")
    items = selectors.programme_items(programme=programme)
    courses = [item.course for item in items if item.kind == "course"]
    assert {course.track.slug for course in courses} == {
        track.slug for track in Track.objects.all()
    }
    assert [item.kind for item in items[-2:]] == ["workshop", "quiz"]
    assert items[-2].workshop.slug == "linkedin-workshop-fuehrungskraefte"
    assert items[-1].quiz.slug == "quiz-social-media-guidelines"
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(User.objects.get(username="employee"))
    page = client.get(programme.url)
    assert page.status_code == 200
    assert courses[0].title in page.content.decode()


def test_social_selling_is_recommended_to_sales(seeded):
    from django.test import Client

    User.objects.filter(username="employee").update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="employee"))
    page = client.get("/").content.decode()
    recommended = page.split('id="recommended-heading"')[1].split("</section>")[0]
    assert CoursePage.objects.get(track__slug="social-selling").title in recommended


def test_demo_guidelines_gate_social_selling(seeded):
    from django.test import Client

    from courses.models import Enrollment
    from lms.guidelines.models import GuidelinePage, GuidelineVersion

    documents = {page.slug: page for page in GuidelinePage.objects.live()}
    assert set(documents) == {"social-media-guidelines", "krisenplan", "freigabematrix"}
    assert GuidelineVersion.objects.filter(number=1).count() == 3
    matrix = documents["freigabematrix"]
    assert any(block.block_type == "approval_matrix" for block in matrix.body)
    assert any(block.block_type == "crisis_contacts" for block in documents["krisenplan"].body)

    course = CoursePage.objects.get(track__slug="social-selling")
    assert list(course.required_guidelines.all()) == [documents["social-media-guidelines"]]
    User.objects.filter(username="employee").update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="employee"))
    client.post(f"/learn/courses/{course.pk}/enrol/")
    assert not Enrollment.objects.filter(user__username="employee").exists()
    assert "Before you start" in client.get(course.url).content.decode()


def test_demo_workshops_with_sessions(seeded):
    linkedin = WorkshopPage.objects.get(slug="linkedin-workshop-fuehrungskraefte")
    assert list(linkedin.open_to_departments.values_list("slug", flat=True)) == ["leadership"]
    assert linkedin.trainer.username == "trainer"
    upcoming = WorkshopSession.objects.filter(workshop=linkedin, starts_at__gt=timezone.now())
    assert upcoming.count() == 2
    assert WorkshopPage.objects.live().count() == 2


def test_demo_rollout_board(seeded):
    from lms.rollout import selectors
    from lms.rollout.models import DepartmentRollout
    from lms.stories.models import SuccessStoryPage

    stages = dict(DepartmentRollout.objects.values_list("department__slug", "stage"))
    assert stages["sales"] == 5
    assert stages["marketing"] < 5 and stages["hr"] < 5
    sales = {row.department.slug: row for row in selectors.board()}["sales"]
    assert [cell.status for cell in sales.cells[:5]] == ["met", "met", "met", "met", "in_progress"]
    # The evidence behind the earlier stages holds, not only the recorded history.
    for cell in sales.cells[:4]:
        assert all(result.met for result in cell.results), cell.stage
    assert SuccessStoryPage.objects.live().count() == 3


# The board's evidence on the demo as main computed it when evidence was found by track
# slug ("linkedin-leaders", "social-selling"): the registry with tracks by foreign key
# must show the same numbers.
SLUG_ERA_EVIDENCE = {
    "sales": {
        "urgency_workshop": 1,
        "managers_linkedin": 100,
        "success_stories": 1,
        "bootcamp_enrolment": 80,
        "guidelines_signed": 80,
        "assigned_courses": 0,
        "kpi_months": 0,
        "award_given": 0,
    },
    "marketing": {"urgency_workshop": 1, "managers_linkedin": 100, "success_stories": 0},
    "hr": {"urgency_workshop": 0, "managers_linkedin": 0, "success_stories": 1},
    "leadership": {"urgency_workshop": 1, "managers_linkedin": 100, "success_stories": 1},
}


def test_demo_board_shows_the_evidence_of_the_slug_era(seeded):
    from lms.rollout import selectors

    shown = {
        row.department.slug: {
            result.criterion.metric: result.value
            for cell in row.cells
            for result in cell.results
            if result.criterion.kind == "evidence"
        }
        for row in selectors.board()
    }
    for slug, expected in SLUG_ERA_EVIDENCE.items():
        values = {metric: value for metric, value in shown[slug].items() if metric in expected}
        assert values == expected, slug
    assert all(value is not None for values in shown.values() for value in values.values())


def test_demo_team_view_has_overdue_assignments(seeded):
    from django.test import Client

    from lms.assignments import selectors
    from lms.assignments.services import assignable_people

    manager = User.objects.get(username="manager")
    members = assignable_people(manager=manager)
    overdue = selectors.team_view(members=members, overdue_only=True)
    assert overdue.totals["overdue"] >= 2
    assert {row.member.username for row in overdue.rows} >= {"m.vogt", "b.wagner"}
    everything = selectors.team_view(members=members)
    cells = [cell for row in everything.rows for cell in row.cells if cell]
    # Assigned: only overdue and completed, the walkthrough's own assignments start the
    # other states. The demo learners' own progress shows too, without a due date.
    assert {cell.state for cell in cells if cell.assignment_id} == {"overdue", "completed"}
    assert any(cell.assignment_id is None and cell.state == "in_progress" for cell in cells)
    # Written as history: assigned weeks ago, past the form's "due date in the future" rule.
    assert all(
        assigned.date() < timezone.localdate()
        for assigned in Assignment.objects.values_list("created_at", flat=True)
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    page = client.get("/team/", {"overdue": "on"}).content.decode()
    assert "Vogt" in page and "Wagner" in page
    assert "Keller" not in page  # his assigned workshop is attended, not overdue
