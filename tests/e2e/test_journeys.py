"""What people see in a browser, journey by journey (German UI, demo content)."""

import re

import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def pass_quiz(page, answers_by_question: dict[str, list[str]] | None = None) -> None:
    """Answer every question with the answers the seed marks right (read from the DB)."""
    from lms.quizzes.models import Question

    while "/take/" in page.url:
        question_id = page.locator("input[name=question]").get_attribute("value")
        question = Question.objects.prefetch_related("answers").get(pk=int(question_id))
        if question.is_true_false:
            value = "true" if question.correct_statement else "false"
            page.check(f"input[name=true_false][value={value}]")
        elif question.is_multiple_choice:
            for answer in question.answers.all():
                if answer.correct:
                    page.check(f"input[name=choice][value='{answer.pk}']")
        else:
            page.fill("textarea[name=essay]", "Eine Geschichte über einen Kunden.")
        with page.expect_navigation():
            page.click(".quiz-question button[type=submit]")


def test_employee_accepts_guidelines_then_learns(seeded, page_for, live_server):
    page = page_for("employee")
    assert "Bitte akzeptieren" in page.content()
    screenshot(page, "dashboard")

    page.click("text=Social-Media-Guidelines >> nth=0")
    page.wait_for_load_state()
    with page.expect_navigation():
        page.click(".module-quiz button[type=submit]")
    pass_quiz(page)
    assert "Bestanden" in page.content()
    page.goto(f"{live_server.url}/richtlinien/social-media-guidelines/")
    page.check("input[name=accept]")
    with page.expect_navigation():
        page.click(".signoff-form button[type=submit]")
    assert re.search(r"Sie haben Version 1 am .* akzeptiert", page.content())

    page.goto(f"{live_server.url}/kurse/social-selling-grundlagen/")
    with page.expect_navigation():
        page.click("text=Kurs starten")
    assert "/was-ist-social-selling/" in page.url
    screenshot(page, "module")
    with page.expect_navigation():
        page.click("text=Als erledigt markieren")
    assert "/profil-das-vertrauen-schafft/" in page.url

    page.goto(f"{live_server.url}/")
    assert "25 % abgeschlossen" in page.content()


def test_leadership_sees_the_rollout_board(seeded, page_for):
    page = page_for("admin")
    page.click("text=Rollout >> nth=0")
    page.wait_for_load_state()
    board = page.content()
    assert "Vertrieb" in board or "Sales" in board
    assert "<svg" in board
    screenshot(page, "rollout-board")


def test_manager_sees_the_team(seeded, page_for):
    page = page_for("manager")
    page.click("text=Mein Team")
    page.wait_for_load_state()
    assert "Emma Beispiel" in page.content()
    screenshot(page, "team-view")


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
