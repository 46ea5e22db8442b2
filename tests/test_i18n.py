import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_course_page_speaks_german(employee, course):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(employee)
    page = client.get(course.url).content.decode()
    assert "Kurs starten" in page
    assert "Start course" not in page
    assert 'lang="de"' in page


def test_language_switcher_remembers_english(employee, course):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(employee)
    response = client.post("/i18n/setlang/", {"language": "en", "next": course.url})
    assert response.status_code == 302
    page = client.get(course.url).content.decode()
    assert "Start course" in page


def test_module_page_speaks_german(employee, course):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(employee)
    page = client.get(factories.modules_of(course)[0].url).content.decode()
    assert "Als erledigt markieren" in page
