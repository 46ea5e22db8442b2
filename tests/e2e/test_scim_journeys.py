"""Settings › SCIM tokens in a browser: an admin issues a token, sees it once, revokes it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admin_issues_and_revokes_a_scim_token(seeded, page_for, live_server):
    from wagtail.models import APIToken

    page = page_for("admin")
    page.goto(f"{live_server.url}/admin/scim/tokens/")
    assert_accessible(page, "the SCIM token page")
    page.fill("#id_name", "Microsoft Entra ID")
    submit(page, "main form button[type=submit]")
    raw = page.locator("#raw-token").input_value()
    assert raw.startswith("wagtail_")
    expect(page.locator("#scim-url")).to_have_value(f"{live_server.url}/scim/v2/")
    assert_accessible(page, "the SCIM token page with a new token")
    screenshot(page, "scim-token-issued")
    token = APIToken.objects.get(name="Microsoft Entra ID")
    assert token.key_hash == APIToken.hash_token(raw)

    page.goto(f"{live_server.url}/admin/scim/tokens/")
    row = page.locator("#tokens tbody tr", has_text="Microsoft Entra ID")
    submit(page, row.locator("button[type=submit]"))
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Revoked: no button any more, the token's start still shown to tell it apart.
    row = page.locator("#tokens tbody tr", has_text="Microsoft Entra ID")
    expect(row.locator("button")).to_have_count(0)
    expect(row).to_contain_text(token.prefix)
