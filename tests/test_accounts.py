"""Local accounts (issue #17, item 5): password change and reset by e-mail on the site, and
the profile's name and language."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from lms.people import roles
from lms.people.models import User
from tests import factories

PASSWORD = "secret-pass-123"
NEW_PASSWORD = "a-much-longer-passphrase-42"

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def can_log_in(username: str, password: str) -> bool:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("login"), {"username": username, "password": password})
    return SESSION_KEY in client.session


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+/password/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


class TestPasswordChange:
    def test_needs_a_sign_in(self, client):
        response = client.get(reverse("password_change"))
        assert response.status_code == 302 and reverse("login") in response["Location"]

    def test_a_wrong_old_password_changes_nothing(self, employee):
        response = signed_in(employee).post(
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        assert can_log_in("emma", PASSWORD) and not can_log_in("emma", NEW_PASSWORD)

    def test_a_weak_or_mismatched_new_password_is_a_form_error(self, employee):
        client = signed_in(employee)
        for new1, new2, error in [
            ("short", "short", "This password is too short"),
            (NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn"),
        ]:
            response = client.post(
                reverse("password_change"),
                {"old_password": PASSWORD, "new_password1": new1, "new_password2": new2},
            )
            assert response.status_code == 200 and error in response.content.decode()
        assert can_log_in("emma", PASSWORD)

    def test_the_new_password_signs_in_and_other_sessions_end(self, employee):
        other_device = signed_in(employee)
        client = signed_in(employee)
        response = client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("password_change_done")
        assert client.get(reverse("notifications:profile")).status_code == 200  # still in
        assert other_device.get(reverse("notifications:profile")).status_code == 302
        assert can_log_in("emma", NEW_PASSWORD) and not can_log_in("emma", PASSWORD)

    def test_an_account_without_a_password_is_sent_to_the_reset(self, employee):
        employee.set_unusable_password()
        employee.save(update_fields=["password"])
        client = signed_in(employee)
        for response in (
            client.get(reverse("password_change")),
            client.post(reverse("password_change"), {"new_password1": NEW_PASSWORD}),
        ):
            assert response.status_code == 409
            assert reverse("password_reset") in response.content.decode()
        assert not User.objects.get(pk=employee.pk).has_usable_password()


class TestPasswordReset:
    def test_the_login_page_offers_it(self, client):
        assert reverse("password_reset") in client.get(reverse("login")).content.decode()

    def test_an_unknown_address_looks_the_same_and_sends_nothing(self, client, employee):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
        assert mail.outbox == []

    def test_an_address_that_only_case_folding_makes_equal_gets_nothing(self, client, employee):
        # PostgreSQL's UPPER() turns the dotless "ı" into "I": iexact alone would match.
        User.objects.filter(pk=employee.pk).update(email="emma@ıxample.org")
        client.post(reverse("password_reset"), {"email": "emma@ixample.org"})
        assert mail.outbox == []

    def test_the_link_sets_a_new_password_once(self, client, employee):
        employee.email = "emma@example.com"
        employee.save(update_fields=["email"])
        response = client.post(reverse("password_reset"), {"email": "EMMA@example.com "})
        assert response["Location"] == reverse("password_reset_done")
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["emma@example.com"]
        assert "Your username: emma" in mail.outbox[0].body and "Bootcamp" in mail.outbox[0].subject
        link = reset_link(mail.outbox[0])
        form_page = client.get(link, follow=True)
        assert form_page.status_code == 200 and 'name="new_password1"' in (
            form_page.content.decode()
        )
        set_url = form_page.redirect_chain[-1][0]
        done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert done["Location"] == reverse("password_reset_complete")
        assert can_log_in("emma", NEW_PASSWORD)
        again = client.get(link, follow=True)
        assert "This link is no longer valid" in again.content.decode()

    def test_the_link_names_the_sites_address_not_the_requests_host(self, employee, settings):
        settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
        settings.WAGTAILADMIN_BASE_URL = "https://lms.example.com"
        User.objects.filter(pk=employee.pk).update(email="emma@example.com")
        Client(HTTP_HOST="evil.example").post(
            reverse("password_reset"), {"email": "emma@example.com"}
        )
        assert "https://lms.example.com/accounts/password/reset/" in mail.outbox[0].body
        assert "evil.example" not in mail.outbox[0].body

    def test_a_damaged_link_is_a_clear_page(self, client):
        url = reverse("password_reset_confirm", args=["MTIzNDU2", "nonsense-token"])
        response = client.get(url)
        assert response.status_code == 200
        assert "This link is no longer valid" in response.content.decode()

    def test_the_mail_speaks_the_persons_language(self, client, employee):
        User.objects.filter(pk=employee.pk).update(email="emma@example.com", language="de")
        client.post(reverse("password_reset"), {"email": "emma@example.com"})
        assert mail.outbox[0].subject.startswith("Passwort festlegen")
        assert "Ihr Benutzername: emma" in mail.outbox[0].body

    def test_an_imported_person_sets_a_first_password_and_a_leaver_gets_nothing(
        self, client, sales
    ):
        imported = factories.user(username="ida", department=sales, email="ida@example.com")
        imported.set_unusable_password()
        imported.save(update_fields=["password"])
        factories.user(username="leo", email="leo@example.com", is_active=False)
        client.post(reverse("password_reset"), {"email": "leo@example.com"})
        assert mail.outbox == []
        client.post(reverse("password_reset"), {"email": "ida@example.com"})
        assert len(mail.outbox) == 1
        set_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
        client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert can_log_in("ida", NEW_PASSWORD)

    def test_requests_for_one_address_are_limited(self, client, employee):
        User.objects.filter(pk=employee.pk).update(email="emma@example.com")
        for _attempt in range(3):
            response = client.post(reverse("password_reset"), {"email": "emma@example.com"})
            assert response.status_code == 302
        refused = client.post(reverse("password_reset"), {"email": "Emma@Example.com"})
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert "Too many requests to reset a password" in refused.content.decode()
        assert len(mail.outbox) == 3

    def test_requests_from_one_client_are_limited_across_addresses(self, client):
        for number in range(20):
            response = client.post(reverse("password_reset"), {"email": f"p{number}@example.com"})
            assert response.status_code == 302
        refused = client.post(reverse("password_reset"), {"email": "another@example.com"})
        assert refused.status_code == 429
        other_client = Client(REMOTE_ADDR="10.0.0.9")
        assert (
            other_client.post(reverse("password_reset"), {"email": "x@example.com"}).status_code
            == 302
        )

    def test_a_malformed_address_is_a_form_error(self, client):
        response = client.post(reverse("password_reset"), {"email": "not an address"})
        assert response.status_code == 200
        assert "Enter a valid email address" in response.content.decode()
        assert mail.outbox == []


class TestAccount:
    def test_name_and_language_are_saved(self, employee):
        client = signed_in(employee)
        response = client.post(
            reverse("account"), {"first_name": " Emma ", "last_name": "Berg", "language": "de"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("notifications:profile")
        person = User.objects.get(pk=employee.pk)
        assert (person.first_name, person.last_name, person.language) == ("Emma", "Berg", "de")
        page = client.get(reverse("notifications:profile")).content.decode()
        assert "Ihr Name und Ihre Sprache wurden gespeichert" in page and 'lang="de"' in page

    def test_an_unknown_language_or_an_overlong_name_changes_nothing(self, employee):
        client = signed_in(employee)
        for data in (
            {"first_name": "Emma", "last_name": "", "language": "xx"},
            {"first_name": "E" * 200, "last_name": "", "language": "en"},
        ):
            response = client.post(reverse("account"), data)
            assert response.status_code == 400
            assert 'class="field-error"' in response.content.decode()
        person = User.objects.get(pk=employee.pk)
        assert (person.first_name, person.language) == ("Emma", "en")

    def test_only_a_signed_in_post(self, client, employee):
        response = client.post(reverse("account"), {"first_name": "X", "language": "en"})
        assert response.status_code == 302 and reverse("login") in response["Location"]
        assert signed_in(employee).get(reverse("account")).status_code == 405

    def test_the_profile_shows_the_forms(self, employee):
        page = signed_in(employee).get(reverse("notifications:profile")).content.decode()
        assert f'action="{reverse("account")}"' in page
        assert reverse("password_change") in page


def test_a_manager_changes_their_own_account_only(manager, employee):
    client = signed_in(manager)
    client.post(reverse("account"), {"first_name": "Mark", "last_name": "M", "language": "en"})
    assert User.objects.get(pk=employee.pk).last_name == ""
    assert User.objects.get(pk=manager.pk).last_name == "M"
    assert manager.groups.filter(name=roles.MANAGERS).exists()
