"""What people see in a browser, journey by journey (German UI, demo content)."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot, submit, watch_content_security_policy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SOCIAL_SELLING = "Social Selling: Kunden verstehen, bevor Sie anrufen"
LINKEDIN_WORKSHOP = "LinkedIn für Führungskräfte – Live-Workshop"


def message(page):
    """The flash messages at the top of a site page."""
    return page.locator("main .messages")


def answer_quiz(page, *, right: bool) -> None:
    """Answer every question of the running attempt, all right or all wrong (read from the DB)."""
    from lms.quizzes.models import Question

    while "/take/" in page.url:
        question_id = page.locator("input[name=question]").get_attribute("value")
        question = Question.objects.prefetch_related("answers").get(pk=int(question_id))
        if question.is_true_false:
            statement = question.correct_statement if right else not question.correct_statement
            page.check(f"input[name=true_false][value={'true' if statement else 'false'}]")
        elif question.is_multiple_choice:
            for answer in question.answers.all():
                if answer.correct == right:
                    page.check(f"input[name=choice][value='{answer.pk}']")
        else:
            page.fill("textarea[name=essay]", "Eine Geschichte über einen Kunden.")
        submit(page, ".quiz-question button[type=submit]")


def test_axe_check_reports_violations(browser):
    """The accessibility check itself can fail: a page with known violations is reported."""
    page = browser.new_page()
    page.set_content('<html lang="de"><body><main><img src="data:,"><button></button></main>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "a broken page")
    assert "image-alt (critical)" in str(failure.value)
    assert "button-name (critical)" in str(failure.value)
    page.close()


def test_employee_accepts_guidelines_learns_and_books_a_workshop(seeded, page_for, live_server):
    from lms.assignments.services import assign
    from lms.people.models import User
    from lms.workshops.models import WorkshopPage

    # The manager assigned the LinkedIn workshop to Emma (the manager's journey does that in
    # the browser); it is open to Leadership only, so the assignment lets her book it.
    assign(
        assigned_by=User.objects.get(username="manager"),
        assignees=[User.objects.get(username="employee")],
        item=WorkshopPage.objects.get(slug="linkedin-workshop-fuehrungskraefte"),
        due_date=timezone.localdate() + timedelta(days=30),
        note="Bitte vor dem Kundentag.",
    )

    page = page_for("employee")
    outstanding = page.locator("section[aria-labelledby=guidelines-heading]")
    expect(outstanding).to_contain_text("Social-Media-Guidelines")
    expect(page.locator("section[aria-labelledby=assignments-heading]")).to_contain_text(
        LINKEDIN_WORKSHOP
    )

    # The course is gated by the guidelines.
    page.goto(f"{live_server.url}/kurse/social-selling-grundlagen/")
    expect(page.locator("main")).to_contain_text("Social-Media-Guidelines")
    expect(page.get_by_role("button", name="Kurs starten")).to_have_count(0)

    # Read the guidelines, pass their comprehension quiz, accept them.
    page.goto(f"{live_server.url}/")
    submit(page, outstanding.get_by_role("link", name="Social-Media-Guidelines"))
    submit(page, ".module-quiz button[type=submit]")
    answer_quiz(page, right=True)
    expect(page.locator("main")).to_contain_text("Bestanden.")
    page.goto(f"{live_server.url}/richtlinien/social-media-guidelines/")
    page.check("input[name=accept]")
    submit(page, ".signoff-form button[type=submit]")
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Sie haben Version 1 am .* akzeptiert")
    )

    # Start Social Selling and read the three modules before the quiz.
    page.goto(f"{live_server.url}/kurse/social-selling-grundlagen/")
    submit(page, page.get_by_role("button", name="Kurs starten"))
    expect(page).to_have_url(re.compile(r"/was-ist-social-selling/$"))
    expect(page.locator("h1")).to_have_text("Was Social Selling ist – und was nicht")
    assert_accessible(page, "a module")
    screenshot(page, "module")
    for next_slug in ("profil-das-vertrauen-schafft", "zuhoeren-und-kommentieren"):
        submit(page, page.get_by_role("button", name="Als erledigt markieren"))
        expect(page).to_have_url(re.compile(rf"/{next_slug}/$"))
        expect(message(page)).to_contain_text("ist erledigt")
    submit(page, page.get_by_role("button", name="Als erledigt markieren"))
    expect(page).to_have_url(re.compile(r"/vom-kontakt-zum-gespraech/$"))
    expect(page.locator(".module-quiz")).to_contain_text("Quiz: Abschlussquiz Social Selling")

    # Fail the final quiz: the result says what to re-read and offers another attempt.
    submit(page, page.locator(".module-quiz").get_by_role("button", name="Quiz starten"))
    expect(page.locator(".quiz-question legend")).to_contain_text("Frage 1 von 6")
    assert_accessible(page, "a quiz step")
    answer_quiz(page, right=False)
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/"))
    expect(page.locator(".score")).to_have_text("0 von 6 richtig (0 %)")
    expect(page.locator(".message--error")).to_contain_text(
        "Nicht bestanden (Bestehensgrenze 60 %)"
    )
    expect(page.locator(".message--error")).to_contain_text("Lesen Sie Modul 3")
    assert_accessible(page, "a quiz result")
    screenshot(page, "quiz-result")

    # Then pass it: the module and with it the course are complete.
    submit(page, page.get_by_role("button", name="Erneut versuchen"))
    expect(page.locator(".quiz-question legend")).to_contain_text("Frage 1 von 6")
    answer_quiz(page, right=True)
    expect(page.locator(".score")).to_have_text("6 von 6 richtig (100 %)")
    expect(page.locator(".message--success")).to_contain_text("Bestanden.")
    expect(page.get_by_role("button", name="Erneut versuchen")).to_have_count(0)
    submit(page, page.get_by_role("link", name="Zurück zum Modul"))
    expect(page.locator(".module-quiz")).to_contain_text("Sie haben dieses Quiz bestanden.")

    # Book a seat in the assigned workshop.
    page.goto(f"{live_server.url}/")
    submit(
        page,
        page.locator("section[aria-labelledby=assignments-heading]").get_by_role(
            "link", name=LINKEDIN_WORKSHOP, exact=True
        ),
    )
    expect(page.locator("h1")).to_have_text(LINKEDIN_WORKSHOP)
    submit(page, page.get_by_role("button", name="Platz buchen").first)
    expect(message(page)).to_contain_text("Ihr Platz ist gebucht.")
    expect(page.locator(".workshop-booking .callout")).to_contain_text("Ihr Platz ist gebucht")
    expect(page.get_by_role("button", name="Platz buchen")).to_have_count(0)

    # Everything shows on the dashboard.
    page.goto(f"{live_server.url}/")
    assigned = page.locator("section[aria-labelledby=assignments-heading]")
    expect(assigned).to_contain_text(LINKEDIN_WORKSHOP)
    expect(assigned).to_contain_text("in Bearbeitung")
    expect(assigned).to_contain_text("von Markus Manager")
    expect(page.locator("section[aria-labelledby=bookings-heading]")).to_contain_text(
        LINKEDIN_WORKSHOP
    )
    completed = page.locator("section[aria-labelledby=completed-heading]")
    expect(completed).to_contain_text(SOCIAL_SELLING)
    expect(completed).to_contain_text("abgeschlossen am")
    expect(page.locator("main")).not_to_contain_text("Social-Media-Guidelines")
    assert_accessible(page, "the dashboard")
    screenshot(page, "dashboard")


def test_manager_assigns_filters_and_exports(seeded, page_for, live_server):
    page = page_for("manager")
    submit(page, page.locator(".site-nav").get_by_role("link", name="Mein Team"))
    expect(page.locator("h1")).to_have_text("Mein Team")
    expect(page.locator(".team-table tbody")).to_contain_text("Emma Beispiel")
    # Jonas started Social Selling on his own: it shows, without a due date.
    own = page.locator(".team-table tbody tr", has_text="Jonas Keller")
    expect(own).to_contain_text("nicht zugewiesen")

    due = timezone.localdate() + timedelta(days=14)
    for item, people in (
        (SOCIAL_SELLING, ["Emma Beispiel", "Jonas Keller"]),
        (LINKEDIN_WORKSHOP, ["Emma Beispiel"]),
    ):
        submit(page, page.get_by_role("link", name="Kurs oder Workshop zuweisen"))
        page.get_by_label("Kurs oder Workshop").select_option(label=item)
        for person in people:
            page.locator(".people-grid label", has_text=person).locator("input").check()
        page.get_by_label("Fällig am").fill(due.isoformat())
        page.get_by_label("Notiz").fill("Bis zum Quartalsende, bitte.")
        submit(page, page.get_by_role("button", name="Zuweisen", exact=True))
        expect(page).to_have_url(re.compile(r"/team/$"))
        expect(message(page)).to_contain_text(f"„{item}“ zugewiesen: {len(people)} neu")

    table = page.locator(".team-table")
    expect(table.locator("thead")).to_contain_text(SOCIAL_SELLING)
    expect(table.locator("thead")).to_contain_text(LINKEDIN_WORKSHOP)
    emma = table.locator("tbody tr", has_text="Emma Beispiel")
    jonas = table.locator("tbody tr", has_text="Jonas Keller")
    expect(emma).to_contain_text("nicht begonnen")
    expect(emma).to_contain_text(f"fällig am {due:%d.%m.%Y}")
    # Jonas had already worked through three modules: his course is in progress.
    expect(jonas).to_contain_text("in Bearbeitung")
    expect(page.locator(".totals li").nth(0)).to_have_text("2 nicht begonnen")
    # Jonas's assigned course, and two colleagues' courses started on their own.
    expect(page.locator(".totals li").nth(1)).to_have_text("3 in Bearbeitung")
    assert_accessible(page, "the team view")
    screenshot(page, "team-view")

    # Filter by the workshop: only the people it is assigned to remain.
    page.get_by_label("Kurs oder Workshop").select_option(label=LINKEDIN_WORKSHOP)
    submit(page, page.get_by_role("button", name="Filtern"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody")).to_contain_text("Emma Beispiel")
    expect(table.locator("thead")).not_to_contain_text(SOCIAL_SELLING)
    # Nothing is overdue yet.
    page.get_by_label("Nur überfällige").check()
    submit(page, page.get_by_role("button", name="Filtern"))
    expect(page.locator("main")).to_contain_text("Niemand entspricht diesem Filter.")
    page.get_by_label("Nur überfällige").uncheck()
    submit(page, page.get_by_role("button", name="Filtern"))

    # The export holds what the filtered view shows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV exportieren").click()
    download = download_info.value
    assert download.suggested_filename == "team-assignments.csv"
    # In the manager's language: German headers and labels, ";" and German dates for Excel.
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [
        (row["Benutzername"], row["Kurs oder Workshop"], row["Art"], row["Status"]) for row in rows
    ] == [("employee", LINKEDIN_WORKSHOP, "Workshop", "Nicht begonnen")]
    assert rows[0]["Fällig am"] == f"{due:%d.%m.%Y}"


def _quiz_for_trainer():
    """A quiz the trainer attaches to the new module (quizzes have their own admin pages)."""
    from lms.quizzes.models import Category, Question, Quiz, QuizQuestion

    category = Category.objects.get(slug="storytelling")
    quiz = Quiz.objects.create(
        title="Praxischeck: Geschichten im Video",
        slug="praxischeck-video",
        category=category,
        pass_mark=100,
    )
    question = Question.objects.create(
        kind="tf",
        content="Auch ein kurzes Video braucht einen Konflikt.",
        category=category,
        correct_statement=True,
    )
    QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=0)
    return quiz


def _essay_waiting_for_marking():
    """Sophie (Marketing) finishes the storytelling quiz; her essay waits for a trainer."""
    from courses.models import ModulePage
    from lms.people.models import User
    from lms.quizzes import selectors, services
    from lms.quizzes.models import Question, Quiz

    learner = User.objects.get(username="s.braun")
    quiz = Quiz.objects.get(slug="quiz-storytelling")
    sitting = services.start_sitting(
        user=learner, quiz=quiz, module_id=ModulePage.objects.get(slug="kanal-und-messung").pk
    )
    finished = False
    while not finished:
        answered = selectors.answered_question_ids(sitting=sitting)
        question = Question.objects.prefetch_related("answers").get(
            pk=selectors.current_question_id(sitting=sitting, answered=answered)
        )
        answer = {}
        if question.is_true_false:
            answer["true_false"] = question.correct_statement
        elif question.is_multiple_choice:
            answer["choice_ids"] = [a.pk for a in question.answers.all() if a.correct]
        else:
            answer["essay"] = "<p>Unser Monteur rettete die Anlage eines Kunden am Heiligabend.</p>"
        finished = services.submit_answer(
            user=learner, sitting_id=sitting.pk, question_id=question.pk, **answer
        ).finished
    sitting.refresh_from_db()
    assert sitting.needs_marking
    return sitting


def test_trainer_publishes_a_module_and_marks_an_essay(seeded, page_for, live_server):
    from courses.models import CoursePage

    _quiz_for_trainer()
    _essay_waiting_for_marking()
    course = CoursePage.objects.get(slug="storytelling-b2b")

    page = page_for("trainer")
    submit(page, page.locator(".site-nav").get_by_role("link", name="Redaktion"))
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # The course's modules in the page explorer; add one.
    page.goto(f"{live_server.url}/admin/pages/{course.pk}/")
    expect(page.locator("main")).to_contain_text("Der Aufbau: Held, Konflikt, Lösung")
    submit(page, page.get_by_role("link", name="Unterseite hinzufügen"))
    expect(page).to_have_url(re.compile(rf"/admin/pages/add/courses/modulepage/{course.pk}/$"))
    page.locator("#id_title").fill("Geschichten im Video erzählen")
    page.locator("#id_intro").fill("Kurz, ehrlich und mit Untertiteln.")

    # Choose the quiz in Wagtail's snippet chooser.
    page.get_by_role("button", name="Quiz auswählen").click()
    chooser = page.locator(".modal.fade.in")
    chooser.get_by_role("link", name="Praxischeck: Geschichten im Video").click()
    expect(chooser).to_be_hidden()
    expect(page.locator("[data-contentpath=quiz]")).to_contain_text(
        "Praxischeck: Geschichten im Video"
    )

    # A rich-text block in the body StreamField.
    page.locator("[data-contentpath=body] button.c-sf-add-button").first.click()
    page.get_by_role("option", name="Formatierter Text").click()
    editor = page.locator("[data-contentpath=body] [contenteditable=true]").first
    editor.click()
    page.keyboard.type("Ein gutes Video zeigt eine Heldin, einen Konflikt und eine Lösung.")
    expect(editor).to_contain_text("Heldin, einen Konflikt")
    # Draftail saves into the block's hidden input a moment after typing.
    expect(
        page.locator("[data-contentpath=body] input[type=hidden][name$='-value']")
    ).to_have_value(re.compile("Heldin, einen Konflikt"))

    page.get_by_role("button", name="Mehr Aktionen").click()
    submit(page, page.get_by_role("button", name="Veröffentlichen"))
    # Wagtail's autosave may already have stored a draft ("erstellt und" is then missing).
    expect(page.locator(".messages")).to_contain_text(
        re.compile("‚Geschichten im Video erzählen‘ wurde (erstellt und )?veröffentlicht")
    )
    expect(page.locator("main")).to_contain_text("Geschichten im Video erzählen")

    # Learners see it in the course at once, with its quiz.
    page.goto(f"{live_server.url}{course.url}")
    submit(page, page.locator("main").get_by_role("link", name="Geschichten im Video erzählen"))
    expect(page.locator("h1")).to_have_text("Geschichten im Video erzählen")
    expect(page.locator(".module .eyebrow")).to_have_text("Modul 5 von 5")
    expect(page.locator("main")).to_contain_text("eine Heldin, einen Konflikt und eine Lösung")
    expect(page.locator(".module-quiz")).to_contain_text("Quiz: Praxischeck: Geschichten im Video")

    # Mark the essay that waits in the queue.
    submit(page, page.locator(".site-nav").get_by_role("link", name="Bewertung"))
    expect(page.locator("h1")).to_have_text("Bewertungsliste")
    row = page.locator("tbody tr", has_text="Sophie Braun")
    expect(row).to_contain_text("Abschlussquiz Storytelling")
    submit(page, row.get_by_role("link", name="Bewerten"))
    state = page.locator("h1 + p.meta")
    expect(state).to_contain_text("wartet auf Bewertung")
    expect(page.locator(".essay-answer")).to_contain_text("am Heiligabend")
    card = page.locator(".marking-card")
    card.get_by_label("Richtig").check()
    card.get_by_label("Kommentar").fill("Starke Heldin, klarer Konflikt.")
    submit(page, card.get_by_role("button", name="Bewertung speichern"))
    expect(message(page)).to_contain_text("Bewertung gespeichert.")
    expect(state).to_contain_text("6 von 6 richtig")
    expect(state).to_contain_text("bestanden")
    expect(card).to_contain_text("Bewertet von Tanja Trainer")

    submit(page, page.get_by_role("link", name="Bewertungsliste"))
    expect(page.locator("main")).to_contain_text("Nichts zu bewerten. Gut gemacht!")

    # Questions from a spreadsheet: a dry run lists each row, then the import stores them.
    page.goto(f"{live_server.url}/admin/quizzes/import-questions/")
    expect(page.get_by_label("Probelauf")).to_be_checked()
    questions = (
        "key;type;category;sub_category;question;explanation;answer_order;correct;"
        "answer_1;answer_2;answer_3;answer_4;answer_5;answer_6;answer_7;answer_8;quizzes\n"
        "st-held;mc;Storytelling;;Wer steht im Mittelpunkt einer Kundengeschichte?;"
        "Die Kundin ist die Heldin.;none;1;Die Kundin;Unser Produkt;;;;;;;\n"
        "st-zahlen;tf;Storytelling;;Eine gute Geschichte braucht keine Zahlen.;"
        "Belege machen sie glaubwürdig.;none;falsch;;;;;;;;;\n"
    )
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "fragen.csv", "mimeType": "text/csv", "buffer": questions.encode()}]
    )
    submit(page, page.get_by_role("button", name="Hochladen"))
    expect(page.locator("main h2")).to_contain_text("Probelauf: Was der Import ändern würde")
    expect(page.locator("#import-changes tbody tr")).to_have_count(2)
    assert_accessible(page, "the question import's dry run")
    submit(page, page.get_by_role("button", name="Jetzt importieren"))
    expect(page.locator("main h2")).to_contain_text("Import abgeschlossen")
    from lms.quizzes.models import Question

    assert Question.objects.filter(import_key__in=["csv:st-held", "csv:st-zahlen"]).count() == 2


def _kpi_csv() -> str:
    """Three months of Sales leads, as a CRM export would send them."""
    first = timezone.localdate().replace(day=1)
    months = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(f"{first:%Y-%m}")
    lines = ["external_id,department,month,metric,value,employee"]
    for number, month in enumerate(sorted(months), start=1):
        lines.append(f"crm-e2e-{month},sales,{month},leads,{number * 4},employee")
    return "\n".join(lines) + "\n"


def test_leadership_imports_kpis_and_advances_a_department(seeded, page_for, live_server):
    page = page_for("admin")
    submit(page, page.locator(".site-nav").get_by_role("link", name="Rollout"))
    expect(page.locator("h1")).to_have_text("Rollout-Übersicht")
    board = page.locator("table.rollout-board")
    sales = board.locator("tbody tr", has=page.locator("th a", has_text="Sales"))
    leadership = board.locator("tbody tr", has=page.locator("th a", has_text="Leadership"))
    expect(sales.locator("th")).to_contain_text("Phase 5")
    # Stage 6 needs three months of KPI data; none is imported yet.
    expect(sales.locator("td").nth(5)).to_contain_text("0 / 3")
    expect(leadership.locator("th")).to_contain_text("Phase 4 · bereit für die nächste Phase")
    expect(page.locator(".chart svg")).to_be_visible()

    # Import a KPI CSV in the admin: a dry run first, then for real.
    submit(page, page.locator(".site-nav").get_by_role("link", name="Redaktion"))
    submit(page, page.get_by_role("link", name="KPIs importieren"))
    expect(page.get_by_label("Probelauf")).to_be_checked()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "crm-leads.csv", "mimeType": "text/csv", "buffer": _kpi_csv().encode()}]
    )
    submit(page, page.get_by_role("button", name="Hochladen"))
    expect(page.locator("main h2")).to_contain_text("Probelauf: Was der Import ändern würde")
    expect(page.locator("#import-departments tbody")).to_contain_text("Sales")
    expect(page.locator("main")).to_contain_text("Es wurde noch nichts gespeichert.")
    submit(page, page.get_by_role("button", name="Jetzt importieren"))
    expect(page.locator("main h2")).to_contain_text("Import abgeschlossen")
    expect(page.locator(".messages")).to_contain_text("KPIs importiert")
    sales_import = page.locator("#import-departments tbody tr", has_text="Sales")
    expect(sales_import.locator("td").nth(1)).to_have_text("3")
    expect(sales_import.locator("td").nth(4)).to_have_text("24")

    # The board shows the imported months at once.
    page.goto(f"{live_server.url}/rollout/")
    expect(sales.locator("td").nth(5)).to_contain_text("3 / 3")

    # Leadership is ready for stage 5: advance it in the drill-down.
    submit(page, leadership.get_by_role("link", name="Leadership"))
    expect(page.locator(".lead")).to_contain_text("Phase 4:")
    page.get_by_label("Notiz").fill("Alle Führungskräfte haben den LinkedIn-Workshop besucht.")
    submit(page, page.get_by_role("button", name="In Phase 5 wechseln"))
    expect(message(page)).to_contain_text("Leadership ist jetzt in Phase 5.")
    expect(page.locator(".lead")).to_contain_text("Phase 5:")
    history = page.locator("section[aria-labelledby=history-heading] tbody")
    expect(history.locator("tr", has_text="4 → 5")).to_contain_text("Alex Admin")
    expect(history.locator("tr", has_text="4 → 5")).to_contain_text("LinkedIn-Workshop besucht")

    submit(page, page.get_by_role("link", name="Rollout-Übersicht"))
    expect(leadership.locator("th")).to_contain_text("Phase 5")
    expect(sales.locator("th")).to_contain_text("Phase 5")
    assert_accessible(page, "the rollout board")
    screenshot(page, "rollout-board")


def test_pages_fit_a_phone(seeded, page_for, live_server):
    page = page_for("employee", width=375)
    for path in ("/", "/kurse/social-selling-grundlagen/", "/richtlinien/freigabematrix/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        widest = page.evaluate(
            """[...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.className).join(', ')"""
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px: {widest}"


def test_csp_violations_are_reported(browser, live_server):
    """The CSP watch of page_for sees what the policy refuses: an inline script and a
    style attribute added to a site page."""
    context = browser.new_context()
    violations = watch_content_security_policy(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true;";
            document.body.append(script);
            document.body.setAttribute("style", "color: red");
        }"""
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(200)
    assert not page.evaluate("window.injected === true")
    context.close()
    text = "\n".join(violations)
    assert "script-src-elem blocked inline" in text, text
    assert "style-src-attr blocked inline" in text, text
    assert "console: " in text, text
