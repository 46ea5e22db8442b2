"""A bootcamp run in a browser: the participant's run page (dates, path counted from the
run's start, trainers' contact) and the trainer's progress grid, both with axe checks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_participant_and_trainer_see_the_run(seeded, page_for, live_server):
    from lms.people.models import User
    from lms.programmes import services
    from lms.programmes.models import BootcampRun, ProgrammePage

    programme = ProgrammePage.objects.get(slug="social-media-bootcamp")
    trainer = User.objects.get(username="trainer")
    today = timezone.localdate()
    run = BootcampRun.objects.create(
        programme=programme,
        title="Bootcamp Frühjahr",
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=25),
        language="de",
        capacity=20,
    )
    run.trainers.add(trainer)
    services.add_participants(
        run=run, users=User.objects.filter(username__in=["employee", "manager"]), added_by=trainer
    )

    learner = page_for("employee")
    learner.goto(f"{live_server.url}{reverse('runs:detail', args=[run.pk])}")
    expect(learner.locator("h1")).to_contain_text("Bootcamp Frühjahr")
    expect(learner.locator("main")).to_contain_text("Tanja Trainer")
    assert_accessible(learner, "the participant's run page")
    screenshot(learner, "run-participant")

    grid = page_for("trainer")
    grid.goto(f"{live_server.url}{reverse('runs:progress', args=[run.pk])}")
    expect(grid.locator("main table")).to_contain_text("Emma Beispiel")
    assert_accessible(grid, "the trainer's progress grid")
    screenshot(grid, "run-progress")

    # A colleague outside the run gets nothing, not even its page.
    outsider = page_for("j.keller")
    response = outsider.goto(f"{live_server.url}{reverse('runs:detail', args=[run.pk])}")
    assert response.status == 404
