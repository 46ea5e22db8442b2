"""No 500 on malformed input (issue #13, item 9).

The walk sends NUL characters, lone surrogates (as ``\\ud800`` and as the raw bytes
``%ED%A0%80``), bytes that are not UTF-8, 100,000-character strings, numbers of 5,000 digits,
"²" (a digit to ``str.isdigit`` that ``int`` refuses), 100,000 levels of JSON nesting and
damaged CSV/JSON uploads to every URL pattern of the project, in the query string, the path
and every form field, and fails on any 5xx. What it guarantees (``Walker.walk``):

- every (route, role) pair is requested: each role sends a plain GET and POST to every
  route, so each route's refusal of the roles it is not for (403 or the sign-in) is seen;
- every (route, field, hostile value, way of sending it) request is sent at least once, by
  one of the roles that reach the route; the roles take turns, deterministically and rotated
  from route to route, so every reached role sends several of the values on every route;
- nothing is skipped because an earlier request was refused: a value that
  MalformedInputMiddleware refuses is still sent once to every route.

Another test fails when a URL pattern is added that the walk does not visit. The tests
after the walk pin the shared mechanisms (lms/core/input_safety.py) one by one.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote_from_bytes

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets as admin_viewsets
from wagtail.documents import get_document_model
from wagtail.models import Page

from courses.forms import CatalogFilterForm
from courses.models import CourseIndexPage
from lms.assignments.forms import AssignForm, TeamFilterForm
from lms.assignments.models import Assignment
from lms.award.models import AwardPeriod
from lms.core.admin_views import TabularApplyForm, TabularUploadForm
from lms.core.input_safety import MalformedInput, load_json, whole_number
from lms.guidelines import services as guideline_services
from lms.guidelines.forms import ExportFilterForm, OnBehalfForm, ReportFilterForm, SignForm
from lms.guidelines.models import GuidelineIndexPage
from lms.kpis.admin_views import KpiApplyForm, KpiUploadForm, TokenForm
from lms.kpis.models import IntegrationToken, KpiRecord
from lms.notifications import services as notification_services
from lms.notifications.forms import EmailChoicesForm
from lms.people import roles
from lms.people import services as people_services
from lms.people.admin_views import UnlockForm
from lms.people.forms import AccountForm
from lms.people.models import CustomerOrganisation, User
from lms.programmes.forms import AddParticipantsForm
from lms.programmes.models import (
    BootcampRun,
    ProgrammeIndexPage,
    ProgrammeItem,
    ProgrammePage,
    RunParticipant,
)
from lms.quizzes import services as quiz_services
from lms.quizzes.forms import AnswerForm, MarkEssayForm, MarkingFilterForm
from lms.quizzes.models import Category, Question, Sitting, SittingAnswer
from lms.rollout.forms import AdvanceForm, TickForm
from lms.rollout.models import (
    ChecklistTick,
    Criterion,
    DepartmentRollout,
    StageChange,
)
from lms.scim import services as scim_services
from lms.scim.admin_views import ScimTokenForm
from lms.sso.models import ExternalIdentity
from lms.stories.models import SuccessStoryIndexPage, SuccessStoryPage
from lms.workshops.forms import AttendanceForm
from lms.workshops.models import Booking, WorkshopIndexPage
from tests import factories

pytestmark = pytest.mark.django_db

OUR_APPS = {"people", "quizzes", "guidelines", "assignments", "reminders", "rollout", "courses"}
OUR_APPS |= {"award", "stories", "kpis"}
OUR_APPS |= {"home", "demo", "workshops", "scim", "sso", "programmes"}
OUR_PACKAGES = ("lms.", "courses.", "home.")
# Field names tried everywhere besides the view's own form fields.
COMMON_FIELDS = ["q", "p", "page", "next", "department", "module", "after", "item", "id"]

# Text values, sent percent-encoded (lone surrogates as the bytes ED A0 80, "surrogatepass").
VALUES = {
    "nul": "emma\x00",
    "surrogate": "\ud800",
    "long": "x" * 100_000,
    "digits": "9" * 5000,
    "big number": "9" * 30,
    "superscript digit": "²",
    "negative": "-1",
}
MULTIPART_VALUES = {"nul", "surrogate", "long"}
# What MalformedInputMiddleware refuses wherever it stands, before any view runs.
REFUSED_AS_TEXT = {"nul", "surrogate"}
# Raw bytes in the query string or form body that are no UTF-8 text.
RAW_VALUES = {"raw surrogate": "%ED%A0%80", "latin-1": "M%FCller", "overlong": "%C0%AF"}


@functools.cache
def encode(value: str) -> str:
    # Cached: the same 100,000-character values are encoded for every target.
    return quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe="")


def urlencoded(names, value: str, *, raw: bool = False) -> str:
    coded = value if raw else encode(value)
    return "&".join(f"{encode(name)}={coded}" for name in names)


def multipart(fields: dict[str, str], files: dict[str, tuple[bytes, bytes]]) -> tuple[bytes, str]:
    """A multipart body from text fields and (file name bytes, content) uploads."""
    boundary = "hostileboundary"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="'.encode()
            + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# --- the project's routes -----------------------------------------------------------------------


def _join(route: str, child: str) -> str:
    # As Django joins ResolverMatch.route.
    return child if not route else route + child.removeprefix("^")


def all_patterns(resolver=None, route="", namespaces=()):
    """(route, full name, pattern) of every URL pattern below lms.urls."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        joined = _join(route, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            spaces = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from all_patterns(pattern, joined, spaces)
        elif isinstance(pattern, URLPattern):
            yield joined, ":".join((*namespaces, pattern.name or "")), pattern


def our_viewset_form_urls() -> set[str]:
    """The add and edit URL names of every admin viewset (snippets too) of our models."""
    names = set()
    for viewset in admin_viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if (
            isinstance(model, type)
            and model._meta.app_label in OUR_APPS
            and hasattr(viewset, "get_form_class")
        ):
            names |= {f"{viewset.url_namespace}:add", f"{viewset.url_namespace}:edit"}
    return names


def routes_to_walk() -> set[str]:
    """Every route outside the Wagtail admin, our own admin views, our models' admin forms."""
    forms = our_viewset_form_urls()
    routes = set()
    for route, name, pattern in all_patterns():
        view = getattr(pattern.callback, "view_class", pattern.callback)
        if (
            not route.startswith("admin/")
            or view.__module__.startswith(OUR_PACKAGES)
            or name in forms
        ):
            routes.add(route)
    return routes


def our_page_models() -> set[type]:
    return {
        model
        for model in apps.get_models()
        if issubclass(model, Page) and model._meta.app_label in OUR_APPS
    }


# The user list's filters (ours: guests and their company; Wagtail's) and its search.
USER_LIST_FIELDS = ["q", "p", "ordering", "is_guest", "customer_organisation", "is_active"]
USER_LIST_FIELDS += ["is_superuser", "group", "last_login_after", "last_login_before"]


# --- a world in which every route has something to show ------------------------------------------


@dataclass
class Target:
    """One URL to walk, with the form fields its view reads."""

    path: str
    fields: list[str] = field(default_factory=list)
    # Valid values kept in a second round, so the hostile ones reach the later checks.
    baseline: dict[str, str] = field(default_factory=dict)
    uploads: str = ""  # "org" or "kpi": the view takes a file
    json_api: bool = False


@dataclass
class World:
    users: dict[str, User | None]
    token: str
    targets: list[Target]
    pages: dict[type, str]
    # A customer's guest (tests/test_guests.py sweeps the targets as them).
    guest: User | None = None


def names(form) -> list[str]:
    return list(form.fields if hasattr(form, "fields") else form.base_fields)


def build_world(sales) -> World:
    employee = factories.user(username="emma", department=sales, first_name="Emma")
    manager = factories.user(
        username="mark", groups=(roles.MANAGERS, roles.EMPLOYEES), department=sales
    )
    User.objects.filter(pk=employee.pk).update(manager=manager)
    trainer = factories.user(username="tina", groups=(roles.TRAINERS,))
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    leader = factories.user(username="lea", groups=(roles.EMPLOYEES,), department=sales)
    leader.groups.add(Group.objects.get(name=roles.LEADERSHIP))
    DepartmentRollout.objects.update_or_create(department=sales, defaults={"owner": manager})

    track = factories.track()
    course = factories.course(title="Social Selling", track_=track, departments=(sales,))
    module = factories.modules_of(course)[0]
    workshop = factories.workshop(open_to_all=True, trainer=trainer)
    session = factories.session(workshop=workshop, starts_in_days=-1)
    booking = Booking.objects.create(
        session=session, workshop=workshop, user=employee, status=Booking.BOOKED
    )
    reminded = Assignment.objects.create(
        assignee=employee, course=course, due_date=timezone.localdate() + timedelta(days=7)
    )
    guideline = factories.guideline()
    guideline_services.sign(user=leader, document=guideline, version_id=guideline.versions.get().pk)
    story_index = SuccessStoryIndexPage.objects.first()
    story = SuccessStoryPage(title="A story", slug="a-story", teaser="Leads doubled.")
    story_index.add_child(instance=story)
    story.save_revision().publish()

    category = factories.quiz_category()
    choice = factories.question(category=category)
    true_false = factories.question(kind="tf", correct=True)
    quiz = factories.quiz(questions=[choice, true_false])
    sitting = quiz_services.start_sitting(user=employee, quiz=quiz)
    essay_quiz = factories.quiz(questions=[{"kind": "essay"}], exam_paper=True)
    marked = quiz_services.start_sitting(user=employee, quiz=essay_quiz)
    quiz_services.submit_answer(
        user=employee,
        sitting_id=marked.pk,
        question_id=marked.question_order[0],
        essay="An answer.",
    )
    essay = SittingAnswer.objects.get(sitting=marked)
    current = Question.objects.get(pk=sitting.question_order[0])

    notification = notification_services.notify(
        kind="essay_marked", recipient=employee, key="walk", params={"title": quiz.title}
    )
    criterion = Criterion.objects.filter(kind=Criterion.CHECKLIST).first()
    today = timezone.localdate()
    period = AwardPeriod.objects.create(
        name="This quarter",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
    )
    KpiRecord.objects.create(
        external_id="crm-1",
        department=sales,
        month=date(2025, 3, 1),
        metric=KpiRecord.LEADS,
        value=3,
        source="test",
    )
    token, raw_token = factories.kpi_token(name="CRM")
    ExternalIdentity.objects.create(user=employee, issuer="https://login.example.com", subject="s1")
    scim_token, _raw_scim_token = scim_services.issue_token(name="Entra ID", by=None)
    legacy_token = IntegrationToken.objects.create(
        name="Old CRM", token_hash=IntegrationToken.hash("old"), prefix="old"
    )
    document = get_document_model().objects.create(
        title="Handout", file=ContentFile(b"Hello", name="handout.txt")
    )
    organisation = CustomerOrganisation.objects.create(
        name="Kunde GmbH", contact_name="Karl Kunde", contact_email="karl@kunde.example"
    )
    guest = people_services.create_guest(
        organisation=organisation,
        email="kim@kunde.example",
        first_name="Kim",
        last_name="Gast",
        language="en",
        password="secret-pass-123",
    )

    programme_index = ProgrammeIndexPage.objects.get()
    programme = ProgrammePage(title="Bootcamp", slug="bootcamp")
    programme.items.add(ProgrammeItem(course=course, sort_order=0))
    programme.items.add(ProgrammeItem(workshop=workshop, sort_order=1, unlock="previous"))
    programme.items.add(ProgrammeItem(quiz=quiz, sort_order=2, required=False))
    programme_index.add_child(instance=programme)
    programme.save_revision().publish()
    run = BootcampRun.objects.create(
        programme=programme,
        title="Bootcamp run",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=30),
        capacity=10,
    )
    run.trainers.add(trainer)
    RunParticipant.objects.create(run=run, user=employee)
    run.sessions.add(session)

    pages = {
        type(page.specific): page.specific.url
        for page in [
            Page.objects.get(depth=2),
            CourseIndexPage.objects.get(),
            course,
            module,
            WorkshopIndexPage.objects.get(),
            workshop,
            GuidelineIndexPage.objects.get(),
            guideline,
            story_index,
            story,
            programme_index,
            programme,
        ]
    }
    catalog_fields = names(CatalogFilterForm())
    targets = [Target(url, catalog_fields) for url in pages.values()]
    targets += [Target(f"/documents/{document.pk}/handout.txt")]
    targets += [
        Target(reverse("wagtaildocs_authenticate_with_password", args=[1]), ["password"]),
        Target(
            reverse("wagtailcore_authenticate_with_password", args=[1, course.pk]), ["password"]
        ),
        Target(reverse("wagtailcore_login"), ["username", "password"]),
        Target(reverse("login"), ["username", "password"]),
        Target(reverse("logout")),
        Target(reverse("admin_logout")),
        Target(reverse("sso:start"), ["next"]),
        Target(reverse("sso:callback"), ["code", "state", "error", "error_description"]),
        Target(
            reverse("account"),
            names(AccountForm()),
            {"first_name": "Emma", "last_name": "Berg", "language": "en"},
        ),
        Target(reverse("password_change"), names(PasswordChangeForm(user=employee))),
        Target(reverse("password_change_done")),
        Target(reverse("password_reset"), ["email"]),
        Target(reverse("password_reset_done")),
        Target(
            reverse("password_reset_confirm", args=["MQ", "set-password"]),
            ["new_password1", "new_password2"],
        ),
        Target(reverse("password_reset_complete")),
        Target(
            reverse("wagtailadmin_password_reset_confirm", args=["MQ", "set-password"]),
            ["new_password1", "new_password2"],
        ),
        Target(reverse("set_language"), ["language"]),
        Target(reverse("guest_home")),
        Target(reverse("courses:catalog")),
        Target(reverse("workshops:index")),
        Target(reverse("courses:enrol", args=[course.pk])),
        Target(reverse("courses:complete_module", args=[module.pk])),
        Target(reverse("workshops:book", args=[session.pk])),
        Target(
            reverse("workshops:attendance", args=[session.pk]),
            names(AttendanceForm()),
            {"attended": str(booking.pk)},
        ),
        Target(reverse("workshops:booking_ics", args=[booking.pk])),
        Target(reverse("workshops:cancel_booking", args=[booking.pk])),
        Target(reverse("quizzes:progress")),
        Target(reverse("quizzes:marking"), names(MarkingFilterForm())),
        Target(
            reverse("quizzes:mark", args=[marked.pk]),
            ["answer", *(f"answer-{essay.pk}-{name}" for name in names(MarkEssayForm()))],
            {"answer": str(essay.pk), f"answer-{essay.pk}-correct": "1"},
        ),
        Target(reverse("quizzes:result", args=[marked.pk])),
        Target(reverse("quizzes:detail", args=[quiz.slug])),
        Target(reverse("quizzes:start", args=[quiz.slug])),
        Target(
            reverse("quizzes:take", args=[quiz.slug]),
            sorted(
                {
                    *names(AnswerForm(question=choice, answers=list(choice.answers.all()))),
                    *names(AnswerForm(question=true_false)),
                    "essay",
                }
            ),
            {"question": str(current.pk)},
        ),
        Target(
            reverse("guidelines:sign", args=[guideline.pk]),
            names(SignForm()),
            {"version": str(guideline.versions.get().pk), "accept": "on"},
        ),
        Target(reverse("guidelines:team")),
        Target(
            reverse("guidelines:report"),
            [*names(ReportFilterForm()), *names(ExportFilterForm()), "page"],
            {"document": str(guideline.pk), "department": sales.slug},
        ),
        Target(reverse("guidelines:export", args=[guideline.pk]), names(ExportFilterForm())),
        Target(reverse("guidelines:export_xlsx", args=[guideline.pk]), names(ExportFilterForm())),
        Target(reverse("guidelines:audit", args=[employee.pk])),
        Target(
            reverse("guidelines:record"),
            names(OnBehalfForm()),
            {"employee": str(employee.pk), "document": str(guideline.pk)},
        ),
        Target(reverse("assignments:team"), names(TeamFilterForm())),
        Target(reverse("assignments:team_csv"), names(TeamFilterForm())),
        Target(reverse("assignments:team_xlsx"), names(TeamFilterForm())),
        Target(
            reverse("assignments:assign"),
            names(AssignForm(people=User.objects.none(), allow_departments=True)),
            {"item": f"course:{course.pk}", "whole_team": "on"},
        ),
        Target(reverse("reminders:remind"), ["assignment"], {"assignment": str(reminded.pk)}),
        Target(reverse("notifications:list"), ["page"]),
        Target(reverse("notifications:mark_read", args=[notification.pk]), ["next"]),
        Target(reverse("notifications:mark_all_read"), ["next"]),
        Target(
            reverse("notifications:profile"),
            names(EmailChoicesForm(initial_choices={})),
            {"essay_marked": "on"},
        ),
        Target(reverse("rollout:board")),
        Target(reverse("award:leaderboard"), ["winner"]),
        Target(reverse("award:period", args=[period.pk]), ["winner"]),
        Target(reverse("rollout:department", args=[sales.slug])),
        Target(reverse("rollout:advance", args=[sales.slug]), names(AdvanceForm())),
        Target(
            reverse("rollout:tick", args=[sales.slug, criterion.pk]),
            names(TickForm()),
            {"note": "Documented"},
        ),
        Target(reverse("runs:detail", args=[run.pk])),
        Target(reverse("runs:calendar", args=[run.pk])),
        Target(reverse("runs:progress", args=[run.pk])),
        Target(reverse("runs:progress_csv", args=[run.pk])),
        Target(reverse("runs:progress_xlsx", args=[run.pk])),
        Target(reverse("api_kpis"), json_api=True),
        Target(reverse("api-root")),
        Target(reverse("openapi-json")),
        Target(reverse("openapi-view")),
        # The project's own admin pages.
        Target(
            reverse("people_import_org"),
            sorted({*names(TabularUploadForm()), *names(TabularApplyForm())}),
            uploads="org",
        ),
        Target(
            reverse("quizzes_import_questions"),
            sorted({*names(TabularUploadForm()), *names(TabularApplyForm())}),
            uploads="questions",
        ),
        Target(
            reverse("rollout_kpi_import"),
            sorted({*names(KpiUploadForm()), *names(KpiApplyForm())}),
            uploads="kpi",
        ),
        Target(reverse("rollout_kpi_token_new"), names(TokenForm())),
        Target(reverse("rollout_kpi_token_deactivate", args=[token.pk])),
        Target(reverse("scim_root")),
        Target(reverse("scim", args=["Users"]), ["filter", "startIndex", "count", "attributes"]),
        Target(reverse("scim_tokens"), names(ScimTokenForm())),
        Target(reverse("scim_token_revoke", args=[scim_token.pk])),
        Target(reverse("rollout_kpi_legacy_token_deactivate", args=[legacy_token.pk])),
    ]
    # The admin's create and edit forms of our models (snippets and model viewsets).
    instances = {
        model: model.objects.order_by("pk").first()
        for model in {
            getattr(viewset, "model", None)
            for viewset in admin_viewsets.viewsets
            if hasattr(viewset, "get_form_class")
        }
        if isinstance(model, type) and model._meta.app_label in OUR_APPS
    }
    for viewset in admin_viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if model not in instances or not hasattr(viewset, "get_form_class"):
            continue
        form_fields = names(viewset.get_form_class())
        targets.append(Target(reverse(f"{viewset.url_namespace}:add"), form_fields))
        instance = instances[model]
        assert instance is not None, f"the walk needs a {model.__name__}"
        targets.append(
            Target(reverse(f"{viewset.url_namespace}:edit", args=[instance.pk]), form_fields)
        )
    # Our own admin views around records that must not be lost: the sign-in lockouts, the
    # session list, and the delete and cancel views that refuse to drop attempts or
    # bookings. Last, since a walk may carry a delete or a cancellation out.
    spare_quiz = factories.quiz(questions=[{"kind": "essay"}])
    upcoming = factories.session(workshop=workshop, starts_in_days=5)
    Booking.objects.create(session=upcoming, workshop=workshop, user=manager, status=Booking.BOOKED)
    targets += [
        Target(reverse("people_lockouts"), names(UnlockForm())),
        Target(reverse("workshop-sessions:index"), ["q", "p", "workshop", "ordering"]),
        Target(reverse("workshop-sessions:index_results"), ["q", "p", "workshop", "ordering"]),
        Target(reverse("sso_identities:index"), ["q", "p", "issuer", "ordering"]),
        Target(reverse("wagtailusers_users:index"), USER_LIST_FIELDS),
        Target(reverse("wagtailusers_users:index_results"), USER_LIST_FIELDS),
        Target(reverse("sso_identities:index_results"), ["q", "p", "issuer", "ordering"]),
        Target(reverse("wagtailsnippets_quizzes_quiz:delete", args=[quiz.pk])),
        Target(reverse("wagtailsnippets_quizzes_question:delete", args=[essay.question_id])),
        Target(reverse("wagtailsnippets_quizzes_quiz:delete", args=[spare_quiz.pk])),
        Target(
            reverse(
                "wagtailsnippets_quizzes_category:delete",
                args=[Category.objects.order_by("pk").first().pk],
            )
        ),
        Target(reverse("workshop-sessions:delete", args=[session.pk])),
        Target(reverse("workshop-sessions:cancel", args=[upcoming.pk])),
        Target(reverse("bootcamp-runs:index"), ["q", "p", "programme", "language", "ordering"]),
        Target(
            reverse("bootcamp-runs:index_results"), ["q", "p", "programme", "language", "ordering"]
        ),
        Target(
            reverse("bootcamp-runs:participants", args=[run.pk]),
            names(AddParticipantsForm()),
            {"person": str(manager.pk)},
        ),
    ]
    users = {
        "anonymous": None,
        "employee": employee,
        "manager": manager,
        "trainer": trainer,
        "admin": admin,
    }
    assert Category.objects.exists() and ChecklistTick is not None
    return World(users=users, token=raw_token, targets=targets, pages=pages, guest=guest)


# --- the walk -----------------------------------------------------------------------------------


@dataclass
class Walker:
    """Sends the hostile values to one target after another; see ``walk`` for what is sent
    and as whom."""

    world: World
    failures: list[str] = field(default_factory=list)
    walked: set[str] = field(default_factory=set)
    requests: int = 0
    # Per role: the client, signed in once for the whole walk, and its session cookie.
    clients: dict[str, Client] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    # (route, role) pairs whose plain GET and POST were sent, and who got the values.
    probed: set[tuple[str, str]] = field(default_factory=set)
    sent_as: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def client(self, user: User | None, **headers) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False, **headers)
        if user is not None:
            client.force_login(user)
        return client

    def role_client(self, role: str) -> Client:
        """The role's client for the next target: signed in as the role, with no cookie but
        the session's from the targets before (as a fresh client, without a new sign-in)."""
        user = self.world.users[role]
        if role not in self.clients:
            self.clients[role] = self.client(user)
            self.remember_session(role)
        client = self.clients[role]
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        client.cookies.clear()
        if session is not None and session.value:
            client.cookies[session.key] = session.value
        return client

    def remember_session(self, role: str) -> None:
        cookie = self.clients[role].cookies.get(settings.SESSION_COOKIE_NAME)
        self.sessions[role] = cookie.value if cookie is not None else ""

    def keep_role(self, role: str) -> None:
        """A logout or a language switch earlier in the walk must not change the role: a
        response that ended or replaced the session changed the session cookie, and the
        client signs in again. (Comparing the cookie, not loading the session from the
        database before every request.)"""
        user = self.world.users[role]
        cookie = self.clients[role].cookies.get(settings.SESSION_COOKIE_NAME)
        if user is not None and (cookie is None or cookie.value != self.sessions[role]):
            self.clients[role].force_login(user)
            self.remember_session(role)

    def send(self, role, what, method, url, body=b"", content_type=None, *, client=None):
        self.requests += 1
        if client is None:
            self.keep_role(role)
            client = self.clients[role]
        if method == "GET":
            response = client.get(url)
        else:
            response = client.generic(
                method,
                url,
                body,
                content_type=content_type or "application/x-www-form-urlencoded",
            )
        if response.status_code >= 500:
            error = getattr(response, "exc_info", None)
            reason = f"{error[0].__name__}: {str(error[1])[:200]}" if error else ""
            self.failures.append(
                f"{response.status_code} {method} {url[:90]} as {role} ({what}) {reason}"
            )
        return response

    @staticmethod
    def unreachable(path: str, response) -> bool:
        if response.status_code == 403:
            return True
        location = response.get("Location", "") if response.status_code == 302 else ""
        return "login" in location or (path.startswith("/admin/") and location == "/admin/")

    def walk(self, target: Target, position: int) -> None:
        """One target, in three steps:

        1. Every role sends a plain GET and a plain POST: every (route, role) pair is
           requested, and a route that refuses a role (403, or a redirect to the sign-in)
           is seen to refuse it. The roles that get past that are this route's reached roles.
        2. The field requests: every hostile value in every field (all fields at once) as
           query string, form body, form body with the valid ids of ``baseline``, and
           multipart body. Each of these requests is sent ONCE, by one reached role: the
           roles take turns request by request, starting at an offset that moves on with
           the target's ``position`` in the world, so the same value goes to a different
           role on the next route and every reached role sends several values on every
           route. (Before, every reached role sent every request: five times the requests
           for the site's routes, and a 500 that only one role can cause is still found
           whenever that role is the one that sends the value; the turns are the same on
           every run, so such a failure does not come and go.)
        3. Raw bytes, the path, broken bodies, uploads and API bodies, each once, by the
           reached roles in turn (anonymous when no role reaches the route).
        """
        route = resolve(target.path).route
        self.walked.add(route)
        reached = []
        for role in self.world.users:
            self.role_client(role)
            self.probed.add((route, role))
            probes = [
                self.send(role, "plain", "GET", target.path),
                self.send(role, "plain", "POST", target.path),
            ]
            if not all(self.unreachable(target.path, probe) for probe in probes):
                reached.append(role)
        requests = [
            *self.field_requests(target),
            *self.raw_requests(target),
            *self.upload_requests(target),
        ]
        if reached:
            start = position % len(reached)
            turns = itertools.cycle(reached[start:] + reached[:start])
        else:
            turns = itertools.repeat("anonymous")
        for role, request in zip(turns, requests, strict=False):
            self.sent_as.setdefault((route, role), []).append(request[0])
            self.send(role, *request)
        if target.json_api:
            self.walk_api(target)

    @staticmethod
    def field_requests(target: Target):
        fields = [*target.fields, *COMMON_FIELDS]
        for what, value in VALUES.items():
            query = urlencoded(fields, value)
            yield f"query {what}", "GET", f"{target.path}?{query}"
            # With the value in the query string too, MalformedInputMiddleware would refuse
            # the query string and never read the body: those values go in the body alone.
            url = target.path if what in REFUSED_AS_TEXT else f"{target.path}?{query}"
            yield f"form {what}", "POST", url, query
            if target.baseline:
                kept = {**dict.fromkeys(fields, value), **target.baseline}
                body = "&".join(f"{encode(k)}={encode(v)}" for k, v in kept.items())
                yield f"form {what} with valid ids", "POST", target.path, body
            if what in MULTIPART_VALUES:
                body, content_type = multipart(dict.fromkeys(fields, value), {})
                yield f"multipart {what}", "POST", target.path, body, content_type

    @staticmethod
    def raw_requests(target: Target):
        fields = [*target.fields, *COMMON_FIELDS]
        for what, raw in RAW_VALUES.items():
            query = urlencoded(fields, raw, raw=True)
            yield f"query {what}", "GET", f"{target.path}?{query}"
            yield f"form {what}", "POST", target.path, query
        suffixes = {"NUL": "%00", "raw surrogate": "%ED%A0%80", "long": "x" * 100_000}
        for what, suffix in suffixes.items():
            yield f"path {what}", "GET", f"{target.path}{suffix}/"
        for number in ("9" * 30, "9" * 5000, "²"):
            path = _replace_ids(target.path, number)
            if path != target.path:
                yield "path ids", "GET", path
                yield "path ids", "POST", path
        broken, content_type = b"--nonsense\r\n\r\n\x00\xff", "multipart/form-data; boundary=x"
        yield "broken multipart", "POST", target.path, broken, content_type

    @staticmethod
    def upload_requests(target: Target):
        if not target.uploads:
            return
        for what, (filename, content) in upload_files(target.uploads).items():
            for dry_run in ("on", ""):
                fields = {"dry_run": dry_run} if dry_run else {}
                body, content_type = multipart(fields, {"file": (filename, content)})
                yield f"upload {what}", "POST", target.path, body, content_type
        for what, (file_format, content) in apply_contents(target.uploads).items():
            data = {"content": content, "file_format": file_format, "source": "walk"}
            body = "&".join(f"{encode(k)}={encode(v)}" for k, v in data.items())
            yield f"apply {what}", "POST", target.path, body

    def walk_api(self, target: Target) -> None:
        client = self.client(None, HTTP_AUTHORIZATION=f"Bearer {self.world.token}")
        for what, body in api_bodies().items():
            for content_type in ("application/json", "text/plain"):
                self.send("API token", what, "POST", target.path, body, content_type, client=client)
        forged = self.client(
            None,
            HTTP_AUTHORIZATION="Bearer \x00\ud800".encode("utf-8", "surrogatepass").decode(
                "iso-8859-1"
            ),
        )
        self.send(
            "forged token", "token", "POST", target.path, b"[]", "application/json", client=forged
        )


def _replace_ids(path: str, number: str) -> str:
    parts = path.split("/")
    return "/".join(number if part.isdigit() else part for part in parts)


KPI_HEADER = b"external_id,department,month,metric,value,employee\n"
ORG_HEADER = b"username,name,email,department,manager\n"
QUESTION_HEADER = b"key,type,question,correct,quizzes\n"
HEADERS = {"org": ORG_HEADER, "kpi": KPI_HEADER, "questions": QUESTION_HEADER}


def upload_files(kind: str) -> dict[str, tuple[bytes, bytes]]:
    header = HEADERS[kind]
    row = {
        "org": b"emma,Emma Berg,emma@example.com,sales,\n",
        "kpi": b"crm-2,sales,2025-04,leads,3,\n",
        "questions": b"emma,tf,Posting daily helps?,3,\n",
    }[kind]
    long_cell = b"x" * 100_000
    files = {
        "NUL in a cell": (b"data.csv", header + row.replace(b"emma", b"em\x00ma", 1)),
        "NUL in the header": (b"data.csv", header.replace(b",", b"\x00,", 1) + row),
        "Latin-1": (
            b"data.csv",
            header + "müller,Jörg Müller,j@example.com,sales,\n".encode("latin-1"),
        ),
        "UTF-16": (b"data.csv", (header + row).decode().encode("utf-16")),
        "encoded surrogate": (b"data.csv", header + b"\xed\xa0\x80," + row),
        "binary": (b"data.csv", bytes(range(256)) * 4),
        "long cells": (b"data.csv", header + b",".join([long_cell] * 5) + b"\n"),
        "5000 digits": (b"data.csv", header + row.replace(b",3,", b"," + b"9" * 5000 + b",")),
        "NUL in the file name": (b"da\x00ta.csv", header + row),
        "surrogate in the file name": (b"\xed\xa0\x80.csv", header + row),
        "long file name": (b"x" * 100_000 + b".csv", header + row),
        "deep JSON": (b"data.json", b"[" * 100_000 + b"]" * 100_000),
        "JSON number": (b"data.json", json_record(b"9" * 5000)),
        "JSON float": (b"data.json", json_record(b"1" * 5000 + b".5")),
        "JSON NUL": (b"data.json", json_record(b"3", external_id=rb'"a\u0000"')),
        "JSON surrogate": (b"data.json", json_record(b"3", external_id=rb'"\ud800"')),
        "JSON NaN": (b"data.json", json_record(b"NaN")),
        "empty": (b"data.csv", b""),
        "broken workbook": (b"data.xlsx", b"PK\x03\x04" + b"\x00" * 200),
        "old Excel": (b"data.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200),
    }
    return files


def json_record(value: bytes, external_id: bytes = b'"crm-9"') -> bytes:
    return (
        b'[{"external_id": '
        + external_id
        + b', "department": "sales", "month": "2025-03", "metric": "leads", "value": '
        + value
        + b"}]"
    )


def apply_contents(kind: str) -> dict[str, tuple[str, str]]:
    header = HEADERS[kind].decode()
    return {
        "long": ("csv", header + "x" * 100_000),
        "5000 digits": ("csv", header + "crm-3,sales,2025-04,leads," + "9" * 5000 + ",\n"),
        "deep JSON": ("json", "[" * 100_000 + "]" * 100_000),
        "JSON number": ("json", json_record(b"9" * 5000).decode()),
        "bad format": ("xml", header),
    }


def api_bodies() -> dict[str, bytes]:
    return {
        "deep JSON": b"[" * 100_000 + b"]" * 100_000,
        "deep objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "5000-digit number": json_record(b"9" * 5000),
        "5000-digit float": json_record(b"1" * 5000 + b".5"),
        "5000-digit exponent": json_record(b"1e" + b"9" * 5000),
        "NaN": json_record(b"NaN"),
        "NUL escape": json_record(b"3", external_id=rb'"a\u0000"'),
        "surrogate escape": json_record(b"3", external_id=rb'"\udfff"'),
        "surrogate key": b'[{"\\ud800": 1}]',
        "raw NUL": b"[\x00]",
        "not UTF-8": b'[{"external_id": "\xff"}]',
        "long id": json_record(b"3", external_id=b'"' + b"x" * 100_000 + b'"'),
        "long department": json_record(b"3").replace(b'"sales"', b'"' + b"s" * 100_000 + b'"'),
        "digits as text": json_record(b'"' + b"9" * 5000 + b'"'),
        "superscript digit": json_record('"²"'.encode()),
        "wrong types": b'[{"external_id": [], "department": {}, "month": 3, "metric": 1, "value": true, "employee": []}]',
        "empty": b"",
    }


def run_walk(world: World, part: int) -> Walker:
    walker = Walker(world)
    for position, target in enumerate(world.targets):
        if position % PARTS == part:
            walker.walk(target, position)
    return walker


@pytest.fixture(scope="class")
def built_world(django_db_setup, django_db_blocker) -> World:
    """The world, built once for the walk's tests inside a transaction that is rolled back
    after them; each test runs in a savepoint of it, so what one walk deletes or cancels is
    back for the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(factories.department(name="Sales", slug="sales"))
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world, db, caplog) -> World:
    # Thousands of 400s and 404s would each be logged; a 5xx is reported by the walk itself.
    caplog.set_level(logging.CRITICAL, logger="django.request")
    return built_world


# The walk in parts, so that parallel test runs (pytest-xdist) share it out evenly: every
# PARTS-th target, site and admin routes mixed, the deleting admin views last in each part.
PARTS = 6


@pytest.mark.runs_first
class TestWalk:
    @pytest.mark.parametrize("part", range(PARTS))
    def test_routes_survive_hostile_input(self, world, part):
        walker = run_walk(world, part)
        assert not walker.failures, f"{len(walker.failures)} of {walker.requests} requests:\n" + (
            "\n".join(walker.failures)
        )
        # The turns of walk(): every role tried every route, every reached role sent values.
        routes = {route for route, _role in walker.probed}
        assert walker.probed == {(route, role) for route in routes for role in world.users}
        assert all(len(sent) >= 3 for sent in walker.sent_as.values()), walker.sent_as

    def test_the_walk_covers_every_route_and_page_type(self, world):
        """A new URL pattern (or page type) fails here until the walk above visits it."""
        walked = {resolve(target.path).route for target in world.targets}
        missing = routes_to_walk() - walked
        assert not missing, f"URL patterns the hostile-input walk does not visit: {sorted(missing)}"
        assert our_page_models() <= set(world.pages), "a page type is not walked"


# --- the shared mechanisms, one by one ----------------------------------------------------------


def login(user, **extra) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False, **extra)
    client.force_login(user)
    return client


@pytest.fixture
def admin(db):
    return factories.user(username="boss", groups=(roles.ADMINS,))


@pytest.fixture
def document(db):
    return factories.guideline()


def test_nul_in_the_query_string_is_a_clear_400(admin, document, sales):
    url = reverse("guidelines:export", args=[document.pk])
    response = login(admin).get(f"{url}?department=%00")
    assert response.status_code == 400
    text = response.content.decode()
    assert "The query parameter “department” contains a NUL character (byte 0)" in text
    # The same export with a real department still works.
    assert login(admin).get(f"{url}?department={sales.slug}").status_code == 200


def test_the_400_page_speaks_the_visitors_language(admin, document):
    admin.language = "de"
    admin.save()
    url = reverse("guidelines:export", args=[document.pk])
    response = login(admin).get(f"{url}?department=%00")
    assert response.status_code == 400
    assert "enthält ein NUL-Zeichen" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=%ED%A0%80", "The query parameter “q” is not valid UTF-8 (byte 1)."),
        ("q=M%FCller", "The query parameter “q” is not valid UTF-8 (byte 2)."),
        ("%FF=1", "The query string is not valid UTF-8 (byte 1)."),
    ],
)
def test_bytes_that_are_not_utf8_in_the_query_string_are_a_400(employee_client, query, message):
    response = employee_client.get(f"/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_nul_in_the_path_is_a_400(client):
    response = client.get("/learn/%00/")
    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()
    # Django keeps other undecodable bytes percent-encoded: a page that does not exist.
    assert client.get("/learn/%ED%A0%80/").status_code == 404


def test_a_number_longer_than_any_id_in_the_path_names_nothing(employee_client, course):
    assert employee_client.post(f"/learn/courses/{'9' * 30}/enrol/").status_code == 404
    assert employee_client.get(f"/documents/{'9' * 5000}/x.txt").status_code == 404


def test_ids_beyond_the_integer_range_match_no_row_through_relations(employee, sales, course):
    """SQLite raised OverflowError for these; now they are "no such row" everywhere."""
    big = 10**30
    assert not User.objects.filter(department_id=big).exists()
    assert list(User.objects.exclude(department_id=big)) == [employee]
    assert list(User.objects.filter(pk__in=[big, employee.pk])) == [employee]
    assert not type(course).objects.filter(pk=big).exists()
    assert not type(course).objects.filter(pk__in=[big]).exists()


def test_nul_in_a_posted_field_is_a_400_and_nothing_is_stored(sales):
    owner = factories.user(username="owner", department=sales)
    DepartmentRollout.objects.update_or_create(department=sales, defaults={"owner": owner})
    criterion = Criterion.objects.filter(kind=Criterion.CHECKLIST).first()
    url = reverse("rollout:tick", args=[sales.slug, criterion.pk])
    response = login(owner).post(url, "note=Docs%00here", content_type=FORM)
    assert response.status_code == 400
    assert "The form field “note” contains a NUL character" in response.content.decode()
    response = login(owner).post(url, b"note=Docs\xed\xa0\x80", content_type=FORM)
    assert response.status_code == 400
    assert not ChecklistTick.objects.exists()


FORM = "application/x-www-form-urlencoded"


def test_a_tick_note_is_validated_by_its_form(sales):
    owner = factories.user(username="owner", department=sales)
    DepartmentRollout.objects.update_or_create(department=sales, defaults={"owner": owner})
    criterion = Criterion.objects.filter(kind=Criterion.CHECKLIST).first()
    url = reverse("rollout:tick", args=[sales.slug, criterion.pk])
    response = login(owner).post(url, {"note": "x" * 2001}, follow=True)
    assert "at most 2000 characters" in response.content.decode()
    assert not ChecklistTick.objects.exists()
    login(owner).post(url, {"note": "x" * 2000})
    assert len(ChecklistTick.objects.get().note) == 2000


def test_the_database_refuses_overlong_rollout_notes(sales):
    criterion = Criterion.objects.filter(kind=Criterion.CHECKLIST).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistTick.objects.create(department=sales, criterion=criterion, note="x" * 2001)
    with pytest.raises(IntegrityError), transaction.atomic():
        StageChange.objects.create(
            department=sales, from_stage=1, to_stage=2, changed_at=timezone.now(), note="x" * 2001
        )


def test_a_cookie_with_nul_is_ignored(employee_client):
    employee_client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    employee_client.cookies["csrftoken"] = "\x00"
    assert employee_client.get("/").status_code == 200


def test_a_page_repeats_a_short_query_string_but_not_a_huge_one(employee, client):
    """The forms that bring the visitor back (language switch, mark as read, sign-in) carry
    the page's address; a query string of a megabyte is left out of it, not repeated per
    form."""
    for number in range(3):
        notification_services.notify(
            kind="essay_marked", recipient=employee, key=f"n{number}", params={"title": "Quiz"}
        )
    signed_in = login(employee)
    url = reverse("notifications:list")
    page = signed_in.get(f"{url}?page=1&q=short").content.decode()
    assert page.count(f'name="next" type="hidden" value="{url}?page=1&amp;q=short"') == 1
    assert page.count(f'name="next" value="{url}?page=1&amp;q=short"') == 3
    huge = "x" * 100_000
    response = signed_in.get(f"{url}?q={huge}")
    assert response.status_code == 200
    assert huge not in response.content.decode()
    assert response.content.decode().count(f'value="{url}"') == 4  # the path alone
    sign_in_link = client.get(f"/?q={huge}").content.decode()
    assert huge not in sign_in_link
    assert f'href="{reverse("login")}?next=/"' in sign_in_link


@pytest.fixture
def token(db):
    _token, raw = factories.kpi_token(name="CRM")
    return raw


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "more than 32 levels deep"),
        (json_record(b"9" * 5000), "a number of 5000 characters; the most is 100"),
        (json_record(b"1" * 5000 + b".5"), "a number of 5002 characters"),
        (json_record(b"NaN"), "contains NaN, which is not a number in JSON"),
        (json_record(b"3", external_id=rb'"a\u0000"'), "contains a NUL character (byte 0)"),
        (json_record(b"3", external_id=rb'"\ud800"'), "unpaired UTF-16 surrogate (U+D800)"),
        (b'[{"\\udfff": 1}]', "unpaired UTF-16 surrogate (U+DFFF)"),
        (b'[{"external_id": "\xff"}]', "The JSON is not UTF-8 (byte 19)."),
    ],
)
def test_the_api_answers_400_for_malformed_json(client, token, sales, body, message):
    response = client.post(
        reverse("api_kpis"),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not KpiRecord.objects.exists()


def test_a_kpi_value_of_thousands_of_digits_is_a_row_error(client, token, sales):
    body = json_record(b'"' + b"9" * 5000 + b'"')
    response = client.post(
        reverse("api_kpis"),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "value"
    assert "5000 digits" in error["message"]


def test_json_nesting_is_counted_outside_strings_only():
    assert load_json('["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\"]') == ["[" * 38 + "\\"]
    assert load_json("[" * 32 + "]" * 32) is not None
    with pytest.raises(MalformedInput):
        load_json("[" * 33 + "]" * 33)
    assert load_json(b"\xef\xbb\xbf[1, 2.5]") == [1, 2.5]


def test_kpi_upload_with_a_nul_byte_names_the_line(admin, sales):
    content = KPI_HEADER + b"crm-2,sales,2025-04,le\x00ads,3,\n"
    response = login(admin).post(
        reverse("rollout_kpi_import"),
        {"file": ContentFile(content, name="kpis.csv"), "dry_run": "on"},
    )
    assert response.status_code == 200
    assert "Line 2 of the file contains a NUL character (byte 0)" in response.content.decode()
    assert not KpiRecord.objects.exists()


def test_org_import_with_a_nul_byte_names_the_line(admin, sales):
    content = ORG_HEADER + b"emma,Emma Berg,emma@example.com,sales,\nnils\x00,Nils,,sales,\n"
    response = login(admin).post(
        reverse("people_import_org"),
        {"file": ContentFile(content, name="people.csv"), "dry_run": ""},
    )
    assert response.status_code == 200
    assert "Line 3 of the file contains a NUL character (byte 0)" in response.content.decode()
    assert not User.objects.filter(username="emma").exists()


def test_quiz_import_refuses_nul_bytes(db):
    from lms.quizzes.importing import QuizImportError
    from lms.quizzes.question_csv import import_questions_csv

    with pytest.raises(QuizImportError, match="Line 2 of the file contains a NUL"):
        import_questions_csv(file=io.BytesIO(b"key,kind,question\nk\x00,mc,Why?\n"))


def test_a_digit_that_int_refuses_is_no_question_id(employee_client, employee):
    quiz = factories.quiz(questions=[{}, {"kind": "tf", "correct": True}])
    quiz_services.start_sitting(user=employee, quiz=quiz)
    url = reverse("quizzes:take", args=[quiz.slug])
    assert employee_client.get(f"{url}?after=²").status_code == 200
    assert employee_client.get(f"{url}?after={'9' * 5000}").status_code == 200
    assert employee_client.post(url, {"question": "²"}).status_code == 400
    assert not Sitting.objects.filter(complete=True).exists()


@pytest.mark.parametrize(
    ("value", "number"),
    [("12", 12), (" 7 ", 7), ("²", None), ("-1", None), ("9" * 20, None), ("1.5", None)],
)
def test_whole_number(value, number):
    assert whole_number(value) == number


@pytest.mark.parametrize("value", ["abc", "9" * 5000, "²"])
def test_an_admin_chooser_shows_a_form_error_for_a_posted_non_id(admin, value):
    response = login(admin).post(
        reverse("workshop-sessions:add"),
        {"workshop": value, "starts_at": "", "ends_at": "", "location": "", "capacity": "5"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
