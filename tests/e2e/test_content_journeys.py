"""Content and learner pages in a browser (German UI, demo content): cancelling a workshop
booking asks first, the dashboard after a finished course, the LinkedIn course's cover."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINKEDIN_COURSE = "/kurse/linkedin-fuer-fuehrungskraefte/"


def submit(page, target) -> None:
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.click()


def test_cancelling_a_booking_asks_first(seeded, page_for, live_server):
    from lms.people.models import User
    from lms.workshops import services
    from lms.workshops.models import Booking, WorkshopPage, WorkshopSession

    employee = User.objects.get(username="employee")
    workshop = WorkshopPage.objects.get(slug="urgency-workshop-social-selling")
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


def test_leaders_course_cover(seeded, page_for, live_server):
    page = page_for("manager")
    page.goto(f"{live_server.url}{LINKEDIN_COURSE}")
    expect(page.locator("h1")).to_have_text("LinkedIn für Führungskräfte: sichtbar führen")
    cover = page.locator("img.course__image")
    expect(cover).to_be_visible()
    assert cover.evaluate("image => image.complete && image.naturalWidth > 0")
    expect(page.locator(".course__header .meta")).to_contain_text("4 Module")
    assert_accessible(page, "the LinkedIn course page")
    screenshot(page, "leaders-cover")
