import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import Page

from courses.models import CoursePage, ModulePage
from lms.people import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_role_groups_exist_from_migrations():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ALL_GROUPS) <= names


def test_anonymous_admin_redirects_to_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_employee_never_sees_admin_content(employee_client):
    response = employee_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_employee_cannot_open_page_editor(employee_client, course):
    response = employee_client.get(f"/admin/pages/{course.pk}/edit/")
    assert response.status_code in (302, 403)
    assert b"Publish" not in response.content


def test_manager_cannot_reach_admin(manager):
    client = Client()
    client.force_login(manager)
    response = client.get("/admin/")
    assert response.status_code == 302


def test_trainer_reaches_admin(trainer_client):
    assert trainer_client.get("/admin/").status_code == 200


def test_trainer_adds_and_publishes_a_module(trainer_client, employee_client, course):
    response = trainer_client.get(f"/admin/pages/add/courses/modulepage/{course.pk}/")
    assert response.status_code == 200
    response = trainer_client.post(
        f"/admin/pages/add/courses/modulepage/{course.pk}/",
        {
            "title": "Fresh module",
            "slug": "fresh-module",
            "intro": "New content",
            "estimated_minutes": "12",
            "required": "on",
            "body-count": "0",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    module = ModulePage.objects.get(slug="fresh-module")
    assert module.live
    assert "Fresh module" in employee_client.get(course.url).content.decode()


def test_trainer_cannot_put_module_outside_a_course(trainer_client):
    catalog = factories.catalog()
    response = trainer_client.get(f"/admin/pages/add/courses/modulepage/{catalog.pk}/")
    assert response.status_code in (302, 403)
    assert not ModulePage.objects.exists()


def test_subpage_rules():
    assert ModulePage.allowed_parent_page_models() == [CoursePage]
    assert ModulePage.allowed_subpage_models() == []
    assert CoursePage.allowed_subpage_models() == [ModulePage]


def test_trainer_cannot_edit_outside_course_tree(trainer_client):
    home = Page.objects.get(depth=2)
    response = trainer_client.get(f"/admin/pages/{home.pk}/edit/")
    assert response.status_code in (302, 403)


def test_trainer_can_add_a_track_snippet(trainer_client):
    response = trainer_client.post(
        "/admin/snippets/courses/track/add/",
        {
            "name": "Community Management",
            "slug": "community",
            "description": "",
            "colour": "teal",
            "sort_order": "5",
        },
    )
    assert response.status_code == 302
    from courses.models import Track

    assert Track.objects.filter(slug="community").exists()


def test_admin_edits_departments(db):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/snippets/people/department/add/", {"name": "Legal", "slug": "legal"}
    )
    assert response.status_code == 302
    from lms.people.models import Department

    assert Department.objects.filter(slug="legal").exists()
