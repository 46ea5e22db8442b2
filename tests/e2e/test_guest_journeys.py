"""A customer's guest in a browser: their start page, their profile, and a closed door for an
internal address (issue #18, item 3)."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from lms.people import services
from lms.people.models import CustomerOrganisation
from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def german(text: str) -> str:
    with translation.override("de"):
        return translation.gettext(text)


def test_a_guest_sees_their_start_page_and_nothing_internal(seeded, page_for, live_server):
    organisation = CustomerOrganisation.objects.create(name="Kunde GmbH")
    services.create_guest(
        organisation=organisation,
        email="gast@kunde.example",
        first_name="Gabi",
        last_name="Gast",
        language="de",
        password="bootcamp-demo",
    )
    page = page_for("gast@kunde.example")
    # Signed in, the site root sends a guest to their start page.
    expect(page).to_have_url(f"{live_server.url}{reverse('guest_home')}")
    expect(page.locator("h1")).to_have_text(german("Your bootcamps"))
    expect(page.locator("main")).to_contain_text(german("You are not in a bootcamp yet."))
    navigation = page.get_by_role("navigation", name=german("Main navigation"))
    expect(navigation.get_by_role("link")).to_have_count(1)
    assert_accessible(page, "the guest's start page")
    screenshot(page, "guest-start")

    page.locator(".user-menu__toggle").click()
    page.get_by_role("link", name=german("Profile")).click()
    expect(page.locator("h1")).to_have_text(german("Your profile"))
    assert_accessible(page, "the guest's profile")

    response = page.goto(f"{live_server.url}{reverse('rollout:board')}")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text(german("Page not found"))
    assert_accessible(page, "an internal page, refused to a guest")
    page.get_by_role("link", name=german("Back to the start page")).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('guest_home')}")
