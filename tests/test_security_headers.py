"""Headers and outside calls: CSP and Permissions-Policy on every page, no copies of
personal records in caches, an admin that stays on the intranet, documents only for
people with an account, essays with absolute links only, and a production setup that
refuses a local base URL."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from wagtail.documents.models import Document

from lms.people import roles
from lms.quizzes.cleaning import clean_essay
from lms.quizzes.models import Sitting, SittingAnswer
from tests import factories
from tests.test_settings import import_settings

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class InlineCode(HTMLParser):
    """Inline <script> (one that runs), <style>, style="" and on*="" in a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            kind = (attributes.get("type") or "text/javascript").lower()
            if "json" not in kind and kind != "text/template":
                self.found.append(f"inline <script type={kind}>")
        if tag == "style":
            self.found.append("<style>")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


# --- Content-Security-Policy ---------------------------------------------------------------


@pytest.fixture
def learner_pages(course, employee):
    module = factories.modules_of(course)[0]
    guideline = factories.guideline()
    quiz = factories.quiz(questions=[{}])
    return [
        "/",
        course.get_parent().url,
        course.url,
        module.url,
        guideline.url,
        reverse("quizzes:detail", args=[quiz.slug]),
        reverse("quizzes:progress"),
        reverse("workshops:index"),
    ]


def test_learner_pages_forbid_inline_script_and_style(employee_client, learner_pages):
    for path in learner_pages:
        response = employee_client.get(path, follow=True)
        assert response.status_code == 200, path
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        # ...and they need none: the policy would block it in the browser.
        assert inline_code(response.content.decode()) == [], path


def test_visitor_pages_have_the_strict_policy_too(client, course):
    for path in (reverse("login"), course.url, "/does-not-exist/"):
        response = client.get(path)
        assert directives(response)["script-src"] == ["'self'"], path
        assert inline_code(response.content.decode()) == [], path


def test_the_admin_policy_allows_only_what_wagtail_needs(trainer_client, course):
    for path in ("/admin/", f"/admin/pages/{course.pk}/edit/", f"/admin/pages/{course.pk}/"):
        response = trainer_client.get(path)
        assert response.status_code == 200, path
        policy = directives(response)
        # No eval() and no inline event handlers; inline <script> elements only because
        # Wagtail 8 still writes them (see ADMIN_CONTENT_SECURITY_POLICY).
        assert policy["script-src"] == ["'self'"]
        assert policy["script-src-attr"] == ["'none'"]
        assert policy["script-src-elem"] == ["'self'", "'unsafe-inline'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["style-src-elem"] == ["'self'", "'unsafe-inline'"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]


def test_the_admin_login_page_has_the_admin_policy(client):
    response = client.get("/admin/login/")
    assert directives(response)["script-src-attr"] == ["'none'"]


# --- Permissions-Policy ------------------------------------------------------------------


def test_permissions_policy_turns_device_apis_off(employee_client, trainer_client, course):
    for client, path in ((employee_client, course.url), (trainer_client, "/admin/")):
        header = client.get(path)["Permissions-Policy"]
        features = dict(item.split("=", 1) for item in header.split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", (path, feature)
        assert features["fullscreen"].startswith("(self")


# --- No copies of personal records in caches ------------------------------------------------


def assert_not_stored(response) -> None:
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, response["Cache-Control"]


@pytest.fixture
def admin_user(db):
    return factories.user(username="alex", groups=(roles.ADMINS,))


def test_signoff_export_is_not_stored(admin_user):
    document = factories.guideline()
    assert_not_stored(login(admin_user).get(reverse("guidelines:export", args=[document.pk])))


def test_team_export_is_not_stored(manager, sales):
    factories.user(username="dana", department=sales, manager=manager)
    assert_not_stored(login(manager).get(reverse("assignments:team_csv")))


def test_audit_trail_is_not_stored(admin_user, employee):
    assert_not_stored(login(admin_user).get(reverse("guidelines:audit", args=[employee.pk])))


# --- The admin calls no outside host ----------------------------------------------------

OUTSIDE_URL = re.compile(r"(?:https?:)?//([a-z0-9.-]+\.[a-z]{2,})", re.I)
# XML namespaces in inline SVG, not fetched; Wagtail's <noscript> hint is a plain link
# shown only when JavaScript is off.
NOT_CALLED = {"www.w3.org", "www.enable-javascript.com"}


@pytest.fixture
def superuser(db):
    return factories.user(
        username="root", groups=(), is_superuser=True, is_staff=True, email="root@firma.de"
    )


class Addresses(HTMLParser):
    """Everything a browser could fetch or follow: attribute values (src, href, action,
    data-* with JSON config) and the content of <script> and <style> elements; not the
    visible text (help texts like "e.g. http://domain.com/blog/")."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._code = False

    def handle_starttag(self, tag, attrs):
        self.chunks.extend(value for _name, value in attrs if value)
        self._code = tag in {"script", "style"}

    def handle_endtag(self, tag):
        self._code = False

    def handle_data(self, data):
        if self._code:
            self.chunks.append(data)


def outside_hosts(html: str) -> set[str]:
    parser = Addresses()
    parser.feed(html)
    found = {host.lower() for chunk in parser.chunks for host in OUTSIDE_URL.findall(chunk)}
    return found - NOT_CALLED


def test_admin_pages_name_no_outside_host(superuser, course):
    client = login(superuser)
    document = Document.objects.create(
        title="Hand-out", file=ContentFile(b"%PDF-1.4", name="handout.pdf")
    )
    paths = [
        "/admin/",
        f"/admin/pages/{course.pk}/",
        f"/admin/pages/{course.pk}/edit/",
        f"/admin/pages/add/courses/modulepage/{course.pk}/",
        "/admin/documents/",
        f"/admin/documents/edit/{document.pk}/",
        "/admin/images/",
        "/admin/account/",
        "/admin/users/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert outside_hosts(html) == set(), path
        assert "gravatar" not in html.lower(), path


def test_admin_shows_no_release_check_or_whats_new_banner(superuser):
    html = login(superuser).get("/admin/").content.decode()
    assert "w-upgrade" not in html
    assert "whats-new" not in html.lower()


def test_avatar_is_a_local_default_not_gravatar(superuser):
    html = login(superuser).get("/admin/account/").content.decode()
    assert "gravatar" not in html.lower()
    assert "wagtailadmin/images/default-user-avatar" in html


# --- Documents are for people with an account -------------------------------------------


@pytest.fixture
def handout(db, settings, tmp_path):
    # On disk, as in production: Wagtail sends a file from the storage's path.
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return Document.objects.create(
        title="Hand-out", file=ContentFile(b"%PDF-1.4 hand-out", name="handout.pdf")
    )


def test_anonymous_visitor_is_sent_to_log_in_for_a_document(client, handout):
    response = client.get(handout.url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    assert b"hand-out" not in response.content


def test_signed_in_employee_downloads_a_document(employee_client, handout):
    assert handout.url.startswith("/documents/")  # through the view, not MEDIA_URL
    response = employee_client.get(handout.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 hand-out"


# --- Essays keep absolute http(s) and mailto links only ------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "//evil.example/x",
        "/admin/users/",
        "profile/",
        "?next=/admin/",
        "#top",
        "javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "data:text/html,hi",
        "http:/one-slash",
        r"https:\\backslash.example",
        "https://user@phish.example",
        "ftp://files.example/a",
    ],
)
def test_essay_drops_relative_and_foreign_scheme_links(href):
    cleaned = clean_essay(f'<a href="{href}">link</a>')
    assert cleaned == "<a>link</a>"


@pytest.mark.parametrize(
    "href", ["https://firma.de/blog?a=1#x", "http://firma.de", "mailto:anna@firma.de"]
)
def test_essay_keeps_absolute_links_with_nofollow_noopener(href):
    cleaned = clean_essay(f'<a href="{href}" rel="opener" target="_blank">link</a>')
    assert cleaned == f'<a href="{href}" rel="nofollow noopener noreferrer">link</a>'


def test_essay_as_submitted_keeps_only_the_absolute_link(employee_client, employee):
    quiz = factories.quiz(questions=[{"kind": "essay"}], exam_paper=True)
    employee_client.post(reverse("quizzes:start", args=[quiz.slug]))
    sitting = Sitting.objects.get(user=employee)
    employee_client.post(
        reverse("quizzes:take", args=[quiz.slug]),
        {
            "question": sitting.question_order[0],
            "essay": '<a href="//evil.example">a</a> <a href="https://firma.de">b</a>',
        },
    )
    assert SittingAnswer.objects.get(sitting=sitting).essay == (
        '<a>a</a> <a href="https://firma.de" rel="nofollow noopener noreferrer">b</a>'
    )


# --- Production needs the real public address ---------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        None,
        "",
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "https://lms.localhost",
        "http://[::1]:8000",
        "http://0.0.0.0",
        "https://example.com",
        "https://lms.example.org",
        "https://lms.test",
        "lms.firma.de",
        "ftp://lms.firma.de",
    ],
)
def test_production_refuses_a_missing_or_local_base_url(base_url):
    env = {"SECRET_KEY": "x" * 60}
    if base_url is not None:
        env["WAGTAILADMIN_BASE_URL"] = base_url
    with pytest.raises(ImproperlyConfigured, match="Set WAGTAILADMIN_BASE_URL"):
        import_settings("lms.settings.production", **env)


def test_production_starts_with_the_public_base_url():
    production = import_settings(
        "lms.settings.production",
        SECRET_KEY="x" * 60,
        WAGTAILADMIN_BASE_URL="https://lms.firma.internal/",
    )
    assert production.WAGTAILADMIN_BASE_URL == "https://lms.firma.internal"
