"""The course page, the module page and the dashboard are the HTML main rendered, byte for
byte, in English and German, for learners in every state: not started, started (modules
done, open and current), completed, and held back by a guideline to accept first
(locked); with an optional module, a quiz's badge and titles that need escaping.

The expected pages are fixtures written from main before the outline tags and the
dashboard fragments (tests/fixtures/learner_pages/); what differs from one run to the
next (CSRF tokens, ids, the factories' numbered slugs) is replaced before comparing.
LEARNER_MARKUP_WRITE=1 writes the fixtures anew from the code as it is.
"""

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from courses import services as course_services
from courses.models import CoursePage, Enrollment, ModuleCompletion, ModulePage, Track
from lms.people.models import Department
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "learner_pages"
WRITE = os.environ.get("LEARNER_MARKUP_WRITE") == "1"
WHEN = timezone.make_aware(datetime(2026, 3, 14, 9, 30))


def _course(*, title: str, slug: str, track: Track, departments=(), guidelines=()) -> CoursePage:
    page = CoursePage(
        title=title,
        slug=slug,
        track=track,
        summary=f"What {title} teaches.",
        live=True,
        first_published_at=WHEN,
        last_published_at=WHEN,
    )
    page.target_departments.set(departments)
    page.required_guidelines.set(guidelines)
    factories._add_child(factories.catalog(), page)
    return page


def _module(course, *, title, slug, required=True, quiz=None, intro="") -> ModulePage:
    page = ModulePage(
        title=title,
        slug=slug,
        intro=intro,
        estimated_minutes=12,
        required=required,
        quiz=quiz,
        live=True,
        first_published_at=WHEN,
        last_published_at=WHEN,
        body=json.dumps([{"type": "paragraph", "value": f"<p>Body of {title}.</p>"}]),
    )
    factories._add_child(course, page)
    return page


@pytest.fixture
def site(sales):
    research = factories.department(name="R&D <Labs>", slug="rnd")
    track = Track.objects.create(name="Social & <Selling>", slug="social", colour="teal")
    quiz = factories.quiz(title="Check <it>", slug="check-it")
    guideline = factories.guideline(title="Posting rules")
    course = _course(
        title="Selling & <Sharing>", slug="selling", track=track, departments=(sales, research)
    )
    modules = [
        _module(course, title="Start <here>", slug="start", intro="First & foremost"),
        _module(course, title="Profiles", slug="profiles", quiz=quiz),
        _module(course, title='Extra "reading"', slug="extra", required=False),
        _module(course, title="Posting", slug="posting"),
    ]
    gated = _course(title="Gated", slug="gated", track=track, guidelines=(guideline,))
    gated_modules = [_module(gated, title="Locked one", slug="locked-one")]
    other = _course(
        title="Recommended course", slug="recommended", track=track, departments=(sales,)
    )
    _module(other, title="Only", slug="only")
    story = SuccessStoryPage(title="Leads <doubled>", slug="leads", teaser="In a month & more")
    SuccessStoryIndexPage.objects.get().add_child(instance=story)
    story.save_revision().publish()
    return {
        "course": course,
        "modules": modules,
        "gated": gated,
        "gated_modules": gated_modules,
        "research": research,
    }


def _learners(site, sales):
    course, modules = site["course"], site["modules"]
    fresh = factories.user(username="fresh", first_name="Fresh <one>", department=sales)
    started = factories.user(username="started", first_name="Stella", department=site["research"])
    done = factories.user(username="done", first_name="Dana", department=sales)
    for module in modules[:1]:
        course_services.complete_module(user=started, module=module)
    course_services.complete_module(user=started, module=modules[2])
    for module in (modules[0], modules[1], modules[3]):
        ModuleCompletion.objects.create(user=done, module=module)
    course_services.complete_module(user=done, module=modules[3])
    Enrollment.objects.filter(user=done, course=course).update(completed_at=WHEN)
    Enrollment.objects.update(enrolled_at=WHEN)
    ModuleCompletion.objects.update(completed_at=WHEN)
    return {"fresh": fresh, "started": started, "done": done}


def _normalise(html: str, names: dict[int, str]) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r"guideline-\d+", "guideline-N", html)

    def ids(attribute: re.Match) -> str:  # in links and form actions only, not in dates
        return re.sub(
            r"/(\d+)/", lambda match: f"/<{names.get(int(match[1]), '?')}>/", attribute[0]
        )

    html = re.sub(
        r'(type="hidden" name="\w+" value=")(\d+)"',
        lambda match: f'{match[1]}<{names.get(int(match[2]), "?")}>"',
        html,
    )
    return re.sub(r'(?:href|action)="[^"]*"', ids, html)


def _pages(site, learners) -> dict[str, str]:
    names = {site["course"].pk: "course", site["gated"].pk: "gated"}
    names.update({module.pk: module.slug for module in site["modules"]})
    names.update({module.pk: module.slug for module in site["gated_modules"]})
    course, modules = site["course"], site["modules"]
    pages = {}
    for language in ("en", "de"):
        for name, user in learners.items():
            user.language = language
            user.save(update_fields=["language"])
            client = Client()
            client.force_login(user)
            paths = {"dashboard": "/", "course": course.url, "gated": site["gated"].url}
            if name != "fresh":
                paths.update({f"module-{module.slug}": module.url for module in modules})
            for page, path in paths.items():
                response = client.get(path)
                assert response.status_code == 200, (language, name, page)
                pages[f"{language}-{name}-{page}"] = _normalise(response.content.decode(), names)
            response = client.get(site["gated_modules"][0].url)
            assert response.status_code == 302  # locked: accept the guideline first
    return pages


def test_learner_pages_are_mains_html_byte_for_byte(site, sales):
    pages = _pages(site, _learners(site, sales))
    if WRITE:
        FIXTURES.mkdir(parents=True, exist_ok=True)
        for name, html in pages.items():
            (FIXTURES / f"{name}.html").write_text(html)
    expected = {path.stem: path.read_text() for path in FIXTURES.glob("*.html")}
    assert sorted(pages) == sorted(expected)
    for name, html in pages.items():
        assert html == expected[name], name
    # The states are there to compare: locked, done, current, open, optional, a quiz.
    assert "Before you start" in pages["en-fresh-gated"]
    assert "Bevor Sie beginnen" in pages["de-fresh-gated"]
    assert 'aria-current="page"' in pages["en-started-module-profiles"]
    assert "is-done" in pages["en-started-course"]
    assert "quiz-badge" in pages["en-started-course"]
    assert "Selling &amp; &lt;Sharing&gt;" in pages["en-done-dashboard"]
    assert Department.objects.count() == 2
