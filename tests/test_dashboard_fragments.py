"""The dashboard's success-story and course cards are kept as HTML under the content token
(lms.core.content_version.fragment), per language and site, in each process's memory:
a publish shows at the next request, German and English are kept apart, and nothing of
one learner reaches another (which cards show is the learner's; only each card's HTML
is shared). The second request makes fewer queries: no cover-image or URL work."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses import services as course_services
from lms.core import content_version
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from tests import factories

pytestmark = pytest.mark.django_db


def _story(title: str, slug: str) -> SuccessStoryPage:
    story = SuccessStoryPage(title=title, slug=slug, teaser="In a month")
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    return story


def _client(user, language="en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _section(html: str, heading: str) -> str:
    return html.split(f'id="{heading}"')[1].split("</section>")[0]


def _fragments() -> list[str]:
    return list(content_version._fragments)


@pytest.fixture
def recommended(sales):
    return factories.course(title="Recommended Selling", departments=(sales,))


def test_cards_are_kept_and_a_publish_shows_at_once(employee, recommended):
    story = _story("Leads doubled", "leads")
    client = _client(employee)
    first = client.get("/").content.decode()
    assert "Leads doubled" in _section(first, "stories-heading")
    assert "Recommended Selling" in _section(first, "recommended-heading")
    assert _fragments()
    again = client.get("/").content.decode()
    assert _section(again, "stories-heading") == _section(first, "stories-heading")
    assert _section(again, "recommended-heading") == _section(first, "recommended-heading")

    story.title = "Leads tripled"
    story.save_revision().publish()
    recommended.title = "Recommended Selling, revised"
    recommended.save_revision().publish()
    page = client.get("/").content.decode()
    assert "Leads tripled" in _section(page, "stories-heading")
    assert "Leads doubled" not in page
    assert "Recommended Selling, revised" in _section(page, "recommended-heading")


def test_german_and_english_are_kept_apart(employee, manager, recommended):
    _story("Leads doubled", "leads")
    english = _client(employee, "en").get("/").content.decode()
    german = _client(manager, "de").get("/").content.decode()
    english_again = _client(employee, "en").get("/").content.decode()
    assert "Success story" in _section(english, "stories-heading")
    assert "Erfolgsgeschichte" in _section(german, "stories-heading")
    assert "Success story" not in german
    assert _section(english_again, "stories-heading") == _section(english, "stories-heading")
    assert "3 modules" in _section(english, "recommended-heading")
    assert "3 Module" in _section(german, "recommended-heading")


def test_one_learners_cards_are_not_anothers(employee, manager, sales, recommended):
    other = factories.course(title="Other Recommended", departments=(sales,))
    course_services.enrol(user=manager, course=recommended)
    employee_page = _client(employee).get("/").content.decode()
    manager_page = _client(manager).get("/").content.decode()
    # Emma has started neither course: both recommended. Mark started one: only the other.
    assert "Recommended Selling" in _section(employee_page, "recommended-heading")
    assert "Other Recommended" in _section(employee_page, "recommended-heading")
    recommended_for_manager = _section(manager_page, "recommended-heading")
    assert "Other Recommended" in recommended_for_manager
    assert "Recommended Selling" not in recommended_for_manager
    # Nothing learner-specific is kept: no learner's name or progress in a fragment.
    kept = list(content_version._fragments.values())
    assert kept
    assert not any("Emma" in value or "progress" in value for value in kept)
    assert other.title in "".join(kept)


def test_the_second_request_makes_fewer_queries(employee, recommended):
    _story("Leads doubled", "leads")
    client = _client(employee)
    client.get("/")
    content_version.forget()
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        client.get("/")  # the content and the highlights read, the cards rendered and kept
    assert _fragments()
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    assert len(second) < len(first)
    # The kept cards cost no query: dropping them changes nothing but the rendering.
    content_version._fragments.clear()
    with CaptureQueriesContext(connection) as rendered:
        client.get("/")
    assert len(second) == len(rendered)


def test_without_a_token_the_cards_are_rendered_each_time(client, recommended):
    _story("Leads doubled", "leads")
    page = client.get("/").content.decode()  # a visitor: no learner query, no token
    assert "Leads doubled" in page
    assert not _fragments()
