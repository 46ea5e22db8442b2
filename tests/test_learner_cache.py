"""Learners' pages from the per-learner cache (lms/core/learner_cache.py) never show a
state from before the learner's last action or the last publish."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from courses import services as course_services
from lms.assignments import services as assignment_services
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.workshops import services as workshop_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def learner_cache_on(settings):
    settings.LMS_LEARNER_CACHE = True


def test_course_page_shows_a_completion_made_after_it_was_cached(employee_client, employee, course):
    first, second = factories.modules_of(course)[:2]
    course_services.complete_module(user=employee, module=first)
    assert "33 % complete" in employee_client.get(course.url).content.decode()

    course_services.complete_module(user=employee, module=second)

    assert "67 % complete" in employee_client.get(course.url).content.decode()


def test_second_view_of_a_course_is_served_from_the_cache(
    employee_client, employee, course, django_assert_max_num_queries
):
    course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
    employee_client.get(course.url)
    # Session, user, site, home page, course, view restrictions, audience, the bell's count.
    with django_assert_max_num_queries(8):
        assert "33 % complete" in employee_client.get(course.url).content.decode()


def test_guidelines_banner_follows_signing_and_a_new_version(employee_client, employee, course):
    document = factories.guideline()
    banner = "document to accept"
    assert banner in employee_client.get(course.url).content.decode()

    version = guideline_selectors.current_version(document=document)
    guideline_services.sign(user=employee, document=document, version_id=version.pk)
    assert banner not in employee_client.get(course.url).content.decode()

    factories.publish_guideline_change(document, text="New rule", material=True, summary="New")
    assert banner in employee_client.get(course.url).content.decode()


def test_module_page_shows_a_module_published_after_it_was_cached(
    employee_client, employee, course
):
    module = factories.modules_of(course)[0]
    course_services.complete_module(user=employee, module=module)
    assert "Module 1 of 3" in employee_client.get(module.url).content.decode()

    factories.module(course=course, title="Bonus round")

    page = employee_client.get(module.url).content.decode()
    assert "Module 1 of 4" in page and "Bonus round" in page


def test_dashboard_shows_an_assignment_made_after_it_was_cached(employee, manager, course):
    employee.manager = manager
    employee.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    assert "Assigned to you" not in client.get("/").content.decode()

    assignment_services.assign(
        assigned_by=manager,
        assignees=[employee],
        item=course,
        due_date=timezone.localdate() + timedelta(days=7),
    )

    assert "Assigned to you" in client.get("/").content.decode()


def test_dashboard_shows_attendance_marked_after_it_was_cached(employee, manager, trainer):
    workshop = factories.workshop(open_to_all=True, trainer=trainer)
    session = factories.session(workshop=workshop, starts_in_days=1)
    employee.manager = manager
    employee.save()
    assignment_services.assign(
        assigned_by=manager,
        assignees=[employee],
        item=workshop,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    booking = workshop_services.book_session(user=employee, session=session)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    assert "in progress" in client.get("/").content.decode()

    workshop_services.mark_attendance(
        marker=trainer,
        session=session,
        attended_ids={booking.pk},
        now=session.starts_at + timedelta(hours=1),
    )

    page = client.get("/").content.decode()
    assert "assignment--completed" in page


def test_dashboard_shows_a_booking_made_after_it_was_cached_and_a_moved_session(employee):
    workshop = factories.workshop(title="LinkedIn for Leaders", open_to_all=True)
    session = factories.session(workshop=workshop, starts_in_days=3)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    assert "Your workshop sessions" not in client.get("/").content.decode()

    workshop_services.book_session(user=employee, session=session)
    assert "Your workshop sessions" in client.get("/").content.decode()

    # A trainer moves the session into the past: it is no longer upcoming.
    session.starts_at = timezone.now() - timedelta(days=2)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    assert "Your workshop sessions" not in client.get("/").content.decode()
