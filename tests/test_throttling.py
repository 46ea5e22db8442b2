"""Throttling: sign-in lockouts (django-axes) and the KPI API's rate limits.

Lockouts are stored in the database, so they hold for every gunicorn worker; the tests
clear the cache in between to show that nothing lives there or in process memory.
"""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from lms.people import lockouts, roles
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
SITE_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
LOCKOUTS = "/admin/people/lockouts/"
OFFICE = "203.0.113.7"

LOCKED = {
    "en": "Too many failed sign-in attempts: this account is locked on this network",
    "de": "Zu viele fehlgeschlagene Anmeldeversuche: Dieses Konto ist in diesem Netz",
}
WRONG_PASSWORD = {
    "en": "Please enter a correct username and password",
    "de": "Bitte einen gültigen Benutzernamen und ein Passwort eingeben",
}


def visitor(language: str = "en", address: str = OFFICE) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str, url: str = SITE_LOGIN):
    return client.post(url, {"username": username, "password": password})


def signed_in_as(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def fail(client: Client, username: str, times: int, url: str = SITE_LOGIN):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", url)
    return response


@pytest.fixture
def admin(db):
    return factories.user(username="alex", groups=(roles.ADMINS,))


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


class TestSiteLogin:
    def test_five_failures_lock_the_account_even_for_the_right_password(self, employee):
        assert settings.AXES_FAILURE_LIMIT == 5
        client = visitor()
        for attempt in range(1, settings.AXES_FAILURE_LIMIT):
            response = sign_in(client, "emma", "wrong-password")
            assert response.status_code == 200, attempt
            assert WRONG_PASSWORD["en"] in response.content.decode()

        response = sign_in(client, "emma", "wrong-password")
        assert response.status_code == 429
        assert LOCKED["en"] in response.content.decode()
        assert 0 < int(response["Retry-After"]) <= 15 * 60

        cache.clear()  # the count is not kept in the cache
        response = sign_in(client, "emma", PASSWORD)
        assert response.status_code == 429
        page = response.content.decode()
        assert LOCKED["en"] in page and "15 more minutes" in page
        assert '<form method="post"' in page, "the login form is shown again"
        assert signed_in_as(client) is None
        assert visitor().get("/", follow=True).wsgi_request.user.is_anonymous

    @pytest.mark.parametrize("url", [SITE_LOGIN, ADMIN_LOGIN])
    def test_a_username_longer_than_any_is_refused_not_a_server_error(self, db, url):
        # django-axes' username column holds 255 characters; PostgreSQL refused a longer
        # one with a database error (a 500) before the username was cut to it.
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            response = sign_in(visitor(), "x" * 100_000, "wrong-password", url)
            assert response.status_code in (200, 429)
        assert all(len(attempt.username) <= 255 for attempt in AccessAttempt.objects.all())

    def test_a_long_username_is_counted_under_its_first_255_characters(self, db):
        response = fail(visitor(), "x" * 100_000, settings.AXES_FAILURE_LIMIT)
        assert response.status_code == 429
        assert AccessAttempt.objects.get().username == "x" * 255

    @pytest.mark.parametrize("language", ["de", "en"])
    def test_the_lockout_message_speaks_the_visitors_language(self, employee, language):
        response = fail(visitor(language), "emma", settings.AXES_FAILURE_LIMIT)
        assert response.status_code == 429
        page = response.content.decode()
        assert LOCKED[language] in page
        other = "de" if language == "en" else "en"
        assert LOCKED[other] not in page

    def test_another_address_and_another_person_can_still_sign_in(self, employee, manager):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        assert sign_in(visitor(), "emma", PASSWORD).status_code == 429

        # Emma from home: another address.
        home = visitor(address="198.51.100.20")
        assert sign_in(home, "emma", PASSWORD).status_code == 302
        assert signed_in_as(home) == str(employee.pk)
        # A colleague in the same office, behind the same NAT address.
        colleague = visitor()
        assert sign_in(colleague, "mark", PASSWORD).status_code == 302
        assert signed_in_as(colleague) == str(manager.pk)

    def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(self, employee):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        forged = visitor()
        response = forged.post(
            SITE_LOGIN,
            {"username": "emma", "password": PASSWORD},
            HTTP_X_FORWARDED_FOR="192.0.2.99",
        )
        assert response.status_code == 429

    def test_behind_our_proxy_the_address_it_saw_counts(self, employee, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        balancer = "10.0.0.2"
        for _ in range(settings.AXES_FAILURE_LIMIT):
            visitor(address=balancer).post(
                SITE_LOGIN,
                {"username": "emma", "password": "wrong"},
                HTTP_X_FORWARDED_FOR=f"192.0.2.1, {OFFICE}",
            )
        assert AccessAttempt.objects.get().ip_address == OFFICE
        locked = visitor(address=balancer).post(
            SITE_LOGIN,
            {"username": "emma", "password": PASSWORD},
            HTTP_X_FORWARDED_FOR=f"192.0.2.2, {OFFICE}",
        )
        assert locked.status_code == 429, "the client cannot change the entry our proxy wrote"
        elsewhere = visitor(address=balancer).post(
            SITE_LOGIN,
            {"username": "emma", "password": PASSWORD},
            HTTP_X_FORWARDED_FOR="198.51.100.20",
        )
        assert elsewhere.status_code == 302

    def test_ipv6_addresses_of_one_line_count_together(self, employee):
        for number in range(settings.AXES_FAILURE_LIMIT):
            sign_in(visitor(address=f"2001:db8:1:2::{number + 1}"), "emma", "wrong")
        response = sign_in(visitor(address="2001:db8:1:2:ffff::9"), "emma", PASSWORD)
        assert response.status_code == 429
        assert sign_in(visitor(address="2001:db8:1:3::1"), "emma", PASSWORD).status_code == 302

    def test_a_successful_sign_in_clears_the_count(self, employee):
        client = visitor()
        fail(client, "emma", settings.AXES_FAILURE_LIMIT - 1)
        assert sign_in(client, "emma", PASSWORD).status_code == 302
        client.post("/accounts/logout/")
        response = fail(client, "emma", settings.AXES_FAILURE_LIMIT - 1)
        assert response.status_code == 200
        assert sign_in(client, "emma", PASSWORD).status_code == 302

    def test_the_lockout_ends_after_the_cool_off(self, employee):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        sign_in(visitor(), "emma", PASSWORD)  # refused; does not extend the lockout
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
        )
        client = visitor()
        assert sign_in(client, "emma", PASSWORD).status_code == 302
        assert signed_in_as(client) == str(employee.pk)

    def test_attempts_while_locked_do_not_extend_the_lockout(self, employee):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        started = timezone.now() - timedelta(minutes=10)
        AccessAttempt.objects.update(attempt_time=started)
        response = sign_in(visitor(), "emma", "wrong-again")
        assert response.status_code == 429
        assert 4 * 60 < int(response["Retry-After"]) <= 5 * 60
        assert AccessAttempt.objects.get().attempt_time == started

    def test_a_sign_in_stores_the_backend_that_loads_users(self, employee):
        # What the load test's pre-made sessions name, too.
        client = visitor()
        sign_in(client, "emma", PASSWORD)
        assert client.session[BACKEND_SESSION_KEY] == "lms.people.backends.RoleAwareModelBackend"
        assert client.get("/").wsgi_request.user == employee


class TestAdminLogin:
    @pytest.mark.parametrize("language", ["de", "en"])
    def test_the_admin_login_locks_too(self, admin, language):
        client = visitor(language)
        response = fail(client, "alex", settings.AXES_FAILURE_LIMIT - 1, ADMIN_LOGIN)
        assert response.status_code == 200
        assert LOCKED[language] not in response.content.decode()

        response = fail(client, "alex", 1, ADMIN_LOGIN)
        assert response.status_code == 429
        assert LOCKED[language] in response.content.decode()
        assert int(response["Retry-After"]) > 0

        response = sign_in(client, "alex", PASSWORD, ADMIN_LOGIN)
        assert response.status_code == 429
        assert LOCKED[language] in response.content.decode()
        assert signed_in_as(client) is None

    def test_failures_on_both_login_pages_count_together(self, admin):
        client = visitor()
        fail(client, "alex", 3, SITE_LOGIN)
        fail(client, "alex", settings.AXES_FAILURE_LIMIT - 3, ADMIN_LOGIN)
        assert sign_in(client, "alex", PASSWORD, SITE_LOGIN).status_code == 429


class TestUnlock:
    def test_an_admin_sees_the_lockout_and_unlocks_it(self, admin_client, employee):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        page = admin_client.get(LOCKOUTS)
        assert page.status_code == 200
        html = page.content.decode()
        assert "emma" in html and OFFICE in html

        response = admin_client.post(
            LOCKOUTS, {"username": "emma", "ip_address": OFFICE}, follow=True
        )
        assert response.status_code == 200
        assert "“emma” can sign in again." in response.content.decode()
        assert "No sign-in is locked out at the moment." in response.content.decode()
        client = visitor()
        assert sign_in(client, "emma", PASSWORD).status_code == 302
        assert signed_in_as(client) == str(employee.pk)

    def test_the_lockouts_page_speaks_german(self, admin, employee):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        admin.language = "de"
        admin.save(update_fields=["language"])
        client = Client()
        client.force_login(admin)
        html = client.get(LOCKOUTS).content.decode()
        assert "Gesperrte Anmeldungen" in html and "Entsperren" in html and "emma" in html

    def test_the_lockouts_page_is_in_the_settings_menu(self, admin_client):
        assert LOCKOUTS in admin_client.get("/admin/").content.decode()

    def test_an_admin_can_unlock_every_address_at_once(self, admin_client, employee):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        fail(visitor(address="198.51.100.20"), "emma", settings.AXES_FAILURE_LIMIT)
        admin_client.post(LOCKOUTS, {"username": "emma", "ip_address": ""})
        assert not AccessAttempt.objects.exists()

    def test_unlocking_nothing_says_so_and_a_bad_form_is_refused(self, admin_client, employee):
        response = admin_client.post(LOCKOUTS, {"username": "emma"}, follow=True)
        assert "was not locked out" in response.content.decode()
        response = admin_client.post(LOCKOUTS, {"ip_address": "not-an-address"}, follow=True)
        assert response.status_code == 200
        assert "Choose a lockout from the list to unlock." in response.content.decode()

    @pytest.mark.parametrize("role", [roles.TRAINERS, roles.EMPLOYEES])
    def test_others_cannot_see_or_unlock_lockouts(self, employee, role):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(factories.user(username="other", groups=(role,)))
        page = client.get(LOCKOUTS)
        assert page.status_code == 302 and "emma" not in page.content.decode()
        response = client.post(LOCKOUTS, {"username": "emma", "ip_address": OFFICE})
        assert response.status_code == 302
        assert sign_in(visitor(), "emma", PASSWORD).status_code == 429
        assert LOCKOUTS not in client.get("/admin/").content.decode()

    def test_the_command_unlocks_a_username(self, employee, capsys):
        fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
        assert sign_in(visitor(), "emma", PASSWORD).status_code == 429
        call_command("axes_reset_username", "emma")
        assert sign_in(visitor(), "emma", PASSWORD).status_code == 302


def test_a_lockout_outside_the_login_forms_gets_a_page_of_its_own(employee):
    fail(visitor(), "emma", settings.AXES_FAILURE_LIMIT)
    request = RequestFactory().post(SITE_LOGIN, {"username": "emma"}, REMOTE_ADDR=OFFICE)
    request.axes_ip_address = OFFICE
    # As django-axes' middleware calls it under ASGI: the credentials in the response's place.
    response = lockouts.lockout_response(request, {"username": "emma"})
    assert response.status_code == 429
    assert LOCKED["en"] in response.content.decode()
    assert int(response["Retry-After"]) > 0


# --------------------------------------------------------------------------- the API


@pytest.fixture
def token():
    return factories.kpi_token(name="CRM")


def post_kpis(raw: str, address: str = OFFICE, language: str = "en"):
    return Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address).post(
        reverse("api_kpis"), [], content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )


FAILED_AUTH_LIMIT = 5
TOKEN_LIMIT = 20


@pytest.fixture(autouse=True)
def api_rates(settings):
    # Smaller than the defaults, to keep the tests short; the mechanism is the same.
    settings.API_FAILED_AUTH_RATE = f"{FAILED_AUTH_LIMIT}/10m"
    settings.API_TOKEN_RATE = f"{TOKEN_LIMIT}/m"


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """django-ratelimit counts in fixed windows; a slow run whose requests straddle the end
    of one would start counting again and never reach the limit. Its clock stands still
    while a test counts."""
    now = float(int(time.time()))
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


class TestApiRateLimits:
    def test_guessing_tokens_is_cut_off_with_429_and_retry_after(self, token):
        _issued, raw = token
        limit = FAILED_AUTH_LIMIT
        for attempt in range(limit):
            assert post_kpis(f"guess-{attempt}").status_code == 403, attempt

        response = post_kpis("guess-again")
        assert response.status_code == 429
        seconds = int(response["Retry-After"])
        assert 0 < seconds <= 10 * 60
        body = response.json()
        assert body["retry_after"] == seconds
        assert "Too many requests with an unknown or deactivated token" in body["error"]
        # While cut off, even the right token learns nothing from this address.
        assert post_kpis(raw).status_code == 429
        # Other clients are not affected.
        assert post_kpis(raw, address="198.51.100.20").status_code == 400  # empty import

    def test_the_429_speaks_german_too(self, token):
        for attempt in range(FAILED_AUTH_LIMIT + 1):
            response = post_kpis(f"guess-{attempt}", language="de")
        assert response.status_code == 429
        assert "Zu viele Anfragen mit einem unbekannten" in response.json()["error"]

    def test_a_deactivated_token_counts_as_a_failure(self, token):
        issued, raw = token
        issued.revoke()
        for _ in range(FAILED_AUTH_LIMIT):
            assert post_kpis(raw).status_code == 403
        assert post_kpis(raw).status_code == 429

    def test_a_flood_from_a_valid_token_is_cut_off(self, token):
        _issued, raw = token
        limit = TOKEN_LIMIT
        for request in range(limit):
            assert post_kpis(raw).status_code == 400, request  # an empty import
        response = post_kpis(raw, address="198.51.100.20")
        assert response.status_code == 429, "counted per token, from any address"
        assert 0 < int(response["Retry-After"]) <= 60
        assert "This token sent too many requests" in response.json()["error"]

        _other, other_raw = factories.kpi_token(name="HR")
        assert post_kpis(other_raw).status_code == 400

    def test_a_missing_header_is_not_counted_as_a_guess(self, token):
        client = Client(REMOTE_ADDR=OFFICE)
        for _ in range(FAILED_AUTH_LIMIT + 5):
            assert client.post(reverse("api_kpis")).status_code == 401
        # A wrong token is refused with 403 as well, but counted.
        assert post_kpis("guess").status_code == 403
