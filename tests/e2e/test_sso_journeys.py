"""Company sign-in in a browser: the login page's "Sign in with …" button, the provider's
own login page (a real OpenID provider on 127.0.0.1, tests/oidc_provider.py), back on the
dashboard as a new person; a cancelled sign-in's page; signing out at the provider too."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from lms.people.models import User
from lms.sso import provider as sso_provider
from tests.e2e.conftest import assert_accessible, screenshot, submit, watch_content_security_policy
from tests.oidc_provider import running_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def idp(settings):
    with running_provider() as running:
        settings.OIDC_ISSUER = running.url
        settings.OIDC_CLIENT_ID = "lms"
        settings.OIDC_CLIENT_SECRET = "lms-secret"
        settings.OIDC_PROVIDER_NAME = "Contoso"
        sso_provider.forget_discovery()
        yield running
        sso_provider.forget_discovery()


def test_a_new_colleague_signs_in_with_the_company_account_and_out_again(
    seeded, browser, live_server, idp
):
    idp.set_user(
        "lena-sub",
        email="lena.koenig@contoso.example",
        given_name="Lena",
        family_name="König",
        locale="de",
        department="Vertrieb",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    violations = watch_content_security_policy(context)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('login')}")
    expect(page.get_by_role("link", name="Mit Contoso anmelden")).to_be_visible()
    assert_accessible(page, "the login page with company sign-in")
    screenshot(page, "login-company-sign-in")

    # Cancelled at the provider: our page says so and offers another try.
    submit(page, page.get_by_role("link", name="Mit Contoso anmelden"))
    submit(page, page.get_by_role("button", name="Deny"))
    expect(page.locator("h1")).to_have_text("Anmeldung fehlgeschlagen")
    expect(page.get_by_role("alert")).to_contain_text("abgebrochen")
    assert_accessible(page, "the failed sign-in")

    page.get_by_role("link", name="Erneut versuchen").click()
    page.wait_for_url(f"{idp.url}/oauth2/authorize?*")
    page.locator("input[name=sub][type=text]").fill("lena-sub")
    submit(page, page.get_by_role("button", name="Authorize"))
    expect(page.locator(".user-menu__name")).to_have_text("Lena König")
    assert page.url == f"{live_server.url}/"
    lena = User.objects.get(email="lena.koenig@contoso.example")
    assert lena.department.name == "Vertrieb" and lena.language == "de"

    page.locator(".user-menu__toggle").click()
    submit(page, page.get_by_role("button", name="Abmelden"))
    # The provider's end-session page, then back to the site, signed out.
    assert page.url.startswith(f"{idp.url}/oauth2/end_session")
    submit(page, page.get_by_role("button", name="End session"))
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    context.close()
    assert not violations, violations
