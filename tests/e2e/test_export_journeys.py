"""The sign-off report in a browser: a department's people, and the downloads for German Excel."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admin_opens_a_departments_people_and_downloads_excel(seeded, page_for, live_server):
    from lms.people.models import Department

    sales = Department.objects.get(slug="sales")
    page = page_for("admin")
    page.goto(f"{live_server.url}/guidelines/reports/")
    expect(page.locator("h1")).to_have_text("Bericht zu Richtlinienbestätigungen")

    with page.expect_navigation():
        page.get_by_role("link", name=f"Personen in {sales.name}").first.click()
    people = page.locator("#people")
    expect(people.locator("h3")).to_have_text(f"Personen in {sales.name}")
    expect(people.locator("tbody")).to_contain_text("Emma Beispiel")
    expect(people.locator("tbody")).to_contain_text("Jonas Keller")
    expect(people.locator("tbody")).not_to_contain_text("Sophie Braun")  # Marketing
    assert_accessible(page, "the sign-off report with a department's people")
    screenshot(page, "signoff-report-people")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Bestätigungen als Excel-Datei für {sales.name}").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-sales.xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Benutzername", "Name", "E-Mail", "Abteilung", "Status")
    assert "employee" in {row[0] for row in rows[1:]}

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Bestätigungen als CSV für {sales.name}").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {row["Abteilung"] for row in table} == {sales.name}
    assert "employee" in {row["Benutzername"] for row in table}
