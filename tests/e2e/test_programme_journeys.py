"""The learner's programme page in a browser: the demo's “Social-Media-Bootcamp”."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def pass_quiz(user, quiz) -> None:
    """Every question of an attempt answered right, through the quiz services."""
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import Question

    sitting = quiz_services.start_sitting(user=user, quiz=quiz)
    for question_id in sitting.question_order:
        question = Question.objects.prefetch_related("answers").get(pk=question_id)
        if question.is_true_false:
            answer = {"true_false": question.correct_statement}
        else:
            answer = {
                "choice_ids": [option.pk for option in question.answers.all() if option.correct]
            }
        quiz_services.submit_answer(
            user=user, sitting_id=sitting.pk, question_id=question_id, **answer
        )


def test_employee_follows_the_bootcamp_path(seeded, page_for, live_server):
    from courses import services as course_services
    from courses.models import ModulePage
    from lms.people.models import User
    from lms.programmes import selectors
    from lms.programmes.models import ProgrammePage

    programme = ProgrammePage.objects.get(slug="social-media-bootcamp")
    items = selectors.programme_items(programme=programme)
    first = items[0].course
    page = page_for("employee")
    page.goto(f"{live_server.url}{programme.url}")
    expect(page.locator("h1")).to_have_text("Social-Media-Bootcamp")
    steps = page.locator("ol.programme-path > li")
    expect(steps).to_have_count(6)
    expect(steps.nth(0)).to_contain_text("nicht begonnen")
    # The final quiz waits for the workshop before it.
    expect(steps.nth(5)).to_have_class("module-list__item is-locked")
    assert_accessible(page, "the programme page of a new participant")

    # The optional Employer Branding course done (its quiz passed too): it shows done, the
    # required count stays, and the next step is still the first course.
    employee = User.objects.get(username="employee")
    optional = items[2].course
    assert not items[2].required
    modules = list(ModulePage.objects.child_of(optional).live())
    for module in modules:
        if module.quiz_id is None:
            course_services.complete_module(user=employee, module=module)
    for module in modules:
        if module.quiz_id is not None:
            pass_quiz(employee, module.quiz)
    page.reload()
    expect(steps.nth(2)).to_have_class("module-list__item is-done")
    expect(steps.nth(2)).to_contain_text("erledigt")
    # Optional items do not count: none of the required ones is done.
    expect(page.locator(".programme__status [role=progressbar]")).to_have_attribute(
        "aria-valuenow", "0"
    )
    assert_accessible(page, "the programme page with a course done")
    next_step = page.locator(".programme__status a.button--primary")
    expect(next_step).to_have_text(first.title)
    submit(page, next_step)
    expect(page.locator("h1")).to_have_text(first.title)
