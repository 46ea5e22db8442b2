"""Real-browser tests: Playwright driving Debian's Chromium against the live test server.

Run with `make e2e` (Chromium must be installed: apt-get install chromium). They are not
part of `make test`, which must run on machines without a browser.
"""

import os
from io import StringIO
from pathlib import Path

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
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# axe-core from the npm registry (package.json; `npm ci` puts it here, make e2e does that).
# It is injected into the page under test, so the checks need no CDN and no internet.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Violations that fail a test; "moderate" and "minor" ones are left to review.
BLOCKING_IMPACTS = ("serious", "critical")

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


# Reports every Content-Security-Policy violation of a page to the test, from before the
# page's own scripts run; a binding survives navigation, a variable in the page would not.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ` +
        `${document.location.pathname} (${event.sourceFile}:${event.lineNumber}) ` +
        `${event.sample || ""}`
    );
});
"""


def watch_content_security_policy(context) -> list[str]:
    """Collect CSP violations in every page of the context: the securitypolicyviolation
    events and Chromium's console errors about the policy (which name what was refused)."""
    violations: list[str] = []
    context.expose_binding("reportCspViolation", lambda _source, text: violations.append(text))
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.on("console", console)
    return violations


@pytest.fixture
def page_for(browser, live_server):
    """A logged-in page for a demo user, in German (the demo users' language).

    After the test, no page of the journey may have hit the Content-Security-Policy."""
    contexts = []
    watched: list[list[str]] = []  # the CSP violations of each user's browser context

    def login(username: str, *, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
        contexts.append(context)
        watched.append(watch_content_security_policy(context))
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
    found = [violation for context_violations in watched for violation in context_violations]
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def assert_accessible(page, what: str) -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `npm ci --no-audit --no-fund`")
    # Evaluated through DevTools, not added as an inline <script>, which the site's CSP
    # would (rightly) refuse.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (impacts) => {
            // Colours are checked as they end up: a banner that fades in (the admin's error
            // message) has a paler background for the first half second.
            await Promise.all(document.getAnimations()
                .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
                .map((animation) => animation.finished.catch(() => null)));
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations
                .filter((violation) => impacts.includes(violation.impact))
                .map((violation) => ({
                    id: violation.id,
                    impact: violation.impact,
                    help: violation.help,
                    targets: violation.nodes.map((node) => node.target.join(" ")),
                }));
        }""",
        list(BLOCKING_IMPACTS),
    )
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )
    assert not violations, f"axe-core: {what} ({page.url}) has violations:\n{report}"


def submit(page, target) -> None:
    """Click a link or submit button (a selector or a locator) and wait for the next page."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.click()
