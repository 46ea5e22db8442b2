"""The employee ID: unique when given, optional, edited in the Wagtail user admin."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from lms.people import roles
from lms.people.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_many_people_may_have_no_employee_id():
    factories.user(username="a")
    factories.user(username="b")
    assert User.objects.filter(employee_id="").count() == 2


def test_the_database_refuses_a_second_person_with_the_same_employee_id():
    factories.user(username="a", employee_id="1001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.user(username="b", employee_id="1001")


def test_the_user_admin_edits_the_employee_id_and_names_a_duplicate(client):
    admin = factories.user(username="root", groups=[roles.ADMINS], is_superuser=True)
    factories.user(username="taken", employee_id="1001")
    person = factories.user(username="anna", first_name="Anna", last_name="Berg")
    client.force_login(admin)
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    form = {
        "username": "anna",
        "email": "anna@example.com",
        "first_name": "Anna",
        "last_name": "Berg",
        "is_active": "on",
    }

    response = client.post(url, {**form, "employee_id": "1001"})
    assert response.status_code == 200
    assert "Another person has this employee ID." in response.content.decode()
    person.refresh_from_db()
    assert person.employee_id == ""

    response = client.post(url, {**form, "employee_id": "2002"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.employee_id == "2002"
