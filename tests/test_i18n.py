import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_client(employee):
    employee.language = "de"
    employee.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    return client


def test_course_page_follows_the_account_language(german_client, course):
    page = german_client.get(course.url).content.decode()
    assert "Kurs starten" in page
    assert "Start course" not in page
    assert 'lang="de"' in page


def test_module_page_speaks_german(german_client, course):
    page = german_client.get(factories.modules_of(course)[0].url).content.decode()
    assert "Als erledigt markieren" in page


def test_visitors_get_their_browser_language(course):
    assert "Anmelden" in Client(HTTP_ACCEPT_LANGUAGE="de").get(course.url).content.decode()
    assert "Log in" in Client(HTTP_ACCEPT_LANGUAGE="en").get(course.url).content.decode()


def test_language_switcher_remembers_the_choice_on_the_account(german_client, employee, course):
    response = german_client.post("/i18n/setlang/", {"language": "en", "next": course.url})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.language == "en"
    fresh = Client(HTTP_ACCEPT_LANGUAGE="de")
    fresh.force_login(employee)
    assert "Start course" in fresh.get(course.url).content.decode()


def test_unknown_language_changes_nothing(german_client, employee):
    german_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    employee.refresh_from_db()
    assert employee.language == "de"
