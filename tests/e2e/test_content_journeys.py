"""Content and learner pages in a browser (German UI, demo content): cancelling a workshop
booking asks first, the dashboard after a finished course, the LinkedIn course's cover."""

from datetime import timedelta
from urllib.parse import unquote, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINKEDIN_COURSE = "/kurse/linkedin-fuer-fuehrungskraefte/"


def test_cancelling_a_booking_asks_first(seeded, page_for, live_server):
    from lms.assignments.services import assign
    from lms.people.models import User
    from lms.workshops import services
    from lms.workshops.models import Booking, WorkshopPage, WorkshopSession

    # As in the main journey: the manager assigned Emma the LinkedIn workshop, so she may book.
    employee = User.objects.get(username="employee")
    workshop = WorkshopPage.objects.get(slug="linkedin-workshop-fuehrungskraefte")
    assign(
        assigned_by=User.objects.get(username="manager"),
        assignees=[employee],
        item=workshop,
        due_date=timezone.localdate() + timedelta(days=30),
    )
    session = (
        WorkshopSession.objects.filter(workshop=workshop, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    booking = services.book_session(user=employee, session=session)

    page = page_for("employee")
    page.goto(f"{live_server.url}{workshop.url}")
    expect(page.locator("h1")).to_have_text(workshop.title)
    submit(page, page.locator(".workshop-booking").get_by_role("link", name="Buchung stornieren"))

    # A page of its own asks; nothing is cancelled yet.
    expect(page.locator("h1")).to_have_text("Buchung stornieren?")
    assert_accessible(page, "the cancel confirmation")
    screenshot(page, "cancel-booking")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED

    # Keeping it goes back to the workshop, still booked.
    submit(page, page.get_by_role("link", name="Buchung behalten"))
    expect(page.locator(".workshop-booking .callout")).to_contain_text("Ihr Platz ist gebucht")

    # Confirming cancels.
    submit(page, page.locator(".workshop-booking").get_by_role("link", name="Buchung stornieren"))
    submit(page, page.get_by_role("button", name="Ja, Buchung stornieren"))
    expect(page.locator("main .messages")).to_contain_text("Ihre Buchung ist storniert.")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_dashboard_after_finishing_a_course(seeded, page_for, live_server):
    from courses.models import CoursePage, Enrollment, ModuleCompletion, ModulePage
    from lms.people.models import User

    employee = User.objects.get(username="employee")
    course = CoursePage.objects.get(slug="storytelling-b2b")
    done = timezone.now() - timedelta(days=1)
    Enrollment.objects.create(user=employee, course=course, completed_at=done)
    ModuleCompletion.objects.bulk_create(
        ModuleCompletion(user=employee, module=module, completed_at=done)
        for module in ModulePage.objects.child_of(course).live()
    )

    page = page_for("employee")
    sections = page.locator("main section.dashboard-section")
    # Documents to accept come first.
    expect(sections.first).to_have_attribute("aria-labelledby", "guidelines-heading")
    learning = page.locator("section[aria-labelledby=in-progress-heading]")
    expect(learning).to_contain_text("Sie haben alle begonnenen Kurse abgeschlossen.")
    expect(learning).not_to_contain_text("Sie haben noch keinen Kurs begonnen.")
    expect(page.locator("section[aria-labelledby=completed-heading]")).to_contain_text(course.title)
    assert_accessible(page, "the dashboard after a finished course")
    screenshot(page, "dashboard-finished")


def serve_media(route) -> None:
    """Images from the file storage (in memory under test): the live test server runs without
    DEBUG, so it does not serve MEDIA_URL itself."""
    from django.core.files.storage import default_storage

    name = unquote(urlparse(route.request.url).path.removeprefix("/media/"))
    if default_storage.exists(name):
        with default_storage.open(name) as file:
            route.fulfill(body=file.read(), content_type="image/png")
    else:
        route.continue_()


def test_leaders_course_cover(seeded, page_for, live_server):
    page = page_for("manager")
    page.route("**/media/images/**", serve_media)
    page.goto(f"{live_server.url}{LINKEDIN_COURSE}")
    expect(page.locator("h1")).to_have_text("LinkedIn für Führungskräfte: sichtbar führen")
    cover = page.locator("img.course__image")
    expect(cover).to_be_visible()
    page.wait_for_function(
        "() => { const image = document.querySelector('img.course__image');"
        " return image.complete && image.naturalWidth > 0; }",
        timeout=10_000,
    )
    expect(page.locator(".course__header .meta")).to_contain_text("4 Module")
    assert_accessible(page, "the LinkedIn course page")
    screenshot(page, "leaders-cover")
