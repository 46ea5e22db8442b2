import pytest

from courses.services import complete_module, enrol
from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_home_is_a_welcome_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Log in to start learning" in response.content.decode()


def test_dashboard_shows_progress_continue_and_completed(employee_client, employee, sales):
    started = factories.course(title="Storytelling", modules=2)
    done = factories.course(title="Employer Branding", modules=1)
    recommended = factories.course(title="Social Selling", departments=(sales,))
    first, second = factories.modules_of(started)
    complete_module(user=employee, module=first)
    complete_module(user=employee, module=factories.modules_of(done)[0])

    page = employee_client.get("/").content.decode()

    in_progress = page.split('id="in-progress-heading"')[1].split("</section>")[0]
    assert "Storytelling" in in_progress
    assert "50 % complete" in in_progress
    assert f'href="{second.url}"' in in_progress
    completed = page.split('id="completed-heading"')[1].split("</section>")[0]
    assert "Employer Branding" in completed
    assert "completed on" in completed
    recommended_section = page.split('id="recommended-heading"')[1].split("</section>")[0]
    assert recommended.title in recommended_section
    assert "Storytelling" not in recommended_section


def test_dashboard_hides_recommendations_the_learner_already_takes(
    employee_client, employee, course
):
    enrol(user=employee, course=course)
    page = employee_client.get("/").content.decode()
    assert 'id="recommended-heading"' not in page


def test_dashboard_leaves_out_unpublished_courses(employee_client, employee):
    course = factories.course(title="Withdrawn course")
    enrol(user=employee, course=course)
    course.unpublish()
    assert "Withdrawn course" not in employee_client.get("/").content.decode()


@pytest.mark.parametrize("enrolments", [1, 20])
def test_dashboard_query_count_does_not_grow(
    employee_client, employee, django_assert_max_num_queries, enrolments
):
    track = factories.track()
    for _ in range(enrolments):
        course = factories.course(track_=track, modules=3)
        complete_module(user=employee, module=factories.modules_of(course)[0])
    with django_assert_max_num_queries(20):
        response = employee_client.get("/")
    assert response.content.decode().count('class="progress-item') == enrolments


def test_catalog_filters_by_track_and_department(client, sales):
    social = factories.track(name="Social", slug="social")
    story = factories.track(name="Story", slug="story")
    factories.course(title="Selling on LinkedIn", track_=social, departments=(sales,))
    factories.course(title="Stories that stick", track_=story)
    catalog = factories.catalog()

    page = client.get(catalog.url, {"track": "social"}).content.decode()
    assert "Selling on LinkedIn" in page and "Stories that stick" not in page

    page = client.get(catalog.url, {"department": "sales"}).content.decode()
    assert "Selling on LinkedIn" in page and "Stories that stick" not in page


def test_catalog_reports_unknown_filter_values(client, course):
    response = client.get(factories.catalog().url, {"track": "no-such-track"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "Social Selling Basics" in page


def test_catalog_redirect(client):
    response = client.get("/learn/catalog/")
    assert response.status_code == 302
    assert response["Location"] == factories.catalog().url


def test_catalog_query_count_is_bounded(client, django_assert_max_num_queries):
    for _ in range(10):
        factories.course(modules=0)
    url = factories.catalog().url
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200
