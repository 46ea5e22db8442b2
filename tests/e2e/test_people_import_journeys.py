"""The admin imports people from an HR system's export in a real browser (German UI)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PERSONIO_EXPORT = Path(__file__).parents[1] / "fixtures" / "hr" / "personio_de.csv"


def test_admin_imports_a_personio_export_with_a_dry_run_first(seeded, page_for, live_server):
    from lms.people.models import User

    page = page_for("admin")
    page.goto(f"{live_server.url}/admin/people/import/")
    expect(page.get_by_label("Probelauf")).to_be_checked()
    assert_accessible(page, "the people import's upload form")
    page.locator("select[name=hr_format]").select_option("personio")
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "Personio Export.csv",
                "mimeType": "text/csv",
                "buffer": PERSONIO_EXPORT.read_bytes(),
            }
        ]
    )
    submit(page, page.get_by_role("button", name="Hochladen"))
    expect(page.locator("main h2")).to_contain_text("Probelauf: Was der Import ändern würde")
    expect(page.locator("#import-changes tbody tr")).to_have_count(4)
    expect(page.locator("#import-changes tbody")).to_contain_text("juergen.weiss")
    expect(page.locator("#import-new-departments")).to_contain_text("Büro")
    assert_accessible(page, "the people import's dry run")
    assert not User.objects.filter(employee_id="1001").exists()

    submit(page, page.get_by_role("button", name="Jetzt importieren"))
    expect(page.locator("main h2")).to_contain_text("Import abgeschlossen")
    assert_accessible(page, "the people import's result")
    juergen = User.objects.get(employee_id="1001")
    assert (juergen.last_name, juergen.department.name) == ("Weiß", "Büro")
    assert juergen.manager == User.objects.get(employee_id="1003")
