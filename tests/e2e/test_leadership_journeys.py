"""Leadership in a real browser at 1280 × 800: the whole rollout board, a one-line header for
every role with a wide menu, and the award's rules."""

import pytest

from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTH, HEIGHT = 1280, 800


def login(browser, live_server, username):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="de-DE")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "bootcamp-demo")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def header_lines(page) -> dict:
    """The header bar's inner height and the height of one line of its nav links."""
    return page.evaluate(
        """() => {
            const inner = document.querySelector('.site-header__inner');
            const links = [...document.querySelectorAll('.site-nav a')];
            const tops = new Set(links.map(a => Math.round(a.getBoundingClientRect().top)));
            const tools = document.querySelector('.site-header__tools').getBoundingClientRect();
            const brand = document.querySelector('.brand').getBoundingClientRect();
            return {
                linkRows: tops.size,
                height: inner.getBoundingClientRect().height,
                toolsTop: Math.round(tools.top), brandTop: Math.round(brand.top),
                toolsBottom: tools.bottom, brandBottom: brand.bottom,
                overflow: document.documentElement.scrollWidth - window.innerWidth,
                labels: links.map(a => a.textContent.trim()),
            };
        }"""
    )


@pytest.mark.parametrize("username", ["manager", "trainer", "admin"])
def test_the_header_is_one_line_at_1280(seeded, browser, live_server, username):
    page = login(browser, live_server, username)
    lines = header_lines(page)
    assert lines["linkRows"] == 1, lines
    # One line: the brand, the nav and the user menu side by side, nothing below them.
    assert lines["height"] < 60, lines
    assert abs(lines["toolsTop"] - lines["brandTop"]) < 20, lines
    assert lines["overflow"] <= 0, lines
    # The account menu opens without a script and holds the language and logging out.
    page.locator(".user-menu summary").click()
    panel = page.locator(".user-menu__panel")
    assert panel.get_by_role("button", name="Abmelden").is_visible()
    assert panel.locator("#language-select").is_visible()
    page.context.close()


def test_the_board_fits_1280_and_the_award_shows_its_rules(seeded, browser, live_server):
    page = login(browser, live_server, "admin")
    page.goto(f"{live_server.url}/rollout/")
    table = page.locator("table.rollout-board")
    assert table.is_visible()
    fit = page.evaluate(
        """() => {
            const scroller = document.querySelector('.rollout-board').closest('.table-scroll');
            const heads = [...document.querySelectorAll('.rollout-board thead th')];
            return {
                rights: heads.map(th => th.getBoundingClientRect().right),
                scrollerRight: scroller.getBoundingClientRect().right,
                scrolls: scroller.scrollWidth - scroller.clientWidth,
                page: document.documentElement.scrollWidth - window.innerWidth,
            };
        }"""
    )
    assert len(fit["rights"]) == 9  # the department and eight stages
    assert fit["scrolls"] <= 0, fit  # fits: no hidden column to scroll to
    assert max(fit["rights"]) <= min(WIDTH, fit["scrollerRight"] + 1), fit
    assert fit["page"] <= 0, fit
    lines = header_lines(page)
    assert lines["linkRows"] == 1 and lines["height"] < 60, lines

    stage_6 = table.locator("tbody tr", has=page.locator("th a", has_text="Sales")).locator("td")
    stage_6 = stage_6.nth(5)
    assert "Importierte Monate mit KPI-Daten" in stage_6.inner_text()
    assert "0 / 3" in stage_6.inner_text()
    kpis = page.locator("section[aria-labelledby=kpi-heading]")
    assert kpis.locator("svg.kpi-chart").count() >= 2  # Marketing's reach, HR's applications
    kpis.locator("details summary").first.click()
    assert kpis.locator("table.kpi-table").first.is_visible()
    assert_accessible(page, "the rollout board at 1280 px")
    screenshot(page, "rollout-board")

    page.goto(f"{live_server.url}/rollout/award/")
    rules = page.locator("section.award-rules")
    assert rules.is_visible()
    text = rules.inner_text()
    assert "Einmal im Jahr (Kalenderjahr)" in text
    assert "Personen aus der Abteilung Sales" in text
    assert "Im CRM zugeordnete Leads: je 10 Punkte" in text
    assert "Abgeschlossene Module" not in text
    assert_accessible(page, "the award page")
    screenshot(page, "award-rules")
    page.context.close()
