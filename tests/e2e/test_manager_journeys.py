"""A manager's team view in the browser: reminding someone, and the page on a phone."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STORYTELLING = "Storytelling im B2B: Geschichten statt Produktlisten"


def test_manager_reminds_an_overdue_colleague(seeded, page_for):
    page = page_for("manager")
    submit(page, page.locator(".site-nav").get_by_role("link", name="Mein Team"))
    # The demo's history: Miriam's Storytelling course is overdue.
    page.get_by_label("Nur überfällige").check()
    submit(page, page.get_by_role("button", name="Filtern"))
    miriam = page.locator(".team-table tbody tr", has_text="Miriam Vogt")
    expect(miriam).to_contain_text("überfällig")
    assert_accessible(page, "the team view with remind buttons")

    remind = page.get_by_role("button", name=re.compile(f"Miriam Vogt: {STORYTELLING}"))
    mail.outbox.clear()  # the seed's own notification e-mails
    submit(page, remind)
    expect(page).to_have_url(re.compile(r"/team/\?(item=&)?overdue=on$"))
    expect(page.locator("main .messages")).to_contain_text(
        f"Miriam Vogt wurde per E-Mail an „{STORYTELLING}“ erinnert."
    )
    [message] = mail.outbox
    assert message.to == ["m.vogt@example.com"]
    assert message.subject == f"Erinnerung: „{STORYTELLING}“"
    assert "Markus Manager erinnert Sie an" in message.body
    assert_accessible(page, "the team view after a reminder")
    screenshot(page, "team-remind")

    # A second press the same day sends nothing and says why.
    remind = page.get_by_role("button", name=re.compile(f"Miriam Vogt: {STORYTELLING}"))
    with page.expect_navigation() as navigation:
        remind.click()
    assert navigation.value.status == 429
    expect(page.locator("h1")).to_have_text("Keine Erinnerung gesendet")
    expect(page.locator("main [role=alert]")).to_contain_text("heute bereits")
    assert_accessible(page, "the refused reminder")
    submit(page, page.get_by_role("link", name="Zurück zu meinem Team"))
    expect(page).to_have_url(re.compile(r"/team/\?(item=&)?overdue=on$"))
    assert len(mail.outbox) == 1

    # The guidelines of the team are one click away in the navigation.
    submit(page, page.locator(".site-nav").get_by_role("link", name="Richtlinien im Team"))
    expect(page.locator("h1")).to_have_text("Richtlinien in meinem Team")


def test_team_view_fits_a_phone(seeded, page_for, live_server):
    page = page_for("manager", width=375)
    page.goto(f"{live_server.url}/team/")
    expect(page.locator("h1")).to_have_text("Mein Team")
    widths = page.evaluate(
        """() => ({
            page: document.scrollingElement.scrollWidth,
            filter: document.querySelector(".filter-form").getBoundingClientRect().width,
        })"""
    )
    # What sticks out, to name it when the assertion fails (a wide table scrolls inside).
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > 376)
            .filter((el) => !el.closest(".table-scroll"))
            .slice(0, 10)
            .map((el) => `${el.tagName}.${el.className}`)"""
    )
    assert widths["page"] <= 375, (widths, wide)
    assert widths["filter"] <= 375 - 2 * 16, widths  # inside the container's margins
    assert_accessible(page, "the team view on a phone")
    screenshot(page, "team-phone")
