"""Issue #15, content and learner pages: computed course durations, workshop session labels,
the cancel confirmation, the dashboard after finishing a course, the cover font, the admin's
branding and the German texts that were untranslated or wrong."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageDraw, ImageFont
from wagtail.models import Workflow

from courses import services as course_services
from lms.core.blocks import ExamplePostBlock
from lms.demo import covers
from lms.people import roles
from lms.quizzes.models import Quiz
from lms.workshops import services as workshop_services
from lms.workshops.models import Booking
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def german(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    user.language = "de"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


class TestComputedDurations:
    @pytest.fixture
    def course_with_draft(self, sales):
        course = factories.course(title="Durations", modules=3, departments=(sales,))
        modules = factories.modules_of(course)
        modules[0].estimated_minutes = 25
        modules[0].save_revision().publish()
        modules[2].unpublish()  # a draft module adds neither a module nor minutes
        return course

    def test_course_page_counts_live_modules_only(self, employee_client, course_with_draft):
        page = employee_client.get(course_with_draft.url).content.decode()
        assert "2 modules" in page
        assert "about 35 minutes" in page  # 25 + 10; the draft's 10 do not count
        assert "3 modules" not in page

    def test_catalog_card_agrees_with_the_course_page(self, employee_client, course_with_draft):
        page = employee_client.get(reverse("courses:catalog"), follow=True).content.decode()
        assert "2 modules · about 35 minutes" in page

    def test_dashboard_recommendation_agrees(self, employee_client, course_with_draft):
        page = employee_client.get("/").content.decode()
        assert "2 modules · about 35 minutes" in page

    def test_catalog_query_count_does_not_grow_with_courses(
        self, employee_client, sales, django_assert_max_num_queries
    ):
        factories.course(modules=2, departments=(sales,))
        response = employee_client.get(reverse("courses:catalog"), follow=True)
        url = (
            response.redirect_chain[-1][0]
            if response.redirect_chain
            else response.request["PATH_INFO"]
        )
        employee_client.get(url)
        with django_assert_max_num_queries(50) as one_course:
            employee_client.get(url)
        for _ in range(3):
            factories.course(modules=3, departments=(sales,))
        with django_assert_max_num_queries(len(one_course.captured_queries)):
            page = employee_client.get(url).content.decode()
        assert page.count("3 modules · about 30 minutes") == 3

    def test_the_stored_estimate_is_gone(self):
        from courses.models import CoursePage

        assert "estimated_minutes" not in {field.name for field in CoursePage._meta.fields}


class TestSessionLabels:
    def test_ended_session_says_ended(self, employee_client):
        workshop = factories.workshop(open_to_all=True)
        factories.session(workshop=workshop, starts_in_days=-2)
        page = employee_client.get(workshop.url).content.decode()
        assert ">ended<" in page
        assert ">started<" not in page

    def test_running_session_says_in_progress(self, employee_client):
        workshop = factories.workshop(open_to_all=True)
        session = factories.session(workshop=workshop)
        session.starts_at = timezone.now() - timedelta(hours=1)
        session.ends_at = timezone.now() + timedelta(hours=1)
        session.save()
        page = employee_client.get(workshop.url).content.decode()
        assert ">in progress<" in page and ">ended<" not in page

    def test_german_labels(self, employee):
        workshop = factories.workshop(open_to_all=True)
        factories.session(workshop=workshop, starts_in_days=-2)
        page = german(employee).get(workshop.url).content.decode()
        assert ">beendet<" in page


class TestCancelConfirmation:
    @pytest.fixture
    def booking(self, employee):
        workshop = factories.workshop(open_to_all=True)
        session = factories.session(workshop=workshop)
        return workshop_services.book_session(user=employee, session=session)

    def url(self, booking):
        return reverse("workshops:cancel_booking", args=[booking.pk])

    def test_workshop_page_links_to_the_confirmation(self, employee_client, booking):
        page = employee_client.get(booking.workshop.url).content.decode()
        assert f'href="{self.url(booking)}"' in page
        # No one-click cancel form on the workshop page any more.
        assert f'action="{self.url(booking)}"' not in page

    def test_get_asks_and_changes_nothing(self, employee_client, booking):
        response = employee_client.get(self.url(booking))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Cancel booking?" in page
        assert f'<form method="post" action="{self.url(booking)}"' in page
        assert "Keep my booking" in page
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED

    def test_post_cancels(self, employee_client, booking):
        response = employee_client.post(self.url(booking), follow=True)
        assert "Your booking is cancelled." in response.content.decode()
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED

    def test_someone_elses_booking_is_not_found(self, booking):
        other = Client(HTTP_ACCEPT_LANGUAGE="en")
        other.force_login(factories.user())
        assert other.get(self.url(booking)).status_code == 404
        assert other.post(self.url(booking)).status_code == 404
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED

    def test_anonymous_is_sent_to_login(self, client, booking):
        response = client.get(self.url(booking))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_other_methods_are_refused(self, employee_client, booking):
        assert employee_client.put(self.url(booking)).status_code == 405
        assert employee_client.delete(self.url(booking)).status_code == 405

    def test_already_cancelled_goes_back_with_a_message(self, employee_client, booking):
        employee_client.post(self.url(booking))
        response = employee_client.get(self.url(booking), follow=True)
        assert "This booking is already cancelled." in response.content.decode()
        assert "Cancel booking?" not in response.content.decode()

    def test_started_session_cannot_be_confirmed(self, employee_client, booking):
        booking.session.starts_at = timezone.now() - timedelta(minutes=5)
        booking.session.save()
        response = employee_client.get(self.url(booking), follow=True)
        assert "it can no longer be cancelled" in response.content.decode()
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.BOOKED

    def test_waiting_list_wording(self, employee_client, booking):
        booking.status = Booking.Status.WAITLISTED
        booking.save()
        page = employee_client.get(self.url(booking)).content.decode()
        assert "lose your place" in page

    def test_german(self, employee, booking):
        page = german(employee).get(self.url(booking)).content.decode()
        assert "Buchung stornieren?" in page and "Ja, Buchung stornieren" in page


class TestDashboard:
    def test_after_finishing_every_course(self, employee_client, employee, course):
        for module in factories.modules_of(course):
            course_services.complete_module(user=employee, module=module)
        page = employee_client.get("/").content.decode()
        assert "You have not started a course yet." not in page
        assert "You have finished every course you started." in page
        assert "completed on" in page

    def test_nothing_started(self, employee_client):
        page = employee_client.get("/").content.decode()
        assert "You have not started a course yet." in page
        assert "You have finished every course you started." not in page

    def test_documents_to_accept_come_first(self, employee_client, employee, course, manager):
        factories.guideline(title="Crisis plan")
        course_services.enrol(user=employee, course=course)
        from lms.assignments.models import Assignment

        Assignment.objects.create(
            assignee=employee,
            assigned_by=manager,
            course=course,
            due_date=timezone.localdate() + timedelta(days=7),
        )
        page = employee_client.get("/").content.decode()
        accept = page.index('id="guidelines-heading"')
        assert accept < page.index('id="assignments-heading"')
        assert accept < page.index('id="in-progress-heading"')

    def test_german_wording(self, employee, course):
        for module in factories.modules_of(course):
            course_services.complete_module(user=employee, module=module)
        page = german(employee).get("/").content.decode()
        assert "Sie haben alle begonnenen Kurse abgeschlossen." in page
        assert "Sie haben noch keinen Kurs begonnen." not in page


class TestCoverFont:
    def test_font_and_licence_are_shipped(self):
        assert covers.REGULAR_FONT.is_file() and covers.BOLD_FONT.is_file()
        assert covers.REGULAR_FONT.is_relative_to(ROOT / "lms" / "demo" / "fonts")
        licence = (covers.FONT_DIR / "LICENSE.txt").read_text(encoding="utf-8")
        assert "Bitstream" in licence

    @pytest.mark.parametrize("bold", [False, True])
    def test_font_has_glyphs_for_umlauts(self, bold):
        font = covers.cover_font(40, bold=bold)

        def drawn(char: str) -> bytes:
            image = Image.new("L", (80, 80))
            ImageDraw.Draw(image).text((10, 10), char, font=font, fill=255)
            assert image.getbbox() is not None, f"{char!r} draws nothing"
            return image.tobytes()

        missing = drawn("\U000f0000")  # a private-use code point: the missing-glyph box
        for char, plain in zip("äöüßÄÖÜ", "aousAOU", strict=True):
            assert drawn(char) != missing, f"{char} is drawn as the missing-glyph box"
            assert drawn(char) != drawn(plain), f"{char} looks like {plain}"

    def test_cover_draws_umlauts_differently_from_plain_letters(self):
        def pixels(title):
            png = covers.cover_png(title=title, subtitle="LinkedIn", colour="orange")
            from io import BytesIO

            return Image.open(BytesIO(png)).convert("L").tobytes()

        assert pixels("für Führungskräfte") != pixels("fur Fuhrungskrafte")

    def test_pillow_default_font_is_not_used(self):
        assert isinstance(covers.cover_font(40), ImageFont.FreeTypeFont)
        source = (ROOT / "lms" / "demo" / "covers.py").read_text(encoding="utf-8")
        assert "load_default" not in source


class TestNetworkNames:
    def test_example_post_spells_linkedin(self):
        block = ExamplePostBlock()
        html = block.render(block.to_python({"network": "linkedin", "author": "A", "text": "Hi"}))
        assert "LinkedIn" in html and "Linkedin" not in html

    def test_seed_content_spells_linkedin(self):
        for path in (ROOT / "lms" / "demo" / "content").glob("*.json"):
            assert "Linkedin" not in path.read_text(encoding="utf-8"), path.name


class TestAdminBranding:
    @pytest.mark.parametrize(
        ("language", "heading", "title", "password"),
        [
            ("de", "Bei Bootcamp LMS anmelden", "Anmelden - Bootcamp LMS", "Passwort"),
            ("en", "Sign in to Bootcamp LMS", "Sign in - Bootcamp LMS", "Password"),
        ],
    )
    def test_login_page(self, language, heading, title, password):
        page = Client(HTTP_ACCEPT_LANGUAGE=language).get(reverse("wagtailadmin_login"))
        html = page.content.decode()
        assert f"<h1>{heading}</h1>" in html
        assert f"<title>{title}</title>" in html
        assert "Sign in to Wagtail" not in html and "Bei Wagtail anmelden" not in html
        label = html[html.index('id="id_password-label"') :][:200]
        assert password in label
        if language == "de":
            assert "Password<" not in label

    def test_dashboard_welcome_and_title(self):
        admin = factories.user(groups=(roles.ADMINS,), is_superuser=True)
        client = german(admin)
        html = client.get(reverse("wagtailadmin_home")).content.decode()
        assert "- Bootcamp LMS</title>" in html
        assert "- Wagtail</title>" not in html
        assert "Bootcamp LMS" in html[html.index("<h1") :][:200]


class TestGermanAdminStrings:
    @pytest.fixture
    def admin_client(self):
        admin = factories.user(groups=(roles.ADMINS,), is_superuser=True)
        return german(admin)

    def test_workflow_and_task_have_german_names(self):
        workflow = Workflow.objects.get(name="Richtlinienfreigabe")
        assert [task.name for task in workflow.tasks] == [
            "Freigabe durch die Richtlinienverantwortlichen"
        ]
        assert not Workflow.objects.filter(name="Guideline approval").exists()

    def test_guideline_edit_offers_german_submit(self, admin_client):
        document = factories.guideline()
        html = admin_client.get(reverse("wagtailadmin_pages:edit", args=[document.pk]))
        assert "In Richtlinienfreigabe einreichen" in html.content.decode()

    def test_active_yes_no_filter_is_in_words(self, admin_client):
        factories.quiz()
        html = admin_client.get(reverse("wagtailsnippets_quizzes_quiz:list") + "?draft=false")
        text = html.content.decode()
        assert '<b class="w-ml-1">Nein</b>' in text
        assert '<b class="w-ml-1">False</b>' not in text

    def test_quiz_form_names_one_question_per_entry(self, admin_client):
        # Wagtail heads each entry "<label> <n>" in the browser: the label is singular.
        from lms.quizzes.admin_panels import QuizQuestionsPanel

        panel = next(p for p in Quiz.panels if isinstance(p, QuizQuestionsPanel))
        with translation.override("de"):
            assert str(panel.label) == "Frage"
        quiz = factories.quiz(questions=[{"content": "One?"}])
        html = admin_client.get(reverse("wagtailsnippets_quizzes_quiz:edit", args=[quiz.pk]))
        assert "Fragen aus dem Fragenpool wählen" in html.content.decode()

    def test_true_false_answer_choices(self, admin_client):
        html = admin_client.get(reverse("wagtailsnippets_quizzes_question:add")).content.decode()
        assert "Unbekannt" not in html
        assert 'value=\\"true\\"\\u003EWahr' in html or '<option value="true">Wahr' in html
        assert 'value=\\"false\\"\\u003EFalsch' in html or '<option value="false">Falsch' in html

    def test_guideline_quiz_text_speaks_of_the_document(self, employee):
        quiz = factories.quiz(questions=[{"content": "One?"}])
        document = factories.guideline(quiz=quiz)
        page = german(employee).get(document.url).content.decode()
        assert "Dieses Modul ist erledigt" not in page
        assert "Sie können dieses Dokument akzeptieren, sobald" in page


class TestLineBreaks:
    def test_no_breaks_between_any_two_letters_in_running_text(self):
        css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
        rules = {line.split("{")[0].strip(): line for line in css.splitlines() if "{" in line}
        assert "anywhere" not in rules[".module__body"]
        assert "hyphens: auto" in rules[".module__body"]
        assert "anywhere" not in rules["h1, h2, h3"]

    def test_pages_declare_their_language(self, employee):
        page = german(employee).get("/").content.decode()
        assert '<html lang="de"' in page
