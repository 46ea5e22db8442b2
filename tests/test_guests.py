"""Guests: customers' people in a bootcamp, who reach nothing internal (issue #18, item 3).

The rules are held by the database (constraints and triggers on people_user and its group
and permission rows), the server answers a signed-in guest 404 for every URL their apps
did not open to them (lms.people.guest_access), and no list of the company's people
(leaderboard, team view, assignment picker, sign-off report and export, rollout evidence,
manager picker) shows one.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone, translation

from courses import services as course_services
from courses.models import CoursePage
from lms.assignments.models import Assignment
from lms.assignments.services import assignable_people
from lms.award import selectors as award_selectors
from lms.award.models import AwardPeriod
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import tallies
from lms.notifications.selectors import email_choices
from lms.people import guest_access, roles, services
from lms.people.models import CustomerOrganisation, User
from lms.rollout import summary
from lms.rollout.models import EvidenceTally
from lms.scim import services as scim_services
from lms.sso import services as sso_services
from tests import factories
from tests.test_hostile_input import build_world

pytestmark = pytest.mark.django_db

# What guests may open today; an app that opens more to them adds it here deliberately.
EXPECTED_ALLOWED = {
    "guest_home",
    "login",
    "logout",
    "account",
    "set_language",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "notifications:profile",
}


@pytest.fixture
def organisation(db):
    return CustomerOrganisation.objects.create(
        name="Kunde GmbH", contact_name="Karl Kunde", contact_email="karl@kunde.example"
    )


@pytest.fixture
def guest(organisation):
    return services.create_guest(
        organisation=organisation,
        email="kim@kunde.example",
        first_name="Kim",
        last_name="Gast",
        language="en",
        password="secret-pass-123",
    )


def login(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def refused(callable_) -> None:
    """The database refuses the write (in a savepoint, so the test goes on)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


# --- the database holds the rules ---------------------------------------------------------------


def test_a_guest_needs_an_organisation_and_an_employee_has_none(organisation, sales):
    refused(lambda: User.objects.create(username="g1", is_guest=True))
    refused(lambda: User.objects.create(username="e1", customer_organisation=organisation))
    employee = factories.user(username="e2", department=sales)
    refused(lambda: User.objects.filter(pk=employee.pk).update(is_guest=True))
    assert User.objects.get(pk=employee.pk).is_guest is False


def test_a_guest_is_outside_the_organisation_chart_and_never_staff(guest, sales, manager):
    for change in (
        {"department": sales},
        {"manager": manager},
        {"is_staff": True},
        {"is_superuser": True},
    ):
        refused(lambda change=change: User.objects.filter(pk=guest.pk).update(**change))
    guest.refresh_from_db()
    assert (guest.department_id, guest.manager_id, guest.is_staff, guest.is_superuser) == (
        None,
        None,
        False,
        False,
    )


def test_existing_and_new_people_are_employees(employee):
    assert employee.is_guest is False and employee.customer_organisation is None
    assert not User.objects.filter(is_guest=True).exists()


def test_create_guest_makes_a_guest_without_a_password_and_refuses_duplicates(organisation):
    guest = services.create_guest(
        organisation=organisation, email=" ann@kunde.example ", first_name="Ann"
    )
    assert guest.is_guest and guest.customer_organisation == organisation
    assert guest.username == "ann@kunde.example" and not guest.has_usable_password()
    assert set(guest.groups.values_list("name", flat=True)) == {roles.GUESTS}
    with pytest.raises(ValidationError, match="exists already"):
        services.create_guest(organisation=organisation, email="ANN@kunde.example")
    with pytest.raises(ValidationError):
        services.create_guest(organisation=organisation, email="not an address")
    with pytest.raises(ValidationError, match="Unknown language"):
        services.create_guest(organisation=organisation, email="bo@kunde.example", language="xx")
    assert User.objects.filter(is_guest=True).count() == 1


def test_a_guest_is_refused_any_role_or_permission(guest):
    trainers = Group.objects.get(name=roles.TRAINERS)
    # (Each in a savepoint: the refusal ends the transaction it happens in.)
    with pytest.raises(ValidationError, match="only be in the group"), transaction.atomic():
        guest.groups.add(trainers)
    with pytest.raises(ValidationError), transaction.atomic():
        trainers.user_set.add(guest)
    access_admin = Permission.objects.get(codename="access_admin")
    with pytest.raises(ValidationError), transaction.atomic():
        guest.user_permissions.add(access_admin)
    # Written past the ORM's signals: the database's triggers refuse it.
    through = User.groups.through
    refused(lambda: through.objects.bulk_create([through(user_id=guest.pk, group=trainers)]))
    permissions = User.user_permissions.through
    refused(
        lambda: permissions.objects.bulk_create(
            [permissions(user_id=guest.pk, permission=access_admin)]
        )
    )
    assert list(guest.groups.values_list("name", flat=True)) == [roles.GUESTS]
    assert not guest.user_permissions.exists()
    # A trainer cannot be turned into a guest while they hold the role.
    trainer = factories.user(username="tina", groups=(roles.TRAINERS,))
    refused(
        lambda: User.objects.filter(pk=trainer.pk).update(
            is_guest=True, customer_organisation=guest.customer_organisation
        )
    )
    # The Guests group itself given the admin: a guest still holds no permission.
    Group.objects.get(name=roles.GUESTS).permissions.add(access_admin)
    guest = User.objects.get(pk=guest.pk)
    assert not guest.has_perm("wagtailadmin.access_admin")
    assert login(guest).get("/admin/").status_code == 404


def test_an_organisation_with_guests_cannot_be_deleted(guest, organisation):
    with pytest.raises(ProtectedError), transaction.atomic():
        organisation.delete()
    assert CustomerOrganisation.objects.filter(pk=organisation.pk).exists()


def test_admins_manage_customer_organisations_and_a_delete_with_guests_is_refused(
    guest, organisation
):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    client = login(admin)
    index = client.get(reverse("wagtailsnippets_people_customerorganisation:list"))
    assert index.status_code == 200 and "Kunde GmbH" in index.content.decode()
    response = client.post(
        reverse("wagtailsnippets_people_customerorganisation:add"),
        {"name": "Other AG", "contact_name": "Olga", "contact_email": "olga@other.example"},
    )
    assert response.status_code == 302
    assert CustomerOrganisation.objects.filter(name="Other AG").exists()
    duplicate = client.post(
        reverse("wagtailsnippets_people_customerorganisation:add"), {"name": "Kunde GmbH"}
    )
    assert duplicate.status_code == 200 and CustomerOrganisation.objects.count() == 2
    # The contact's account must be a guest of this company.
    other = CustomerOrganisation.objects.get(name="Other AG")
    wrong = client.post(
        reverse("wagtailsnippets_people_customerorganisation:edit", args=[other.pk]),
        {"name": "Other AG", "contact_user": guest.pk},
    )
    assert wrong.status_code == 200
    assert "must be a guest of this company" in wrong.content.decode()
    client.post(
        reverse("wagtailsnippets_people_customerorganisation:delete", args=[organisation.pk])
    )
    assert CustomerOrganisation.objects.filter(pk=organisation.pk).exists()
    trainer = factories.user(username="tina", groups=(roles.TRAINERS,))
    assert (
        login(trainer).get(reverse("wagtailsnippets_people_customerorganisation:list")).status_code
        == 200
    )
    employee = factories.user(username="erin")
    assert (
        login(employee).get(reverse("wagtailsnippets_people_customerorganisation:list")).status_code
        == 302
    )


def test_the_user_admin_marks_guests_and_refuses_a_guest_in_trainers(guest, organisation):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    client = login(admin)
    listing = client.get(reverse("wagtailusers_users:index"), {"is_guest": "true"})
    page = listing.content.decode()
    assert listing.status_code == 200
    assert "Guest (Kunde GmbH)" in page and "boss" not in page.split("<tbody")[-1]
    trainers = Group.objects.get(name=roles.TRAINERS)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[guest.pk]),
        {
            "username": guest.username,
            "email": guest.email,
            "first_name": "Kim",
            "last_name": "Gast",
            "is_active": "on",
            "is_guest": "on",
            "customer_organisation": organisation.pk,
            "groups": [trainers.pk],
        },
    )
    assert response.status_code == 200
    assert "A guest holds no role" in response.content.decode()
    assert list(guest.groups.values_list("name", flat=True)) == [roles.GUESTS]
    # An employee with a customer organisation, a guest without one: form errors too.
    employee = factories.user(username="erin")
    response = client.post(
        reverse("wagtailusers_users:edit", args=[employee.pk]),
        {
            "username": "erin",
            "email": "",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "customer_organisation": organisation.pk,
        },
    )
    assert response.status_code == 200
    assert "Only guests belong to a customer organisation" in response.content.decode()
    assert User.objects.get(pk=employee.pk).customer_organisation is None


# --- default deny: a sweep over every URL pattern -----------------------------------------------

# Regular-expression parts of the URL map, with a path that matches them. A new one fails
# the sweep until it is given one here.
REGEX_SAMPLES = {
    r"^pages/": "pages/",
    r"^documents/": "documents/",
    r"^images/": "images/",
    r"^(?P<pk>\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\."
    r"(?P<revision_id_b>live|latest|\d+)/$": "1/revisions/compare/earliest...latest/",
    r"^.*/$": "anything/",
    r"^(\d+)/(.*)$": "1/handout.txt",
    r"^((?:[\w\-]+/)*)$": "",
    r"^(?P<path>.+)$": "Users",
}
CONVERTER_SAMPLES = {None: "x", "str": "x", "slug": "x", "int": "1", "path": "x/y"}


def _sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(
            r"<(?:(\w+):)?\w+>",
            lambda match: CONVERTER_SAMPLES[match.group(1)],
            str(pattern),
        )
    assert isinstance(pattern, RegexPattern)
    regex = str(pattern)
    literal = regex.removeprefix("^").removesuffix("$")
    if not re.search(r"[\\()\[\]*+?|.{}]", literal):
        return literal
    assert regex in REGEX_SAMPLES, f"give the URL pattern {regex!r} a sample path"
    return REGEX_SAMPLES[regex]


def every_url(resolver=None, prefix="", namespaces=()):
    """(sample path, view name) of every URL pattern of the site."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        path = prefix + _sample(pattern.pattern)
        if isinstance(pattern, URLResolver):
            spaces = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from every_url(pattern, path, spaces)
        elif isinstance(pattern, URLPattern):
            yield "/" + path, ":".join((*namespaces, pattern.name or ""))


def test_the_allow_list_is_what_guests_may_open_today():
    assert guest_access.allowed_names() == EXPECTED_ALLOWED
    # Bootcamp runs (lms.programmes): each view checks that the guest takes part.
    assert guest_access.allowed_namespaces() == frozenset({"runs"})
    with pytest.raises(ValueError):
        guest_access.allow_namespace(":")


INTERNAL_NAV = ["My team", "Rollout", "Marking", "Authoring", "Dashboard", "Quiz results"]


def _internal_names(world) -> list[str]:
    return [
        "Sales",  # a department
        "Emma",  # another person
        "Social Selling",  # a course (and the award's name)
        "Social media guidelines",  # a guideline
        "A story",
        "Leads doubled",
        "This quarter",  # an award period
        "Old CRM",  # a KPI source's token
        "Handout",
        *INTERNAL_NAV,
    ]


def _links(content: str) -> set[str]:
    return set(re.findall(r'(?:href|action)="(/[^"]*)"', content))


def _assert_shows_nothing_internal(url, response, world, failures):
    content = response.content.decode()
    for name in _internal_names(world):
        if name in content:
            failures.append(f"{url}: shows {name!r}")
    for link in _links(content):
        path = link.split("?")[0]
        if path.startswith("/static/"):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            failures.append(f"{url}: links to {link}, which is no URL")
            continue
        if not guest_access.is_allowed(match) and path != "/":
            failures.append(f"{url}: links to {link}, closed to guests")


def test_a_guest_gets_404_for_every_internal_url_and_sees_nothing_internal(sales):
    world = build_world(sales)
    guest = world.guest
    client = login(guest)
    failures: list[str] = []
    urls = sorted(set(every_url()))
    assert len(urls) > 300, "the sweep must see the whole URL map"
    targets = [
        (target.path, resolve(target.path.split("?")[0]).view_name) for target in world.targets
    ]
    seen = 0
    for url, name in [*urls, *targets]:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            seen += 1
            allowed = name in EXPECTED_ALLOWED
            if name == "wagtail_serve" and url == "/":
                if response.status_code != 302 or response["Location"] != reverse("guest_home"):
                    failures.append(f"{method} {url}: {response.status_code}, not the start page")
            elif not allowed:
                if response.status_code != 404:
                    failures.append(f"{method} {url} ({name}): {response.status_code}")
            else:
                if response.status_code >= 500:
                    failures.append(f"{method} {url} ({name}): {response.status_code}")
                elif response.status_code == 200:
                    _assert_shows_nothing_internal(f"{method} {url}", response, world, failures)
                # A sign-out or language switch must not end the sweep's guest.
                client.force_login(guest)
            if response.status_code == 404 and response.content:
                _assert_shows_nothing_internal(f"{method} {url} (404)", response, world, failures)
    assert not failures, "\n".join(failures)
    assert seen >= 2 * len(urls)


def test_the_start_page_is_the_guests_home(guest):
    client = login(guest)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(reverse("guest_home"), 302)]
    content = response.content.decode()
    assert "Your bootcamps" in content and "You are not in a bootcamp yet." in content
    assert "Kunde GmbH" in content
    for internal in INTERNAL_NAV + ["Courses", "Workshops", "unread notification"]:
        assert internal not in content, internal


def test_an_employee_opening_the_guest_start_page_goes_home(employee_client):
    response = employee_client.get(reverse("guest_home"))
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_page_type_that_opts_in_is_shown_to_guests(guest, monkeypatch):
    course = factories.course(title="Customer course")
    client = login(guest)
    assert client.get(course.url).status_code == 404
    asked = []

    def guest_may_view(page, request):
        asked.append((page.pk, request.user.pk))
        return True

    monkeypatch.setattr(CoursePage, "guest_may_view", guest_may_view, raising=False)
    response = client.get(course.url)
    assert response.status_code == 200 and "Customer course" in response.content.decode()
    assert asked == [(course.pk, guest.pk)]
    # Anything but True is a no.
    monkeypatch.setattr(CoursePage, "guest_may_view", lambda page, request: 1, raising=False)
    assert client.get(course.url).status_code == 404


def test_the_profile_offers_a_guest_only_their_notification_kinds(guest):
    client = login(guest)
    content = client.get(reverse("notifications:profile")).content.decode()
    assert "Essay marked" in content and "Seat from the waiting list" in content
    for internal in ("New assignment", "guideline", "Your notifications"):
        assert internal not in content
    response = client.post(reverse("notifications:profile"), {"essay_marked": "on"})
    assert response.status_code == 302
    choices = email_choices(user=guest)
    assert choices["essay_marked"] is True and choices["booking_promoted"] is False
    assert choices["assignment_received"] is True  # untouched, and never sent to a guest


@override_settings(LMS_PASSWORD_LOGIN=False)
def test_a_guest_signs_in_with_a_password_when_the_company_uses_sso(guest, employee):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("login"), {"username": guest.username, "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    refused = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("login"), {"username": employee.username, "password": "secret-pass-123"}
    )
    assert refused.status_code == 200 and "company account" in refused.content.decode()


@override_settings(LMS_PASSWORD_LOGIN=False)
def test_a_guest_without_a_password_sets_one_by_e_mail(organisation, mailoutbox):
    services.create_guest(organisation=organisation, email="neu@kunde.example")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("password_reset"), {"email": "neu@kunde.example"})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["neu@kunde.example"]]


def test_a_deactivated_guest_is_signed_out(guest):
    client = login(guest)
    services.set_active(user=guest, active=False, source="test")
    response = client.get(reverse("guest_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_german_guests_get_their_pages_in_german(organisation):
    guest = services.create_guest(
        organisation=organisation, email="gerd@kunde.example", language="de"
    )
    client = login(guest, language="de")
    denied = client.get(reverse("rollout:board"))
    assert denied.status_code == 404 and "Seite nicht gefunden" in denied.content.decode()
    home = client.get(reverse("guest_home")).content.decode()
    assert '<html lang="de">' in home
    with translation.override("de"):
        german = translation.gettext("You are not in a bootcamp yet.")
    if german == "You are not in a bootcamp yet.":
        pytest.skip("the German catalogue does not have the guest messages yet")
    assert german in home and "Your bootcamps" not in home


# --- guests in no list of the company's people --------------------------------------------------


def test_guests_are_not_on_the_leaderboard(guest, sales):
    today = timezone.localdate()
    period = AwardPeriod.objects.create(
        name="Now", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
    )
    employee = factories.user(username="erin", department=sales, first_name="Erin")
    course = factories.course(modules=1)
    module = factories.modules_of(course)[0]
    course_services.complete_module(user=guest, module=module)
    course_services.complete_module(user=employee, module=module)
    assert [entry.user for entry in award_selectors.leaderboard(period=period)] == [employee]
    assert [entry.user for entry in award_selectors.recount_leaderboard(period=period)] == [
        employee
    ]
    leader = factories.user(username="lea", groups=(roles.LEADERSHIP,))
    page = login(leader).get(reverse("award:leaderboard")).content.decode()
    assert "Erin" in page and "Kim" not in page and "Gast" not in page
    home = login(employee).get("/").content.decode()
    assert "Gast" not in home


def test_guests_are_not_in_team_views_or_assignment_pickers(guest, sales, manager):
    admin = factories.user(username="boss", groups=(roles.ADMINS,), first_name="Bo")
    team = login(admin).get(reverse("assignments:team")).content.decode()
    assert "Kim" not in team and "kim@kunde.example" not in team
    csv = login(admin).get(reverse("assignments:team_csv"))
    assert csv.status_code == 200
    assert b"kim@kunde.example" not in b"".join(csv.streaming_content)
    course = factories.course(title="Basics", departments=(sales,))
    picker = login(admin).get(reverse("assignments:assign")).content.decode()
    assert "Kim" not in picker and "kim@kunde.example" not in picker
    forged = login(admin).post(
        reverse("assignments:assign"),
        {
            "item": f"course:{course.pk}",
            "assignees": [guest.pk],
            "due_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    assert forged.status_code in (200, 400, 403)
    assert not Assignment.objects.filter(assignee=guest).exists()
    assert guest not in assignable_people(manager=admin)


def test_the_user_admins_manager_picker_lists_no_guest(guest):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    page = login(admin).get(reverse("wagtailusers_users:add")).content.decode()
    manager_select = page.split('name="manager"')[1].split("</select>")[0]
    assert "kim@kunde.example" not in manager_select and "boss" in manager_select


def test_guests_are_not_in_the_signoff_report_or_its_export(guest, sales):
    document = factories.guideline()
    factories.user(username="erin", department=sales)
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    rows = {
        row.department: row.never
        for row in guideline_selectors.department_report(document=document)
    }
    assert rows == {"Sales": 1, **({} if "—" not in rows else {"—": rows["—"]})}
    assert sum(rows.values()) == User.objects.filter(is_guest=False, is_active=True).count()
    assert tallies.check() == []
    export = login(admin).get(reverse("guidelines:export", args=[document.pk]))
    content = b"".join(export.streaming_content if export.streaming else [export.content])
    assert b"erin" in content and b"kim@kunde.example" not in content
    # Nobody records a sign-off on a guest's behalf: the picker lists employees only.
    record = login(admin).get(reverse("guidelines:record")).content.decode()
    assert "erin" in record and "Kim" not in record and "Gast" not in record
    # A guest who is deactivated and reactivated is counted nowhere either.
    services.set_active(user=guest, active=False, source="test")
    services.set_active(user=guest, active=True, source="test")
    assert tallies.check() == []


def test_guests_are_not_in_the_rollout_evidence(guest, sales):
    employee = factories.user(username="erin", department=sales)
    course = factories.course(modules=1, departments=(sales,))
    course_services.enrol(user=guest, course=course)
    course_services.enrol(user=employee, course=course)
    counted = summary.facts(None, versions=summary.current_versions())
    assert summary.contributions(counted[guest.pk]) == {}
    members = EvidenceTally.objects.filter(key=summary.MEMBERS).values_list("value", flat=True)
    assert sum(members) == 1
    enrolled = EvidenceTally.objects.filter(key=summary.ENROLLED).values_list("value", flat=True)
    assert sum(enrolled) == 1


def test_the_middleware_adds_no_query_for_employees(employee_client, settings):
    employee_client.get("/")  # warm the route and the caches
    with CaptureQueriesContext(transaction.get_connection()) as with_middleware:
        assert employee_client.get("/").status_code == 200
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name != "lms.people.middleware.GuestAccessMiddleware"
    ]
    with CaptureQueriesContext(transaction.get_connection()) as without:
        assert employee_client.get("/").status_code == 200
    assert len(with_middleware) == len(without)


def test_the_create_guest_command(organisation):
    out = StringIO()
    call_command("create_guest", "lu@kunde.example", "--company", "kunde gmbh", stdout=out)
    assert "Created guest 'lu@kunde.example' of 'Kunde GmbH' (no password yet)." in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_guest", "LU@kunde.example", "--company", "Kunde GmbH", stdout=out)
    with pytest.raises(CommandError, match="--create-company"):
        call_command("create_guest", "x@new.example", "--company", "New AG", stdout=out)
    assert not CustomerOrganisation.objects.filter(name="New AG").exists()
    call_command(
        "create_guest", "x@new.example", "--company", "New AG", "--create-company", stdout=out
    )
    assert User.objects.get(username="x@new.example").customer_organisation.name == "New AG"


def test_company_sign_in_never_links_a_directory_identity_to_a_guest(guest):
    person = sso_services.sign_in(
        issuer="https://id.example",
        claims={"sub": "dir-1", "email": guest.email, "email_verified": True},
    )
    assert person.pk != guest.pk and not person.is_guest
    assert not guest.external_identities.exists()


SCIM_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def test_a_directory_never_sees_or_changes_a_guest(guest, settings):
    _token, raw = scim_services.issue_token(name="Entra ID", by=None)
    scim = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")
    assert scim.get(f"/scim/v2/Users/{guest.pk}").status_code == 404
    assert scim.get("/scim/v2/Users").json()["totalResults"] == 0
    patched = scim.patch(
        f"/scim/v2/Users/{guest.pk}",
        data=json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            }
        ),
        content_type="application/scim+json",
    )
    assert patched.status_code == 404
    settings.LMS_SCIM_GROUP_ROLES = {"LMS Trainers": roles.TRAINERS}
    refused = scim.post(
        "/scim/v2/Groups",
        data=json.dumps(
            {
                "schemas": [SCIM_GROUP],
                "displayName": "LMS Trainers",
                "members": [{"value": str(guest.pk)}],
            }
        ),
        content_type="application/scim+json",
    )
    assert refused.status_code == 400
    guest.refresh_from_db()
    assert guest.is_active and list(guest.groups.values_list("name", flat=True)) == [roles.GUESTS]
