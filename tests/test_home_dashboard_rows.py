"""The learner dashboard from one query of the learner's rows and the content a process
keeps under the content token (home/dashboard.py): the same as the live selectors after
every kind of write, and one query beyond a plain page of the site."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import selectors as course_selectors
from courses import services as course_services
from home.dashboard import learner_home, learner_row_querysets, learner_rows_of
from lms.assignments import selectors as assignment_selectors
from lms.assignments.services import assign
from lms.core import content_version, learner_rows
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines.services import sign
from lms.people.models import User
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from lms.workshops import selectors as workshop_selectors
from lms.workshops import services as workshop_services
from tests import factories

pytestmark = pytest.mark.django_db


def _live(user: User):
    """What the dashboard showed before: the selectors that read everything in SQL."""
    return (
        course_selectors.learner_dashboard(user=user),
        assignment_selectors.assignments_for(user=user),
        workshop_selectors.upcoming_bookings(user=user),
    )


def _shown(dashboard, assignments, bookings):
    def progress(rows):
        return [
            (
                row.course.pk,
                row.course.title,
                row.course.track.name,
                row.course.url_path,
                row.percent,
                row.next_module,
                row.enrollment.completed_at,
            )
            for row in rows
        ]

    return (
        progress(dashboard.in_progress),
        progress(dashboard.completed),
        [(course.pk, course.title, course.module_count) for course in dashboard.recommended],
        [
            (
                row.assignment.pk,
                row.state,
                row.item.pk,
                row.item.title,
                row.assignment.due_date,
                row.assignment.note,
                str(row.assignment.assigned_by),
            )
            for row in assignments
        ],
        [(b.pk, b.status, b.session.starts_at, b.workshop.title) for b in bookings],
    )


def _assert_same(user: User) -> None:
    user = User.objects.select_related("department").get(pk=user.pk)
    home = learner_home(user=user)
    assert _shown(home.dashboard, home.assignments, home.bookings) == _shown(*_live(user))


def test_dashboard_rows_follow_every_kind_of_write(employee, manager, sales):
    employee.manager = manager
    employee.save()
    started = factories.course(title="Storytelling", modules=3, optional=(2,))
    recommended = factories.course(title="Social Selling", departments=(sales,))
    workshop = factories.workshop(title="LinkedIn for Leaders", open_to_all=True)
    session = factories.session(workshop=workshop, capacity=1)
    _assert_same(employee)  # the content is now kept in this process

    first, second, _optional = factories.modules_of(started)
    course_services.complete_module(user=employee, module=first)
    _assert_same(employee)
    due = timezone.localdate() + timedelta(days=3)
    assign(assigned_by=manager, assignees=[employee], item=started, due_date=due, note="Soon")
    assign(assigned_by=manager, assignees=[employee], item=workshop, due_date=due)
    assign(assigned_by=manager, assignees=[employee], item=recommended, due_date=due)
    _assert_same(employee)

    booking = workshop_services.book_session(user=employee, session=session)
    _assert_same(employee)
    course_services.complete_module(user=employee, module=second)  # the course is done
    _assert_same(employee)

    # Content changes: a new module, a renamed course, a withdrawn course.
    factories.module(course=recommended, title="Extra")
    started.title = "Storytelling, revised"
    started.save_revision().publish()
    _assert_same(employee)
    course_services.enrol(user=employee, course=recommended)
    recommended.unpublish()
    _assert_same(employee)

    workshop_services.cancel_booking(user=employee, booking=booking)
    _assert_same(employee)
    later = factories.session(workshop=workshop, starts_in_days=-1)
    booked = workshop_services.book_session(
        user=employee, session=later, now=later.starts_at - timedelta(days=1)
    )
    workshop_services.mark_attendance(
        marker=manager, session=later, attended_ids={booked.pk}, now=timezone.now()
    )
    assert booked.pk
    _assert_same(employee)


def test_another_process_change_shows_at_the_next_request(employee, sales):
    course = factories.course(title="Before", departments=(sales,))
    _assert_same(employee)
    kept = content_version._memory["home-dashboard"][0]
    # Another process renames the course: here only the token in the database tells.
    course.title = "After"
    course.save_revision().publish()
    assert content_version._memory["home-dashboard"][0] == kept
    home = learner_home(user=User.objects.select_related("department").get(pk=employee.pk))
    assert [c.title for c in home.dashboard.recommended] == ["After"]


def test_prepared_query_reads_what_the_orm_query_reads(employee, manager):
    employee.manager = manager
    employee.save()
    course = factories.course()
    course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
    assign(
        assigned_by=manager,
        assignees=[employee],
        item=course,
        due_date=timezone.localdate() + timedelta(days=1),
    )
    prepared = sorted(learner_rows_of(user_id=employee.pk), key=repr)
    orm = sorted(learner_rows.union_of(*learner_row_querysets(employee.pk)), key=repr)
    assert prepared == orm
    assert {row.kind for row in prepared} == {"content", "enrolment", "completion", "assignment"}


def _story() -> SuccessStoryPage:
    story = SuccessStoryPage(title="Leads doubled", slug="leads", teaser="In a month")
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    return story


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def busy_learner(employee, manager, sales):
    employee.manager = manager
    employee.save()
    due = timezone.localdate() + timedelta(days=5)
    for number in range(5):
        course = factories.course(title=f"Course {number}", departments=(sales,))
        course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
        assign(assigned_by=manager, assignees=[employee], item=course, due_date=due)
    factories.course(title="Recommended", departments=(sales,))
    workshop = factories.workshop(open_to_all=True)
    workshop_services.book_session(user=employee, session=factories.session(workshop=workshop))
    document = factories.guideline()
    sign(
        user=employee,
        document=document,
        version_id=guideline_selectors.current_version(document=document).pk,
    )
    factories.guideline(title="Still to accept")
    return employee


@pytest.mark.parametrize("learner_cache", [False, True])
def test_dashboard_is_one_query_beyond_a_plain_page(
    busy_learner, employee_client, settings, learner_cache
):
    settings.LMS_LEARNER_CACHE = learner_cache
    story = _story()
    floor = _queries(employee_client, story.url)
    dashboard = _queries(employee_client, "/")
    page = employee_client.get("/").content.decode()
    assert page.count('class="progress-item') == 5 + 5 + 1  # courses, assignments, document
    assert "Still to accept" in page and "Recommended" in page
    # The plain page reads its parent page; the dashboard its rows (or none from the cache).
    assert (floor, dashboard) == ((8, 6) if learner_cache else (9, 8))


def test_dashboard_in_german(busy_learner, employee_client):
    busy_learner.language = "de"
    busy_learner.save()
    page = employee_client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Weiterlernen" in page
    assert "Ihnen zugewiesen" in page
    assert "Ihre Workshop-Termine" in page


def test_completions_are_one_row_of_ids(employee):
    course = factories.course(modules=3)
    modules = factories.modules_of(course)
    assert not [row for row in learner_rows_of(user_id=employee.pk) if row.kind == "completion"]
    assert course_selectors.completed_from_rows(learner_rows_of(user_id=employee.pk)) == set()
    for module in modules[:2]:
        course_services.complete_module(user=employee, module=module)
    rows = [row for row in learner_rows_of(user_id=employee.pk) if row.kind == "completion"]
    assert len(rows) == 1
    assert learner_rows.id_set(rows[0].text) == {modules[0].pk, modules[1].pk}
    assert course_selectors.completed_from_rows(rows) == {modules[0].pk, modules[1].pk}
    # Another learner's completions are not among them.
    other = factories.user()
    course_services.complete_module(user=other, module=modules[2])
    rows = learner_rows_of(user_id=employee.pk)
    assert course_selectors.completed_from_rows(rows) == {modules[0].pk, modules[1].pk}


def test_id_set_reads_an_id_list():
    assert learner_rows.id_set(None) == set()
    assert learner_rows.id_set("") == set()
    assert learner_rows.id_set("3,12,7") == {3, 7, 12}
