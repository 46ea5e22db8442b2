"""A learner's notifications in a browser: the bell, the list, marking read, e-mail choices."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_learner_reads_notifications_and_chooses_emails(seeded, page_for, live_server):
    from lms.notifications import selectors, services
    from lms.notifications.models import EmailPreference
    from lms.people.models import User

    emma = User.objects.get(username="employee")
    # The seed told Emma of her assignments and the guidelines to accept; one more, so
    # the list certainly has several entries.
    services.notify(
        kind="essay_marked",
        recipient=emma,
        key="e2e",
        params={"title": "Social-Selling-Check"},
        url="/quizzes/progress/",
        email=False,
    )
    unread = selectors.unread_count(user=emma)
    assert unread >= 2

    page = page_for("employee")
    bell = page.locator("header a.bell")
    expect(bell.locator(".bell__count")).to_have_text(str(unread))
    expect(bell).to_contain_text(f"{unread} ungelesene Benachrichtigungen")

    submit(page, bell)
    expect(page.locator("h1")).to_have_text("Benachrichtigungen")
    expect(page.locator("main")).to_contain_text(
        "Ihre Freitextantwort in „Social-Selling-Check“ wurde bewertet."
    )
    assert_accessible(page, "the notification list")
    screenshot(page, "notifications")

    submit(page, page.locator("main li.notification--unread button").first)
    expect(page.locator("header .bell__count")).to_have_text(str(unread - 1))
    assert selectors.unread_count(user=emma) == unread - 1

    submit(page, page.get_by_role("button", name="Alle als gelesen markieren"))
    expect(page.locator("main .messages")).to_contain_text(
        "Alle Benachrichtigungen sind als gelesen markiert."
    )
    expect(page.locator("header .bell__count")).to_have_count(0)
    expect(page.locator("main li.notification--unread")).to_have_count(0)

    submit(page, page.get_by_role("link", name="E-Mail-Einstellungen"))
    expect(page.locator("h1")).to_have_text("Ihr Profil")
    expect(page.locator("main")).to_contain_text("employee@example.com")
    assert_accessible(page, "the profile page")
    essay = page.get_by_label("Freitextantwort bewertet")
    expect(essay).to_be_checked()
    essay.uncheck()
    submit(page, page.get_by_role("button", name="E-Mail-Einstellungen speichern"))
    expect(page.locator("main .messages")).to_contain_text(
        "Ihre E-Mail-Einstellungen wurden gespeichert."
    )
    expect(page.get_by_label("Freitextantwort bewertet")).not_to_be_checked()
    expect(page.get_by_label("Neue Zuweisung")).to_be_checked()
    assert EmailPreference.objects.get(user=emma, kind="essay_marked").email is False
    assert selectors.wants_email(user=emma, kind="assignment_received")
