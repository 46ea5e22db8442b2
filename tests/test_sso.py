"""Company sign-in with OpenID Connect, end to end against a real provider on 127.0.0.1
(tests/oidc_provider.py): the site's redirects, the provider's login and its signed ID
token, the code exchange with PKCE, userinfo and RP-initiated logout."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from lms.people import roles
from lms.people.models import Department, User
from lms.sso import provider as sso_provider
from lms.sso.models import ExternalIdentity
from tests import factories
from tests.oidc_provider import path_of, query_of, running_provider

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def idp():
    with running_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def sso_settings(settings, idp):
    settings.OIDC_ISSUER = idp.url
    settings.OIDC_CLIENT_ID = "lms"
    settings.OIDC_CLIENT_SECRET = "lms-secret"
    settings.OIDC_PROVIDER_NAME = "Contoso"
    settings.OIDC_OP_TOKEN_ENDPOINT = ""
    settings.LMS_OIDC_GROUP_ROLES = {"lms-trainers": roles.TRAINERS, "lms-managers": roles.MANAGERS}
    sso_provider.forget_discovery()
    yield settings
    sso_provider.forget_discovery()


_subjects = iter(range(10**6))


def new_subject() -> str:
    # The provider lives for the whole module: every test signs in people of its own.
    return f"subject-{next(_subjects)}"


def start(client, next_url: str | None = None) -> str:
    response = client.get(reverse("sso:start"), {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def sign_in(client, idp, sub: str, next_url: str | None = None):
    """The whole round trip; returns the site's answer to the provider's redirect."""
    back = idp.authorize(start(client, next_url), sub=sub)
    assert back.startswith("http://testserver/accounts/sso/callback/")
    return client.get(path_of(back))


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


class TestHappyPath:
    def test_a_first_sign_in_creates_the_person_from_the_claims(self, client, idp):
        sub = new_subject()
        factories.department(name="Vertrieb", slug="vertrieb")
        idp.set_user(
            sub,
            email="juergen.weiss@contoso.example",
            email_verified=True,
            given_name="Jürgen",
            family_name="Weiß",
            preferred_username="juergen.weiss@contoso.example",
            locale="de-DE",
            department="Vertrieb",
            employee_id="E-100",
        )

        response = sign_in(client, idp, sub, next_url="/learn/")

        assert response.status_code == 302 and response["Location"] == "/learn/"
        user = signed_in_user(client)
        assert user is not None
        assert (user.first_name, user.last_name, user.email) == (
            "Jürgen",
            "Weiß",
            "juergen.weiss@contoso.example",
        )
        assert user.username == "juergen.weiss@contoso.example"
        assert user.language == "de"
        assert user.department.name == "Vertrieb"
        assert user.employee_id == "E-100"
        assert not user.has_usable_password()
        assert set(user.groups.values_list("name", flat=True)) == {roles.EMPLOYEES}
        assert ExternalIdentity.objects.get(user=user).subject == sub
        assert client.get(reverse("notifications:profile")).status_code == 200

    def test_the_flow_uses_pkce_state_and_nonce(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        authorize = query_of(start(client))
        assert authorize["code_challenge_method"] == "S256"
        assert authorize["state"] and authorize["nonce"]
        assert authorize["scope"] == "openid email profile"
        back = idp.authorize(idp.url + "/oauth2/authorize?" + _query(authorize), sub=sub)
        assert client.get(path_of(back)).status_code == 302

        verifier = idp.recorder.last("/oauth2/token")["code_verifier"]
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == authorize["code_challenge"]
        assert 43 <= len(verifier) <= 128

    def test_signing_in_again_is_the_same_person_and_follows_changed_claims(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example", given_name="Anna", family_name="Berg")
        sign_in(client, idp, sub)
        first = signed_in_user(client)
        client.logout()
        idp.set_user(sub, email=f"{sub}@contoso.example", given_name="Anna", family_name="Schmidt")

        sign_in(client, idp, sub)

        assert signed_in_user(client).pk == first.pk
        assert User.objects.filter(email=f"{sub}@contoso.example").count() == 1
        first.refresh_from_db()
        assert first.last_name == "Schmidt"

    def test_a_new_department_and_the_manager_come_from_the_claims(self, client, idp):
        boss = factories.user(username="boss", employee_id="E-1")
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example", department="Büro Nord", manager="E-1")

        sign_in(client, idp, sub)

        user = signed_in_user(client)
        assert user.manager == boss
        assert user.department == Department.objects.get(name="Büro Nord")
        assert user.department.slug == "buro-nord"


class TestRoles:
    def test_directory_groups_give_and_take_the_mapped_roles(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example", groups=["lms-trainers", "all-staff"])
        sign_in(client, idp, sub, next_url="/admin/")
        user = signed_in_user(client)
        assert set(user.groups.values_list("name", flat=True)) == {roles.EMPLOYEES, roles.TRAINERS}
        # Signed in through the provider into the Wagtail admin, as a trainer.
        assert client.get("/admin/").status_code == 200

        client.logout()
        idp.set_user(sub, email=f"{sub}@contoso.example", groups=["lms-managers"])
        sign_in(client, idp, sub)

        assert set(user.groups.values_list("name", flat=True)) == {roles.EMPLOYEES, roles.MANAGERS}
        assert client.get("/admin/").status_code == 302

    def test_no_groups_claim_changes_no_role(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example", groups=["lms-trainers"])
        sign_in(client, idp, sub)
        user = signed_in_user(client)
        client.logout()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        sign_in(client, idp, sub)
        assert set(user.groups.values_list("name", flat=True)) == {roles.EMPLOYEES, roles.TRAINERS}

    def test_roles_the_directory_does_not_manage_are_left_alone(self, client, idp):
        sub = new_subject()
        person = factories.user(
            username="leader",
            email=f"{sub}@contoso.example",
            groups=[roles.EMPLOYEES, roles.ADMINS],
        )
        idp.set_user(sub, email=f"{sub}@contoso.example", groups=[])
        sign_in(client, idp, sub)
        assert signed_in_user(client) == person
        assert set(person.groups.values_list("name", flat=True)) == {roles.EMPLOYEES, roles.ADMINS}


class TestLinking:
    def test_an_imported_person_is_linked_by_employee_id(self, client, idp):
        imported = factories.user(
            username="p.mueller", employee_id="4711", email="old@contoso.example"
        )
        sub = new_subject()
        idp.set_user(sub, email="petra.mueller@contoso.example", employee_id="4711")

        sign_in(client, idp, sub)

        assert signed_in_user(client) == imported
        imported.refresh_from_db()
        assert imported.email == "petra.mueller@contoso.example"
        assert imported.username == "p.mueller"
        assert ExternalIdentity.objects.get(user=imported).subject == sub

    def test_an_imported_person_is_linked_by_e_mail_once(self, client, idp):
        imported = factories.user(username="k.roth", email="Karla.Roth@contoso.example")
        sub, other = new_subject(), new_subject()
        idp.set_user(sub, email="karla.roth@contoso.example")
        sign_in(client, idp, sub)
        assert signed_in_user(client) == imported
        client.logout()

        # Another account at the provider with the same address is not given her account.
        idp.set_user(other, email="karla.roth@contoso.example", given_name="Mallory")
        response = sign_in(client, idp, other)

        assert response.status_code == 409
        assert "already linked" in response.content.decode()
        assert signed_in_user(client) is None
        imported.refresh_from_db()
        assert imported.first_name != "Mallory"
        assert ExternalIdentity.objects.filter(subject=other).count() == 0

    def test_an_unverified_address_links_nobody(self, client, idp):
        imported = factories.user(username="j.doe", email="j.doe@contoso.example")
        sub = new_subject()
        idp.set_user(sub, email="j.doe@contoso.example", email_verified=False)
        sign_in(client, idp, sub)
        assert signed_in_user(client) != imported
        assert ExternalIdentity.objects.filter(user=imported).count() == 0


def _query(values: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


class TestProviderErrors:
    def _nothing_changed(self, users_before: int) -> None:
        assert User.objects.count() == users_before
        assert ExternalIdentity.objects.count() == 0

    def test_denied_consent(self, client, idp):
        before = User.objects.count()
        back = idp.authorize(start(client), deny=True)
        assert query_of(back)["error"] == "access_denied"
        response = client.get(path_of(back))
        assert response.status_code == 403
        assert "cancelled or not allowed" in response.content.decode()
        self._nothing_changed(before)
        assert signed_in_user(client) is None

    def test_a_state_this_session_did_not_start(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        before = User.objects.count()
        back = idp.authorize(start(client), sub=sub)
        values = query_of(back)

        # Another browser (the victim of a login CSRF) gets the attacker's callback link.
        from django.test import Client

        response = Client().get(reverse("sso:callback"), values)
        assert response.status_code == 400
        assert "was not started here" in response.content.decode()
        # A made-up state in the right session is refused too.
        response = client.get(reverse("sso:callback"), {**values, "state": "forged"})
        assert response.status_code == 400
        self._nothing_changed(before)

    def test_a_used_or_expired_code(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        before = User.objects.count()
        back = idp.authorize(start(client), sub=sub)
        assert idp.redeem(query_of(back)["code"], "http://testserver/accounts/sso/callback/").ok

        response = client.get(path_of(back))

        assert response.status_code == 400
        assert "expired or was already used" in response.content.decode()
        self._nothing_changed(before)

    def test_a_token_from_an_unknown_issuer(self, client, idp, settings):
        # The token endpoint reached under another name issues tokens for that issuer.
        settings.OIDC_OP_TOKEN_ENDPOINT = (
            idp.url.replace("127.0.0.1", "localhost") + "/oauth2/token"
        )
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        before = User.objects.count()

        response = sign_in(client, idp, sub)

        assert response.status_code == 400
        assert "The answer did not come from this" in response.content.decode()
        self._nothing_changed(before)

    def test_a_deactivated_person_is_refused_and_left_unchanged(self, client, idp):
        person = factories.user(
            username="leaver", employee_id="L-1", first_name="Lena", is_active=False
        )
        sub = new_subject()
        idp.set_user(sub, employee_id="L-1", given_name="Changed", email=f"{sub}@contoso.example")

        response = sign_in(client, idp, sub)

        assert response.status_code == 403
        assert "deactivated" in response.content.decode()
        assert signed_in_user(client) is None
        person.refresh_from_db()
        assert person.first_name == "Lena" and person.email == ""
        assert ExternalIdentity.objects.count() == 0

    def test_a_person_deactivated_after_linking_is_refused(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        sign_in(client, idp, sub)
        person = signed_in_user(client)
        client.logout()
        User.objects.filter(pk=person.pk).update(is_active=False)

        response = sign_in(client, idp, sub)

        assert response.status_code == 403
        assert signed_in_user(client) is None

    def test_a_discovery_document_for_another_issuer_is_refused(self, client, settings, idp):
        settings.OIDC_ISSUER = "https://login.example.com"
        settings.OIDC_DISCOVERY_URL = idp.url + "/.well-known/openid-configuration"
        response = client.get(reverse("sso:start"))
        assert response.status_code == 503
        assert "cannot be reached" in response.content.decode()

    def test_a_provider_that_does_not_answer(self, client, settings):
        settings.OIDC_ISSUER = "http://127.0.0.1:9"
        response = client.get(reverse("sso:start"))
        assert response.status_code == 503

    def test_a_callback_without_code_or_with_junk(self, client):
        assert client.get(reverse("sso:callback")).status_code == 400
        assert (
            client.get(reverse("sso:callback"), {"code": "x" * 5000, "state": "\x00"}).status_code
            == 400
        )
        assert client.post(reverse("sso:callback")).status_code == 405

    def test_off_when_not_configured(self, client, settings):
        settings.OIDC_ISSUER = ""
        assert client.get(reverse("sso:start")).status_code == 404
        assert "Sign in with" not in client.get(reverse("login")).content.decode()


class TestLogout:
    def test_signing_out_ends_the_provider_session_too(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        sign_in(client, idp, sub)
        id_token = client.session["sso_id_token"]

        response = client.post(reverse("logout"))

        assert response.status_code == 302
        target = response["Location"]
        assert target.startswith(idp.url + "/oauth2/end_session?")
        assert query_of(target) == {
            "id_token_hint": id_token,
            "client_id": "lms",
            "post_logout_redirect_uri": "http://testserver/",
        }
        assert signed_in_user(client) is None
        # The provider's end-session page takes the request.
        ended = idp.recorder.requests
        import requests

        assert requests.get(target, timeout=5).status_code == 200
        assert ended[-1][0] == "/oauth2/end_session"

    def test_the_admin_sign_out_button_ends_it_as_well(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example", groups=["lms-trainers"])
        sign_in(client, idp, sub, next_url="/admin/")
        response = client.post(reverse("wagtailadmin_logout"))
        assert response["Location"].startswith(idp.url + "/oauth2/end_session?")
        assert signed_in_user(client) is None

    def test_a_password_session_signs_out_here_only(self, client, employee):
        client.force_login(employee)
        response = client.post(reverse("logout"))
        assert response["Location"] == "/"
        assert signed_in_user(client) is None

    def test_sign_out_needs_post(self, client, employee):
        client.force_login(employee)
        assert client.get(reverse("logout")).status_code == 405
        assert signed_in_user(client) == employee


class TestLoginPages:
    def test_both_login_pages_offer_the_company_sign_in(self, client):
        site = client.get(reverse("login"), {"next": "/learn/"}).content.decode()
        assert "Sign in with Contoso" in site
        assert reverse("sso:start") + "?next=/learn/" in site
        admin = client.get(reverse("wagtailadmin_login")).content.decode()
        assert "Sign in with Contoso" in admin
        assert reverse("sso:start") + "?next=/admin/" in admin

    def test_the_start_page_does_not_send_people_to_other_sites(self, client, idp):
        sub = new_subject()
        idp.set_user(sub, email=f"{sub}@contoso.example")
        response = sign_in(client, idp, sub, next_url="https://evil.example/")
        assert response["Location"] == "/"


class TestPasswordsOff:
    @pytest.fixture(autouse=True)
    def passwords_off(self, settings):
        settings.LMS_PASSWORD_LOGIN = False
        settings.LMS_PASSWORD_LOGIN_USERS = ["breakglass"]

    def test_only_the_break_glass_admin_signs_in_with_a_password(self, client):
        factories.user(username="anna", password="secret-pass-123")
        factories.user(username="breakglass", password="secret-pass-123", groups=[roles.ADMINS])

        refused = client.post(reverse("login"), {"username": "anna", "password": "secret-pass-123"})
        assert refused.status_code == 200
        assert "Please sign in with your company account." in refused.content.decode()
        assert signed_in_user(client) is None

        admin = client.post(
            reverse("wagtailadmin_login"), {"username": "anna", "password": "secret-pass-123"}
        )
        assert "Please sign in with your company account." in admin.content.decode()

        allowed = client.post(
            reverse("login"), {"username": "breakglass", "password": "secret-pass-123"}
        )
        assert allowed.status_code == 302
        assert signed_in_user(client).username == "breakglass"

    def test_no_reset_mail_and_no_password_change_for_company_accounts(self, client):
        anna = factories.user(username="anna", email="anna@contoso.example")
        factories.user(username="breakglass", email="root@contoso.example")
        client.post(reverse("password_reset"), {"email": "anna@contoso.example"})
        assert mail.outbox == []
        client.post(reverse("password_reset"), {"email": "root@contoso.example"})
        assert len(mail.outbox) == 1

        client.force_login(anna)
        response = client.get(reverse("password_change"))
        assert response.status_code == 409
        assert "sign in with your company account" in response.content.decode()
        profile = client.get(reverse("notifications:profile")).content.decode()
        assert reverse("password_change") not in profile

    def test_the_login_page_leads_with_the_company_sign_in(self, client):
        page = client.get(reverse("login")).content.decode()
        assert page.index("Sign in with Contoso") < page.index("<details")
        assert "Sign-in with a password (administrators)" in page


def test_trainers_group_exists():
    # The mapping above names real roles.
    assert Group.objects.filter(name=roles.TRAINERS).exists()


def test_the_error_page_speaks_german(client, idp):
    back = idp.authorize(start(client), deny=True)
    response = client.get(path_of(back), HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    assert "Anmeldung fehlgeschlagen" in response.content.decode()


class TestSettingsChecks:
    def _errors(self) -> str:
        from io import StringIO

        from django.core.management import call_command
        from django.core.management.base import SystemCheckError

        try:
            call_command("check", stdout=StringIO(), stderr=StringIO())
        except SystemCheckError as error:
            return str(error)
        return ""

    def test_a_mapping_to_a_role_that_does_not_exist(self, settings):
        settings.LMS_OIDC_GROUP_ROLES = {"lms-trainers": "Trainer"}
        assert "sso.E001" in self._errors()

    def test_passwords_off_without_single_sign_on(self, settings):
        settings.OIDC_ISSUER = ""
        settings.LMS_PASSWORD_LOGIN = False
        settings.LMS_PASSWORD_LOGIN_USERS = ["root"]
        assert "sso.E002" in self._errors()

    def test_a_good_configuration_passes(self, settings):
        settings.LMS_PASSWORD_LOGIN = False
        settings.LMS_PASSWORD_LOGIN_USERS = ["root"]
        assert self._errors() == ""


class TestIdentityAdmin:
    def test_admins_see_and_remove_a_link_and_the_next_sign_in_links_again(
        self, client, idp, django_assert_num_queries
    ):
        sub = new_subject()
        person = factories.user(username="petra", email=f"{sub}@contoso.example")
        idp.set_user(sub, email=f"{sub}@contoso.example")
        sign_in(client, idp, sub)
        client.logout()
        for other in range(30):
            ExternalIdentity.objects.create(
                user=factories.user(username=f"zz-other{other}"),
                issuer="https://x",
                subject=str(other),
            )
        admin = factories.user(username="admin1", groups=[roles.ADMINS])
        client.force_login(admin)

        # The same number for 1 link or 30: the people come with the links.
        with django_assert_num_queries(11):
            listing = client.get(reverse("sso_identities:index"))
        assert listing.status_code == 200
        assert sub in listing.content.decode()

        identity = ExternalIdentity.objects.get(user=person)
        assert client.get(reverse("sso_identities:edit", args=[identity.pk])).status_code == 302
        response = client.post(reverse("sso_identities:delete", args=[identity.pk]))
        assert response.status_code == 302
        assert not ExternalIdentity.objects.filter(user=person).exists()
        assert User.objects.filter(pk=person.pk).exists()

        client.logout()
        sign_in(client, idp, sub)
        assert signed_in_user(client) == person

    def test_others_cannot_see_the_links(self, client, employee):
        trainer = factories.user(username="t1", groups=[roles.TRAINERS])
        client.force_login(trainer)
        assert client.get(reverse("sso_identities:index")).status_code in (302, 403)
        client.force_login(employee)
        assert client.get(reverse("sso_identities:index")).status_code in (302, 403)


def test_the_sign_out_form_may_lead_to_the_provider(client, idp, settings, employee):
    client.force_login(employee)
    policy = client.get(reverse("notifications:profile"))["Content-Security-Policy"]
    assert f"form-action 'self' {idp.url}" in policy
    settings.OIDC_ISSUER = ""
    policy = client.get(reverse("notifications:profile"))["Content-Security-Policy"]
    assert "form-action 'self';" in policy + ";"


def test_failed_company_sign_ins_do_not_lock_anyone_out(client, idp):
    from axes.models import AccessAttempt

    for _attempt in range(8):
        client.get(reverse("sso:callback"), {"code": "x", "state": "forged"})
        back = idp.authorize(start(client), deny=True)
        client.get(path_of(back))
    assert AccessAttempt.objects.count() == 0
    factories.user(username="anna", password="secret-pass-123")
    response = client.post(reverse("login"), {"username": "anna", "password": "secret-pass-123"})
    assert response.status_code == 302


def test_the_client_secret_can_go_in_an_authorization_header(client, idp, settings):
    settings.OIDC_TOKEN_USE_BASIC_AUTH = True
    sub = new_subject()
    idp.set_user(sub, email=f"{sub}@contoso.example")
    assert sign_in(client, idp, sub).status_code == 302
    assert "client_secret" not in idp.recorder.last("/oauth2/token")
    assert signed_in_user(client) is not None


def test_the_deploy_check_wants_an_https_provider(settings):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("check", "--deploy", "--tag", "sso", stdout=out, stderr=out)
    assert "sso.W002" in out.getvalue()
    settings.OIDC_ISSUER = "https://login.example.com/tenant/v2.0"
    out = StringIO()
    call_command("check", "--deploy", "--tag", "sso", stdout=out, stderr=out)
    assert "sso.W002" not in out.getvalue()
