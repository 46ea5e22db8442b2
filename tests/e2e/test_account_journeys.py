"""Local accounts in a browser: the profile's name and language, a password change, and a
forgotten password set again through the e-mailed link."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_PASSWORD = "Neues-Passwort-fuer-Emma-2026"


def change_password(page, *, old: str) -> None:
    page.fill("#id_old_password", old)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    submit(page, page.get_by_role("button", name="Change password"))


def test_learner_renames_switches_language_and_changes_password(seeded, page_for, live_server):
    page = page_for("employee")
    page.goto(f"{live_server.url}{reverse('notifications:profile')}")
    expect(page.locator("h1")).to_have_text("Ihr Profil")
    assert_accessible(page, "the profile")
    screenshot(page, "profile")
    page.fill("#id_last_name", "Berg-Müller")
    page.select_option("#id_language", "en")
    submit(page, page.get_by_role("button", name="Name und Sprache speichern"))
    expect(page.locator("main .messages")).to_contain_text(
        "Your name and language have been saved."
    )
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#id_last_name")).to_have_value("Berg-Müller")

    submit(page, page.get_by_role("link", name="Change your password"))
    expect(page.locator("h1")).to_have_text("Change your password")
    change_password(page, old="wrong")
    expect(page.locator("main .field-error")).to_contain_text("incorrectly")
    assert_accessible(page, "the password change with an error")
    change_password(page, old="bootcamp-demo")
    expect(page.locator("h1")).to_have_text("Password changed")
    assert_accessible(page, "the changed password")
    screenshot(page, "password-changed")


def test_a_forgotten_password_is_set_again_by_the_link(seeded, browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('login')}")
    submit(page, page.get_by_role("link", name="Passwort vergessen?"))
    expect(page.locator("h1")).to_have_text("Passwort vergessen?")
    assert_accessible(page, "the reset form")
    page.fill("#id_email", "employee@example.com")
    submit(page, page.get_by_role("button", name="Link senden"))
    expect(page.locator("h1")).to_have_text("Sehen Sie in Ihr Postfach")
    assert_accessible(page, "the reset sent page")

    # The seed has sent its own e-mails before.
    resets = [message for message in mail.outbox if "Passwort festlegen" in message.subject]
    assert len(resets) == 1 and resets[0].to == ["employee@example.com"]
    # The e-mail names WAGTAILADMIN_BASE_URL (http://testserver here), not the live server.
    found = re.search(r"http://testserver(/\S+/password/reset/\S+/)", resets[0].body)
    link = f"{live_server.url}{found.group(1)}"
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Neues Passwort festlegen")
    assert_accessible(page, "the new password form")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    submit(page, page.get_by_role("button", name="Passwort festlegen"))
    expect(page.locator("h1")).to_have_text("Passwort festgelegt")
    screenshot(page, "password-set")

    submit(page, page.locator("main").get_by_role("link", name="Anmelden"))
    page.fill("#id_username", "employee")
    page.fill("#id_password", NEW_PASSWORD)
    submit(page, "main button[type=submit]")
    expect(page.locator("header .user-menu")).to_be_visible()
    page.goto(link)
    expect(page.locator("main")).to_contain_text("Dieser Link gilt nicht mehr")
    context.close()
