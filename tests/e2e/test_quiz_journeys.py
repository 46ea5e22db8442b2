"""Quiz journeys in a browser (German UI, demo content): the review on the result page, the
way back to the guideline after its quiz, and a trainer's comment on an essay."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot
from tests.e2e.test_journeys import _essay_waiting_for_marking, answer_quiz, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_learner_passes_the_guideline_quiz_reviews_it_and_goes_back_to_accept(
    seeded, page_for, live_server
):
    from lms.guidelines.models import GuidelinePage

    document = GuidelinePage.objects.get(slug="social-media-guidelines")
    questions = document.quiz.quiz_questions.count()

    page = page_for("employee")
    page.goto(f"{live_server.url}{document.url}")
    submit(page, ".module-quiz button[type=submit]")
    answer_quiz(page, right=True)
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/"))
    expect(page.locator(".message--success")).to_contain_text("Bestanden.")

    # Every question with the learner's answer, the right one and the explanation.
    review = page.locator("ol.review > li")
    expect(review).to_have_count(questions)
    expect(page.locator("main h2", has_text="Ihre Antworten")).to_be_visible()
    expect(review.first).to_contain_text("Richtig.")
    # No dead end: the result leads back to the document to accept it.
    note = page.locator("aside.callout--warning")
    expect(note).to_contain_text("Sie haben das Verständnisquiz bestanden.")
    assert_accessible(page, "a quiz review")
    screenshot(page, "quiz-review")

    submit(page, note.get_by_role("link", name=document.title))
    expect(page).to_have_url(re.compile(rf"{re.escape(document.url)}$"))
    page.check("input[name=accept]")
    submit(page, ".signoff-form button[type=submit]")
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Sie haben Version 1 am .* akzeptiert")
    )


def test_learner_sees_the_trainers_comment_on_a_marked_essay(seeded, page_for, live_server):
    from lms.people.models import User
    from lms.quizzes import services
    from lms.quizzes.models import SittingAnswer

    sitting = _essay_waiting_for_marking()
    result_url = f"{live_server.url}/quizzes/attempts/{sitting.pk}/"

    page = page_for("s.braun")
    page.goto(result_url)
    expect(page.locator(".score")).to_have_text("Ergebnis: wartet auf Bewertung")
    expect(page.locator(".review__item.is-pending")).to_contain_text("Wartet auf Bewertung.")

    essay = SittingAnswer.objects.get(sitting=sitting, question__kind="essay")
    services.mark_essay(
        marker=User.objects.get(username="trainer"),
        answer_id=essay.pk,
        correct=True,
        comment="Starke Heldin, klarer Konflikt.",
    )
    page.reload()
    comment = page.locator(".review__comment")
    expect(comment).to_contain_text("Kommentar des Trainers")
    expect(comment).to_contain_text("Starke Heldin, klarer Konflikt.")
    expect(page.locator(".score")).to_contain_text("richtig")
    assert_accessible(page, "a marked essay on the result page")
    screenshot(page, "quiz-essay-comment")


def test_trainer_writes_and_chooses_questions_in_the_quiz_editor(seeded, page_for, live_server):
    from lms.quizzes.models import Question, Quiz

    page = page_for("trainer")
    page.goto(f"{live_server.url}/admin/snippets/quizzes/quiz/add/")
    page.locator("#id_title").fill("Kurzcheck Hashtags")
    page.locator("#id_slug").fill("kurzcheck-hashtags")
    page.locator("#id_review").select_option("once_passed")

    # Several questions from the bank at once.
    page.get_by_role("button", name="Fragen aus dem Fragenpool wählen").click()
    chooser = page.locator(".modal.fade.in")
    boxes = chooser.locator("input[data-multiple-choice-select]")
    chosen = []
    for index in range(2):
        chosen.append(int(boxes.nth(index).get_attribute("value")))
        boxes.nth(index).check()
    chooser.get_by_role("button", name=re.compile("Auswahl bestätigen|Confirm selection")).click()
    expect(chooser).to_be_hidden()

    # A new one written in place, first without a right answer: refused with a message.
    page.get_by_role("button", name="Neue Frage schreiben").click()
    expect(page.locator("#id_quiz_questions-TOTAL_FORMS")).to_have_value("3")
    page.locator("#id_quiz_questions-2-new_content").fill("Wie viele Hashtags passen?")
    page.locator("#id_quiz_questions-2-new_options").fill("Drei bis fünf\nSo viele wie möglich")
    submit(page, page.get_by_role("button", name="Speichern"))
    expect(page.locator("main")).to_contain_text(
        "Markieren Sie mindestens eine Antwort als richtig."
    )
    assert not Quiz.objects.filter(slug="kurzcheck-hashtags").exists()
    assert_accessible(page, "the quiz editor with an error")

    page.locator("#id_quiz_questions-2-new_options").fill("* Drei bis fünf\nSo viele wie möglich")
    submit(page, page.get_by_role("button", name="Speichern"))
    quiz = Quiz.objects.get(slug="kurzcheck-hashtags")
    contents = [row.question.content for row in quiz.quiz_questions.order_by("sort_order")]
    bank = Question.objects.in_bulk(chosen)
    assert contents == [bank[pk].content for pk in chosen] + ["Wie viele Hashtags passen?"]
    assert quiz.review == "once_passed"
