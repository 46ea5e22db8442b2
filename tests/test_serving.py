"""Serving pages in few queries must not change what is served to whom.

The site root resolves a whole path at once (remembering where pages live), pages read
their view restrictions in one query, and the request's user comes with roles and
department from one query. These tests pin the answers, not only the counts.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import PageViewRestriction

from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_remembered_path_follows_a_renamed_page(employee_client, course):
    module = factories.modules_of(course)[0]
    assert employee_client.get(module.url).status_code == 200  # now remembered
    old_url = module.url
    module.slug = "renamed"
    module.save_revision().publish()
    module.refresh_from_db()

    assert employee_client.get(old_url).status_code == 404
    assert employee_client.get(module.url).status_code == 200


def test_a_remembered_path_is_not_served_once_unpublished(employee_client, course):
    module = factories.modules_of(course)[0]
    assert employee_client.get(module.url).status_code == 200
    module.unpublish()
    assert employee_client.get(module.url).status_code == 404


def test_a_page_published_at_a_path_that_was_a_404_is_served(employee_client, course):
    bonus = factories.module(course=course, title="Bonus")
    url = bonus.url
    bonus.unpublish()
    assert employee_client.get(url).status_code == 404

    bonus.save_revision().publish()

    assert employee_client.get(url).status_code == 200


def test_restriction_on_an_ancestor_still_asks_visitors_to_log_in(client, course):
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    course_response = client.get(course.url)
    assert course_response.status_code == 302
    assert "/login/" in course_response["Location"]
    # The catalog above the restricted course stays public.
    assert client.get(course.get_parent().url).status_code == 200


def test_group_restriction_refuses_members_of_other_groups(employee_client, course):
    restriction = PageViewRestriction.objects.create(
        page=course.get_parent(), restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name=roles.TRAINERS))
    module = factories.modules_of(course)[0]
    assert employee_client.get(module.url).status_code in (302, 403)


def test_request_user_comes_with_roles_and_department(employee, sales, course):
    employee.groups.add(Group.objects.get(name=roles.LEADERSHIP))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)

    page = client.get("/").content.decode()

    assert 'href="/rollout/"' in page  # leadership sees the rollout board
    assert "Recommended for Sales" in page


def test_role_removed_in_the_admin_takes_effect_on_the_next_request(employee):
    leadership = Group.objects.get(name=roles.LEADERSHIP)
    employee.groups.add(leadership)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    assert client.get("/rollout/").status_code == 200

    employee.groups.remove(leadership)

    assert client.get("/rollout/").status_code == 403


def test_deactivated_user_is_logged_out(employee_client, employee):
    employee.is_active = False
    employee.save()
    response = employee_client.get("/")
    assert "Log in to start learning" in response.content.decode()


def test_home_page_shows_a_story_published_after_it_was_cached(sales):
    from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage

    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "A comment became an order" not in visitor.get("/").content.decode()
    story = SuccessStoryPage(
        title="A comment became an order", slug="order", teaser="How it happened", department=sales
    )
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()

    assert "A comment became an order" in visitor.get("/").content.decode()


def test_guideline_banner_follows_a_new_version_and_an_unpublished_document(
    employee_client, employee
):
    document = factories.guideline(title="Social media guidelines")
    assert "Social media guidelines" in employee_client.get("/").content.decode()

    from lms.guidelines.models import GuidelineVersion
    from lms.guidelines.services import sign

    version = GuidelineVersion.objects.filter(document=document).latest("number")
    sign(user=employee, document=document, version_id=version.pk)
    page = employee_client.get("/").content.decode()
    assert "Please accept" not in page

    factories.publish_guideline_change(
        document, text="New rules", material=True, summary="Stricter rules"
    )
    assert "Please accept" in employee_client.get("/").content.decode()

    document.unpublish()
    assert "Please accept" not in employee_client.get("/").content.decode()


def test_dashboard_queries_do_not_grow_with_enrolments(
    employee, employee_client, sales, django_assert_max_num_queries
):
    from courses import services as course_services

    for number in range(6):
        course = factories.course(title=f"Course {number}", departments=(sales,), modules=3)
        course_services.complete_module(user=employee, module=factories.modules_of(course)[0])
    employee_client.get("/")  # routing and published documents are remembered
    with django_assert_max_num_queries(12):
        page = employee_client.get("/").content.decode()
    assert page.count("33 % complete") == 6
