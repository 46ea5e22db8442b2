"""Real-browser tests: Playwright driving Debian's Chromium against the live test server.

Run with `make e2e` (Chromium must be installed: apt-get install chromium). They are not
part of `make test`, which must run on machines without a browser.
"""

import os
from io import StringIO

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")

# Playwright's sync API runs an event loop; Django's async-safety check would refuse ORM
# calls made by the test code in the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def seeded(transactional_db, settings):
    settings.DEBUG = True
    call_command("seed_bootcamp", stdout=StringIO())
    settings.DEBUG = False


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server):
    """A logged-in page for a demo user, in German (the demo users' language)."""
    contexts = []

    def login(username: str, *, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "bootcamp-demo")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        return page

    yield login
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
