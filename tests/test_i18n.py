"""German and English UI: the account language, complete catalogs, no mixed-language pages."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# Where our own msgids live; the rest of the tree has none (tests, tooling) or is not ours.
SOURCE_DIRS = ("lms", "courses", "home", "templates")
FIX_HINT = (
    "Run `make messages`, translate the new entries in locale/de/LC_MESSAGES/django.po "
    "(formal “Sie”), resolve fuzzy entries, then `make install` to compile."
)


@pytest.fixture
def german_client(employee):
    employee.language = "de"
    employee.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(employee)
    return client


def test_course_page_follows_the_account_language(german_client, course):
    page = german_client.get(course.url).content.decode()
    assert "Kurs starten" in page
    assert "Start course" not in page
    assert 'lang="de"' in page


def test_module_page_speaks_german(german_client, course):
    page = german_client.get(factories.modules_of(course)[0].url).content.decode()
    assert "Als erledigt markieren" in page


def test_visitors_get_their_browser_language(course):
    assert "Anmelden" in Client(HTTP_ACCEPT_LANGUAGE="de").get(course.url).content.decode()
    assert "Log in" in Client(HTTP_ACCEPT_LANGUAGE="en").get(course.url).content.decode()


def test_language_switcher_remembers_the_choice_on_the_account(german_client, employee, course):
    response = german_client.post("/i18n/setlang/", {"language": "en", "next": course.url})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.language == "en"
    fresh = Client(HTTP_ACCEPT_LANGUAGE="de")
    fresh.force_login(employee)
    assert "Start course" in fresh.get(course.url).content.decode()


def test_unknown_language_changes_nothing(german_client, employee):
    german_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    employee.refresh_from_db()
    assert employee.language == "de"


# --- Reading .po files --------------------------------------------------------------------


@dataclass(frozen=True)
class PoEntry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: tuple[str, ...]
    fuzzy: bool
    obsolete: bool

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return not self.msgid and not self.msgctxt

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs) and not self.fuzzy

    def label(self) -> str:
        return f"{self.msgctxt}|{self.msgid}" if self.msgctxt else self.msgid


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match[1], match[0]), text)


def read_po(path: Path) -> list[PoEntry]:
    """The entries of a .po or .pot file, the header (msgid "") included."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        current = None
        fuzzy = obsolete = False
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].strip()
                if line.startswith("|"):
                    continue
            elif line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in {flag.strip() for flag in line[2:].split(",")}
                continue
            elif line.startswith("#") or not line:
                continue
            if match := _KEYWORD.match(line):
                current = match[1]
                fields[current] = _unquote(match[2])
            elif line.startswith('"') and line.endswith('"') and current:
                fields[current] += _unquote(line[1:-1])
        if "msgid" not in fields:
            continue
        entry = PoEntry(
            msgctxt=fields.get("msgctxt"),
            msgid=fields["msgid"],
            msgid_plural=fields.get("msgid_plural"),
            msgstrs=tuple(
                value
                for name, value in sorted(fields.items())
                if name == "msgstr" or name.startswith("msgstr[")
            ),
            fuzzy=fuzzy,
            obsolete=obsolete,
        )
        entries.append(entry)
    return entries


def catalog(language: str) -> list[PoEntry]:
    return read_po(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")


# --- The catalogs are complete ------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted_msgids(tmp_path_factory) -> dict[tuple[str | None, str], PoEntry]:
    """Our msgids as `make messages` extracts them, from a copy of the sources.

    makemessages writes its preprocessed templates next to the originals and its output
    into the locale dir; working on copies keeps the checkout (and other people's
    editors) untouched.
    """
    work = tmp_path_factory.mktemp("makemessages")
    root = Path(settings.BASE_DIR)
    for name in SOURCE_DIRS:
        shutil.copytree(
            root / name,
            work / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "content"),
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        patch.setattr(settings, "LOCALE_PATHS", [str(work / "locale")])
        call_command("makemessages", locale=["de"], keep_pot=True, verbosity=0)
    pot = read_po(work / "locale" / "django.pot")
    return {entry.key: entry for entry in pot if not entry.is_header}


def _listing(labels) -> str:
    return "\n".join(f"  - {label!r}" for label in sorted(labels))


def test_every_msgid_of_ours_has_a_german_translation(extracted_msgids):
    german = {entry.key: entry for entry in catalog("de") if not entry.obsolete}
    missing = [entry.label() for key, entry in extracted_msgids.items() if key not in german]
    untranslated = [
        entry.label()
        for key, entry in extracted_msgids.items()
        if key in german and not german[key].translated
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} msgid(s) missing from locale/de:\n{_listing(missing)}")
    if untranslated:
        problems.append(
            f"{len(untranslated)} msgid(s) without a German translation (empty or fuzzy):\n"
            f"{_listing(untranslated)}"
        )
    assert not problems, "\n".join(problems) + "\n" + FIX_HINT


def test_every_msgid_of_ours_is_in_the_english_catalog(extracted_msgids):
    # English msgids need no msgstr, but the catalog must know them, so that
    # `make messages` has nothing to add and German msgids get an English msgstr.
    english = {entry.key: entry for entry in catalog("en") if not entry.obsolete}
    missing = [entry.label() for key, entry in extracted_msgids.items() if key not in english]
    not_english = [
        entry.label()
        for key, entry in extracted_msgids.items()
        if key in english and _looks_german(entry.msgid) and not english[key].translated
    ]
    assert not missing, f"msgid(s) missing from locale/en:\n{_listing(missing)}\n{FIX_HINT}"
    assert not not_english, (
        f"German msgid(s) without an English msgstr in locale/en:\n{_listing(not_english)}"
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_catalogs_have_no_fuzzy_entries(language):
    fuzzy = [entry.label() or "(header)" for entry in catalog(language) if entry.fuzzy]
    assert not fuzzy, (
        f"locale/{language} has fuzzy entries, which gettext ignores; check the translation "
        f"and remove the `#, fuzzy` flag:\n{_listing(fuzzy)}"
    )


def _looks_german(text: str) -> bool:
    return bool(re.search(r"[äöüßÄÖÜ]", text))


# --- No mixed-language pages --------------------------------------------------------------

# Words that are correct in German and in English UI text alike ("Breadcrumbs": Wagtail's
# German admin uses it).
SHARED_WORDS = {
    "Breadcrumbs",
    "Dashboard",
    "E-Mail",
    "Email",
    "Feedback",
    "LinkedIn",
    "Marketing",
    "Name",
    "Quiz",
    "Rollout",
    "Social Selling",
    "Status",
    "Team",
    "Workshop",
    "Workshops",
}
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{\{[^}]*\}\}")


def _fragments(text: str) -> list[str]:
    """The literal pieces of a msgid or msgstr around its placeholders."""
    pieces = (piece.strip(" \t\n.,:;!?–—-()“”„\"'·/") for piece in PLACEHOLDER.split(text))
    return [piece for piece in pieces if piece]


def _distinctive(fragment: str) -> bool:
    if fragment.casefold() in {word.casefold() for word in SHARED_WORDS}:
        return False
    return len(fragment) >= 8 or len(fragment.split()) >= 2


@cache
def foreign_fragments(language: str) -> dict[str, str]:
    """Text of ours that must not appear on a page in `language`: fragment -> its msgid."""
    german = {
        entry.key: entry
        for entry in catalog("de")
        if entry.translated and not entry.is_header and not entry.obsolete
    }
    english = {
        entry.key: entry for entry in catalog("en") if not entry.fuzzy and not entry.obsolete
    }
    texts = []  # (msgid, German text, English text)
    for key, entry in german.items():
        other = english.get(key)
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        for index, source in enumerate(sources):
            de_text = entry.msgstrs[min(index, len(entry.msgstrs) - 1)]
            en_text = source
            if other is not None and other.translated:
                en_text = other.msgstrs[min(index, len(other.msgstrs) - 1)]
            texts.append((entry.msgid, de_text, en_text))
    wanted, unwanted = (1, 2) if language == "de" else (2, 1)
    # A piece that one of our strings in the page's own language also contains is fine.
    own_language = "\n".join(text[wanted] for text in texts)
    fragments = {}
    for text in texts:
        if text[1].casefold() == text[2].casefold():
            continue
        for fragment in _fragments(text[unwanted]):
            if _distinctive(fragment) and not _contains(own_language, fragment):
                fragments[fragment] = text[0]
    return fragments


def _contains(text: str, fragment: str) -> bool:
    # The plain substring test first: the same answer whenever it is no (a whole-word match
    # is a substring), at a fraction of a regular expression's cost; most fragments are in
    # no page.
    return fragment in text and _word(fragment).search(text) is not None


@cache
def _word(fragment: str) -> re.Pattern:
    # Compiled once: the check looks for every fragment in every page, more often than
    # Python's own cache of compiled patterns holds.
    return re.compile(rf"(?<!\w){re.escape(fragment)}(?!\w)")


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes plus labels in attributes."""

    SKIP = {"script", "style", "template", "noscript"}
    LABELS = ("aria-label", "alt", "title", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.lang: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if tag in self.SKIP:
            self.skipping += 1
        self.parts.extend(values[name] for name in self.LABELS if values.get(name))
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> VisibleText:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def mixed_language(text: str, language: str) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)
    return sorted(
        f"{fragment!r} (msgid {msgid!r})"
        for fragment, msgid in foreign_fragments(language).items()
        if _contains(text, fragment)
    )


def test_the_mixed_language_check_finds_foreign_text():
    english = VisibleText.of("<p>Nothing here</p><button title='Start course'>x</button>").text
    assert mixed_language(english, "de") == ["'Start course' (msgid 'Start course')"]
    assert mixed_language("<p>Kurs starten</p>", "en")
    assert not mixed_language("Kurs starten · Dashboard · Team", "de")


@dataclass
class World:
    employee: object
    manager: object
    trainer: object
    admin: object
    urls: dict[str, tuple[object | None, str]]


@pytest.fixture
def world(sales, employee, manager, trainer) -> World:
    """One of everything the main pages show, for every role."""
    from courses import services as course_services
    from lms.assignments import services as assignment_services
    from lms.assignments.models import Assignment
    from lms.award.models import AwardPeriod
    from lms.guidelines import selectors as guideline_selectors
    from lms.guidelines import services as guideline_services
    from lms.people import roles
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import Question, Sitting
    from lms.stories.models import SuccessStoryIndexPage
    from lms.workshops import services as workshop_services

    admin = factories.user(username="alex", groups=(roles.ADMINS, roles.LEADERSHIP))
    for person, mail_address in ((employee, "emma@example.com"), (manager, "mark@example.com")):
        person.email = mail_address
        person.first_name = person.first_name or person.username.title()
        person.save()
    employee.manager = manager
    employee.save()
    today = timezone.localdate()

    course = factories.course(title="Course Alpha", departments=(sales,), modules=2)
    plain_module, quiz_module = factories.modules_of(course)
    graded = factories.quiz(
        title="Quiz Alpha",
        questions=[
            {"kind": "mc", "content": "Alpha?"},
            {"kind": "tf", "content": "Beta?", "correct": True},
        ],
        review="at_end",
        max_attempts=3,
    )
    quiz_module.quiz = graded
    quiz_module.save_revision().publish()
    course_services.complete_module(user=employee, module=plain_module)

    finished = quiz_services.start_sitting(user=employee, quiz=graded, module_id=quiz_module.pk)
    questions = Question.objects.in_bulk(finished.question_order)
    for question in (questions[pk] for pk in finished.question_order):
        # Wrong answers: the result page then shows the fail text and another attempt.
        wrong = list(question.answers.filter(correct=False).values_list("pk", flat=True))
        quiz_services.submit_answer(
            user=employee,
            sitting_id=finished.pk,
            question_id=question.pk,
            choice_ids=wrong or None,
            true_false=False if question.is_true_false else None,
        )
    open_quiz = factories.quiz(
        title="Quiz Beta", questions=[{"kind": "tf", "content": "Gamma?", "correct": True}]
    )
    quiz_services.start_sitting(user=employee, quiz=open_quiz)
    essay_quiz = factories.quiz(
        title="Quiz Gamma", questions=[{"kind": "essay", "content": "Delta?"}]
    )
    essay = quiz_services.start_sitting(user=employee, quiz=essay_quiz)
    quiz_services.submit_answer(
        user=employee,
        sitting_id=essay.pk,
        question_id=essay.question_order[0],
        essay="My answer.",
    )
    finished = Sitting.objects.get(pk=finished.pk)

    document = factories.guideline(title="Rules Alpha")
    guideline_services.sign(
        user=manager,
        document=document,
        version_id=guideline_selectors.current_version(document=document).pk,
    )

    workshop = factories.workshop(title="Workshop Alpha", open_to_all=True, trainer=trainer)
    session = factories.session(workshop=workshop, capacity=5)
    workshop_services.book_session(user=employee, session=session)

    assignment_services.assign(
        assigned_by=manager, assignees=[employee], item=course, due_date=today + timedelta(days=2)
    )
    Assignment.objects.create(
        assignee=employee,
        assigned_by=manager,
        workshop=workshop,
        due_date=today - timedelta(days=3),
        note="Please join.",
    )
    AwardPeriod.objects.create(
        name="Period Alpha",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
    )

    urls = {
        "login page": (None, reverse("login")),
        "home page (visitor)": (None, "/"),
        "course page (visitor)": (None, course.url),
        "dashboard": (employee, "/"),
        "course catalog": (employee, factories.catalog().url),
        "course page": (employee, course.url),
        "module page": (employee, plain_module.url),
        "module page with quiz": (employee, quiz_module.url),
        "quiz page": (employee, reverse("quizzes:detail", args=[open_quiz.slug])),
        "quiz take page": (employee, reverse("quizzes:take", args=[open_quiz.slug])),
        "quiz result": (employee, reverse("quizzes:result", args=[finished.pk])),
        "quiz results overview": (employee, reverse("quizzes:progress")),
        "guidelines list": (employee, document.get_parent().url),
        "guidelines page": (employee, document.url),
        "workshops list": (employee, reverse("workshops:index")),
        "success stories": (employee, SuccessStoryIndexPage.objects.get().url),
        "workshop page with my booking": (employee, workshop.url),
        "manager team view": (manager, reverse("assignments:team")),
        "assignment form": (manager, reverse("assignments:assign")),
        "guidelines in my team": (manager, reverse("guidelines:team")),
        "marking queue": (trainer, reverse("quizzes:marking")),
        "marking an essay": (trainer, reverse("quizzes:mark", args=[essay.pk])),
        "attendance": (trainer, reverse("workshops:attendance", args=[session.pk])),
        "rollout board": (admin, reverse("rollout:board")),
        "rollout department": (admin, reverse("rollout:department", args=[sales.slug])),
        "award leaderboard": (admin, reverse("award:leaderboard")),
        "sign-off report": (admin, reverse("guidelines:report") + f"?document={document.pk}"),
        "sign-off history": (admin, reverse("guidelines:audit", args=[employee.pk])),
        "paper sign-off form": (admin, reverse("guidelines:record")),
        "admin dashboard": (trainer, reverse("wagtailadmin_home")),
        "admin: import people": (admin, reverse("people_import_org")),
        "admin: sign-in lockouts": (admin, reverse("people_lockouts")),
        "admin: import KPIs": (admin, reverse("rollout_kpi_import")),
        "admin: sign-offs": (admin, "/admin/signoffs/"),
        "page not found": (employee, "/no-such-page/"),
        "access denied": (employee, reverse("rollout:board")),
    }
    return World(employee=employee, manager=manager, trainer=trainer, admin=admin, urls=urls)


def _client(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


def _check(name: str, html: str, language: str, problems: list[str]) -> None:
    page = VisibleText.of(html)
    if page.lang is not None and page.lang != language:
        problems.append(f'{name}: <html lang="{page.lang}">')
    if found := mixed_language(page.text, language):
        problems.append(f"{name}:\n" + "\n".join(f"    {item}" for item in found))


@pytest.mark.parametrize("language", ["de", "en"])
def test_main_pages_speak_one_language(world, language):
    problems: list[str] = []
    clients: dict[object, Client] = {}
    for name, (user, url) in world.urls.items():
        client = clients.setdefault(user, _client(user, language))
        response = client.get(url, follow=True)
        expected = {"page not found": 404, "access denied": 403}.get(name, 200)
        assert response.status_code == expected, f"{name}: {url} answered {response.status_code}"
        _check(f"{name} ({url})", response.content.decode(), language, problems)

    # Form errors and messages after a POST.
    manager = clients[world.manager]
    response = manager.post(reverse("assignments:assign"), {"due_date": "2000-01-01"})
    _check("assignment form with errors", response.content.decode(), language, problems)
    employee = clients[world.employee]
    course_module = next(url for name, (_u, url) in world.urls.items() if name == "module page")
    response = employee.post(course_module, follow=True)
    _check("module page after a POST", response.content.decode(), language, problems)
    response = Client(HTTP_ACCEPT_LANGUAGE=language).post(
        reverse("login"), {"username": "nobody", "password": "wrong"}
    )
    _check("login page with errors", response.content.decode(), language, problems)

    assert not problems, (
        f"Text in the wrong language on {language!r} pages:\n"
        + "\n".join(problems)
        + f"\nMark the text for translation and translate it. {FIX_HINT}"
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_reminder_emails_speak_the_recipients_language(world, language):
    from lms.reminders.services import send_due_reminders

    for person in (world.employee, world.manager):
        person.language = language
        person.save(update_fields=["language"])
    mail.outbox.clear()
    send_due_reminders()
    assert len(mail.outbox) >= 3, [message.subject for message in mail.outbox]
    problems: list[str] = []
    for message in mail.outbox:
        name = f"email {message.subject!r} to {message.to[0]}"
        _check(name, message.alternatives[0][0], language, problems)
        if found := mixed_language(f"{message.subject}\n{message.body}", language):
            problems.append(f"{name} (text part):\n" + "\n".join(f"    {i}" for i in found))
    assert not problems, "\n".join(problems) + f"\n{FIX_HINT}"


# --- The Wagtail admin speaks the account language ----------------------------------------

ADMIN_TITLES = {
    "de": "<title>Übersicht - Bootcamp LMS</title>",
    "en": "<title>Dashboard - Bootcamp LMS</title>",
}


def _admin_home(user, *, browser: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=browser)
    client.force_login(user)
    return client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize(("language", "browser"), [("de", "en"), ("en", "de")])
def test_admin_speaks_the_account_language(trainer, language, browser):
    trainer.language = language
    trainer.save()
    page = _admin_home(trainer, browser=browser)
    assert f'<html lang="{language}"' in page
    assert ADMIN_TITLES[language] in page


def test_a_new_admin_profile_starts_with_the_account_language(trainer):
    from wagtail.users.models import UserProfile

    trainer.language = "de"
    trainer.save()
    assert UserProfile.get_for_user(trainer).preferred_language == "de"


def test_the_language_switcher_also_switches_the_admin(trainer, course):
    from wagtail.users.models import UserProfile

    trainer.language = "de"
    trainer.save()
    UserProfile.get_for_user(trainer)  # as when the account settings were opened once
    assert ADMIN_TITLES["de"] in _admin_home(trainer, browser="de")

    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(trainer)
    client.post(reverse("set_language"), {"language": "en", "next": course.url})

    assert UserProfile.objects.get(user=trainer).preferred_language == "en"
    assert ADMIN_TITLES["en"] in _admin_home(trainer, browser="de")


def _account_form(user, language: str) -> dict[str, str]:
    return {
        "name_email-first_name": user.first_name or "Tina",
        "name_email-last_name": user.last_name or "Trainer",
        "name_email-email": user.email or "tina@example.com",
        "locale-preferred_language": language,
        "locale-current_time_zone": "",
        "theme-theme": "system",
        "theme-density": "default",
        "theme-contrast": "system",
        "theme-keyboard_shortcuts": "true",
    }


def test_wagtail_account_settings_change_the_account_language(trainer, course):
    from wagtail.users.models import UserProfile

    trainer.language = "en"
    trainer.save()
    UserProfile.get_for_user(trainer)  # as when the account settings were opened before
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(trainer)
    response = client.post(reverse("wagtailadmin_account"), _account_form(trainer, "de"))
    assert response.status_code == 302, response.content.decode()[:2000]

    trainer.refresh_from_db()
    assert trainer.language == "de"
    assert UserProfile.objects.get(user=trainer).preferred_language == "de"
    assert "Kurs starten" in client.get(course.url).content.decode()
    assert ADMIN_TITLES["de"] in client.get(reverse("wagtailadmin_home")).content.decode()


def test_server_language_in_the_account_settings_keeps_the_account_language(trainer):
    from wagtail.users.models import UserProfile

    trainer.language = "en"
    trainer.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(trainer)
    client.post(reverse("wagtailadmin_account"), _account_form(trainer, ""))

    trainer.refresh_from_db()
    assert trainer.language == "en"
    assert UserProfile.objects.get(user=trainer).preferred_language == "en"


def test_account_settings_offer_only_the_site_languages(trainer):
    client = Client()
    client.force_login(trainer)
    page = client.get(reverse("wagtailadmin_account")).content.decode()
    options = re.findall(
        r'<option value="([^"]*)"',
        page.split('name="locale-preferred_language"')[1].split("</select>")[0],
    )
    assert sorted(options) == ["", "de", "en"]
