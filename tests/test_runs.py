"""Bootcamp runs (issue #18, item 2): a dated cohort of a programme, its participants
within capacity, the participant's run page, the trainers' progress grid and its export,
and who may open which (everyone else gets a 404)."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.people import roles
from lms.people import services as people_services
from lms.people.models import CustomerOrganisation
from lms.programmes import services
from lms.programmes.models import BootcampRun, ProgrammeItem, RunParticipant
from tests import factories
from tests.test_programmes import complete_course, programme

pytestmark = pytest.mark.django_db

RUN_DAY = ProgrammeItem.Unlock.RUN_DAY


def login(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def sales(db):
    return factories.department(name="Sales")


@pytest.fixture
def trainer(db):
    return factories.user(
        username="tina",
        groups=(roles.TRAINERS,),
        first_name="Tina",
        last_name="Trainer",
        email="tina@example.com",
    )


@pytest.fixture
def course(db):
    return factories.course(title="Social Selling Basics", modules=2)


@pytest.fixture
def quiz(db):
    return factories.quiz(questions=[{"kind": "tf", "correct": True}])


@pytest.fixture
def run(course, quiz, trainer):
    page = programme(
        {"course": course, "due_after_days": 7},
        {"quiz": quiz, "unlock": RUN_DAY, "unlock_after_days": 10, "due_after_days": 14},
        title="Social-Media-Bootcamp",
    )
    today = timezone.localdate()
    run = BootcampRun.objects.create(
        programme=page,
        title="Bootcamp spring",
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=30),
        language="en",
        capacity=5,
    )
    run.trainers.add(trainer)
    return run


@pytest.fixture
def organisation(db):
    return CustomerOrganisation.objects.create(
        name="Kunde GmbH", contact_name="Karl Kunde", contact_email="karl@kunde.example"
    )


def make_guest(organisation, email="kim@kunde.example"):
    return people_services.create_guest(
        organisation=organisation,
        email=email,
        first_name="Kim",
        last_name="Gast",
        language="en",
        password="secret-pass-123",
    )


def other_run(trainer_of_other):
    page = programme({"course": factories.course(title="Other course")}, title="Other")
    today = timezone.localdate()
    other = BootcampRun.objects.create(
        programme=page, title="Other run", starts_on=today, ends_on=today, language="de"
    )
    other.trainers.add(trainer_of_other)
    return other


# --- the database holds the rules ---------------------------------------------------------------


def test_a_run_cannot_end_before_it_starts_nor_take_zero_people(run):
    with pytest.raises(IntegrityError), transaction.atomic():
        BootcampRun.objects.filter(pk=run.pk).update(ends_on=run.starts_on - timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        BootcampRun.objects.filter(pk=run.pk).update(capacity=0)
    employee = factories.user()
    RunParticipant.objects.create(run=run, user=employee)
    with pytest.raises(IntegrityError), transaction.atomic():
        RunParticipant.objects.create(run=run, user=employee)


def test_a_programme_with_runs_cannot_be_deleted(run):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        run.programme.delete()


# --- adding participants ------------------------------------------------------------------------


def test_participants_are_added_once_and_the_capacity_is_held(run, trainer):
    people = [factories.user() for _ in range(6)]
    added = services.add_participants(run=run, users=people[:3], added_by=trainer)
    assert len(added) == 3
    assert added[0].added_by == trainer
    # Those already in are left alone and do not count twice.
    assert services.add_participants(run=run, users=people[:3], added_by=trainer) == []
    with pytest.raises(services.RunRefused, match="2 places left, too few for 3"):
        services.add_participants(run=run, users=people[3:], added_by=trainer)
    assert run.participants.count() == 3  # nothing of the refused batch was added
    services.add_participants(run=run, users=people[3:5], added_by=trainer)
    assert run.participants.count() == 5


def test_a_deactivated_person_is_refused(run, trainer):
    leaver = factories.user(first_name="Lars", last_name="Left")
    leaver.is_active = False
    leaver.save()
    with pytest.raises(services.RunRefused, match="Lars Left is deactivated"):
        services.add_participants(run=run, users=[leaver], added_by=trainer)
    assert not run.participants.exists()


def test_a_department_adds_its_active_employees_never_a_guest(run, trainer, sales, organisation):
    ann = factories.user(department=sales)
    ben = factories.user(department=sales)
    gone = factories.user(department=sales)
    gone.is_active = False
    gone.save()
    factories.user()  # another department
    make_guest(organisation)
    added = services.add_department(run=run, department=sales, added_by=trainer)
    assert {participant.user_id for participant in added} == {ann.pk, ben.pk}


def test_a_guest_is_added_one_by_one(run, trainer, organisation):
    guest = make_guest(organisation)
    services.add_participants(run=run, users=[guest], added_by=trainer)
    assert run.participants.get().user == guest


# --- the participant's run page -----------------------------------------------------------------


def test_the_run_page_shows_the_path_from_the_run_start_dates_and_trainers(run, course, trainer):
    learner = factories.user(username="ann")
    services.add_participants(run=run, users=[learner], added_by=trainer)
    complete_course(learner, course)
    response = login(learner).get(reverse("runs:detail", args=[run.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    starts = run.starts_on
    assert "Bootcamp spring" in content and "Social-Media-Bootcamp" in content
    assert "Tina Trainer" in content and "mailto:tina@example.com" in content
    # The quiz opens on day 10 of the run, and is due on day 14; the course on day 7.
    opens = starts + timedelta(days=10)
    assert f"Opens on {opens:%m/%d/%Y}" in content
    assert f"Due on {starts + timedelta(days=14):%m/%d/%Y}" in content
    assert f"Due on {starts + timedelta(days=7):%m/%d/%Y}" in content
    assert "1 of 2 required items done" in content


def test_an_overdue_item_says_so(run, trainer):
    BootcampRun.objects.filter(pk=run.pk).update(starts_on=timezone.localdate() - timedelta(days=8))
    learner = factories.user()
    services.add_participants(run=run, users=[learner], added_by=trainer)
    content = login(learner).get(reverse("runs:detail", args=[run.pk])).content.decode()
    assert "Was due on" in content


def test_only_participants_trainers_and_admins_open_the_run_page(run, trainer, organisation):
    url = reverse("runs:detail", args=[run.pk])
    learner = factories.user()
    services.add_participants(run=run, users=[learner], added_by=trainer)
    admin = factories.user(groups=(roles.ADMINS,))
    other_trainer = factories.user(groups=(roles.TRAINERS,))
    other_run(other_trainer)
    assert login(learner).get(url).status_code == 200
    assert login(trainer).get(url).status_code == 200
    assert login(admin).get(url).status_code == 200
    for outsider in [factories.user(), other_trainer, make_guest(organisation)]:
        assert login(outsider).get(url).status_code == 404, outsider
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert login(admin).get(reverse("runs:detail", args=[run.pk + 999])).status_code == 404
    assert login(learner).post(url).status_code == 405
    # Someone outside the run learns nothing from a POST either.
    assert login(factories.user()).post(url).status_code == 404


def test_a_guest_in_the_run_sees_it_and_it_is_on_their_start_page(run, trainer, organisation):
    guest = make_guest(organisation)
    services.add_participants(run=run, users=[guest], added_by=trainer)
    client = login(guest)
    response = client.get(reverse("runs:detail", args=[run.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Social Selling Basics" in content
    # No link into pages guests cannot open (the course pages are internal).
    assert f'href="{run.programme.items.first().course.url}"' not in content
    home = client.get(reverse("guest_home")).content.decode()
    assert "Bootcamp spring" in home and reverse("runs:detail", args=[run.pk]) in home
    assert "tina@example.com" in home
    # Their runs only; the progress grid is not theirs.
    assert client.get(reverse("runs:progress", args=[run.pk])).status_code == 404
    assert client.get(reverse("runs:progress_csv", args=[run.pk])).status_code == 404


def test_a_guest_not_in_a_run_sees_no_run_on_the_start_page(run, organisation):
    content = login(make_guest(organisation)).get(reverse("guest_home")).content.decode()
    assert "Bootcamp spring" not in content


# --- the trainers' progress grid ----------------------------------------------------------------


def test_only_the_runs_trainers_and_admins_see_progress(run, trainer, organisation):
    learner = factories.user()
    services.add_participants(run=run, users=[learner], added_by=trainer)
    other_trainer = factories.user(groups=(roles.TRAINERS,))
    other_run(other_trainer)
    admin = factories.user(groups=(roles.ADMINS,))
    guest = make_guest(organisation)
    for name in ("runs:progress", "runs:progress_csv", "runs:progress_xlsx"):
        url = reverse(name, args=[run.pk])
        assert login(trainer).get(url).status_code == 200, name
        assert login(admin).get(url).status_code == 200, name
        for outsider in [
            learner,
            factories.user(),
            other_trainer,
            guest,
        ]:
            assert login(outsider).get(url).status_code == 404, (name, outsider)
        assert Client().get(url).status_code == 302


def _grid_queries(run, trainer, count):
    people = [factories.user(first_name=f"P{number}") for number in range(count)]
    services.add_participants(run=run, users=people, added_by=trainer)
    client = login(trainer)
    url = reverse("runs:progress", args=[run.pk])
    client.get(url)  # warm caches (session, site)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == count + 2
    RunParticipant.objects.filter(run=run).delete()
    return len(queries)


def test_the_grid_costs_the_same_queries_for_3_and_12_participants(run, trainer):
    BootcampRun.objects.filter(pk=run.pk).update(capacity=None)
    run.refresh_from_db()
    assert _grid_queries(run, trainer, 3) == _grid_queries(run, trainer, 12)


def test_the_grid_shows_each_participants_states(run, trainer, course, organisation):
    done = factories.user(first_name="Dora", last_name="Done")
    guest = make_guest(organisation)
    services.add_participants(run=run, users=[done, guest], added_by=trainer)
    complete_course(done, course)
    content = login(trainer).get(reverse("runs:progress", args=[run.pk])).content.decode()
    assert "Dora Done" in content and "Kunde GmbH" in content
    assert "1 / 2" in content and "0 / 2" in content
    assert "locked" in content  # the quiz opens on day 10


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_the_export_is_spreadsheet_safe_in_english_and_german(run, trainer, course):
    sly = factories.user(username="sly", first_name="=HYPERLINK(1)", last_name="X")
    services.add_participants(run=run, users=[sly], added_by=trainer)
    complete_course(sly, course)
    url = reverse("runs:progress_csv", args=[run.pk])
    rows = _csv(login(trainer).get(url))
    assert rows[0] == [
        "Username",
        "Name",
        "Department or company",
        "Item",
        "Kind",
        "Required",
        "Due date",
        "State",
    ]
    assert rows[1][1].startswith("'=HYPERLINK")
    assert rows[1][3:] == [
        "Social Selling Basics",
        "Course",
        "Yes",
        f"{run.starts_on + timedelta(days=7):%Y-%m-%d}",
        "Done",
    ]
    assert rows[2][4] == "Quiz" and rows[2][7] == "Locked"
    trainer.language = "de"
    trainer.save()
    german = _csv(login(trainer, "de").get(url))
    assert german[0][0] == "Benutzername"
    assert german[1][6] == f"{run.starts_on + timedelta(days=7):%d.%m.%Y}"


# --- the admin ----------------------------------------------------------------------------------


def test_a_trainer_creates_a_run_and_bad_dates_are_explained(trainer, course):
    page = programme({"course": course})
    client = login(trainer)
    data = {
        "programme": page.pk,
        "title": "Autumn",
        "starts_on": "2026-10-10",
        "ends_on": "2026-10-01",
        "language": "de",
        "capacity": "",
        "trainers": [trainer.pk],
    }
    response = client.post(reverse("bootcamp-runs:add"), data)
    assert response.status_code == 200
    assert "A run cannot end before it starts." in response.content.decode()
    assert not BootcampRun.objects.exists()
    response = client.post(
        reverse("bootcamp-runs:add"), {**data, "ends_on": "2026-10-20", "capacity": "0"}
    )
    assert response.status_code == 200 and not BootcampRun.objects.exists()
    response = client.post(reverse("bootcamp-runs:add"), {**data, "ends_on": "2026-10-20"})
    assert response.status_code == 302
    created = BootcampRun.objects.get()
    assert list(created.trainers.all()) == [trainer] and created.capacity is None


def test_a_guest_cannot_be_a_trainer(trainer, course, organisation):
    page = programme({"course": course})
    guest = make_guest(organisation)
    response = login(trainer).post(
        reverse("bootcamp-runs:add"),
        {
            "programme": page.pk,
            "title": "Autumn",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-20",
            "language": "de",
            "trainers": [guest.pk],
        },
    )
    assert response.status_code == 200 and not BootcampRun.objects.exists()


def test_the_capacity_cannot_drop_below_the_participants(run, trainer):
    services.add_participants(run=run, users=[factories.user(), factories.user()], added_by=trainer)
    response = login(trainer).post(
        reverse("bootcamp-runs:edit", args=[run.pk]),
        {
            "programme": run.programme_id,
            "title": run.title,
            "starts_on": run.starts_on.isoformat(),
            "ends_on": run.ends_on.isoformat(),
            "language": "en",
            "capacity": "1",
            "trainers": [trainer.pk],
        },
    )
    assert response.status_code == 200
    assert "2 participants already" in response.content.decode()
    run.refresh_from_db()
    assert run.capacity == 5


def test_the_participants_view_adds_a_person_or_a_department(run, trainer, sales, organisation):
    url = reverse("bootcamp-runs:participants", args=[run.pk])
    client = login(trainer)
    ann = factories.user(department=sales, first_name="Ann")
    factories.user(department=sales)
    guest = make_guest(organisation)
    assert client.get(url).status_code == 200
    response = client.post(url, {"person": guest.pk})
    assert response.status_code == 302
    response = client.post(url, {"department": sales.pk})
    assert response.status_code == 302
    assert run.participants.count() == 3
    for bad, message in [
        ({}, "Choose a person or a department"),
        ({"person": ann.pk, "department": sales.pk}, "not both at once"),
        ({"person": "99999"}, "Choose an active person"),
        ({"person": "x'; drop"}, "Choose an active person"),
        ({"department": "nope"}, "Choose a department"),
    ]:
        response = client.post(url, bad)
        assert response.status_code == 200, bad
        assert message in response.content.decode(), bad
    BootcampRun.objects.filter(pk=run.pk).update(capacity=3)
    response = client.post(url, {"person": factories.user().pk})
    assert response.status_code == 200
    assert "0 places left" in response.content.decode()
    assert run.participants.count() == 3


def test_employees_cannot_reach_the_runs_admin(run):
    client = login(factories.user())
    for url in [
        reverse("bootcamp-runs:index"),
        reverse("bootcamp-runs:add"),
        reverse("bootcamp-runs:participants", args=[run.pk]),
    ]:
        response = client.post(url, {"person": "1"})
        assert response.status_code in (302, 403), url
    assert not run.participants.exists()


# --- two trainers at once (PostgreSQL) ----------------------------------------------------------


# serialized_rollback restores what the migrations created (groups, pages), which the
# flush after a transactional test would otherwise remove for the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_adds_never_exceed_the_capacity(course, trainer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write")
    page = programme({"course": course})
    today = timezone.localdate()
    run = BootcampRun.objects.create(
        programme=page, title="Tight", starts_on=today, ends_on=today, capacity=1
    )
    people = [factories.user(), factories.user()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add(person):
        try:
            barrier.wait()
            services.add_participants(run=run, users=[person], added_by=trainer)
            outcomes.append("added")
        except services.RunRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", "refused"]
    assert RunParticipant.objects.filter(run=run).count() == 1


# --- live sessions and the calendar file --------------------------------------------------------


@pytest.fixture
def workshop_run(trainer):
    workshop = factories.workshop(title="LinkedIn for Leaders", open_to_all=True, trainer=trainer)
    page = programme({"workshop": workshop}, title="Workshop programme")
    today = timezone.localdate()
    run = BootcampRun.objects.create(
        programme=page,
        title="Run with sessions",
        starts_on=today,
        ends_on=today + timedelta(days=9),
    )
    run.trainers.add(trainer)
    first = factories.session(workshop=workshop, starts_in_days=2, location="Room 1")
    second = factories.session(workshop=workshop, starts_in_days=5, location="Room; 2, north")
    run.sessions.add(first, second)
    return run, workshop, first, second


def test_the_calendar_lists_the_runs_sessions_for_those_who_may_open_the_run(
    workshop_run, trainer, organisation
):
    import icalendar

    run, _workshop, first, second = workshop_run
    learner = factories.user()
    services.add_participants(run=run, users=[learner], added_by=trainer)
    second.cancelled_at = timezone.now()
    second.save()
    page = login(learner).get(reverse("runs:detail", args=[run.pk])).content.decode()
    assert "Room 1" in page and reverse("runs:calendar", args=[run.pk]) in page
    url = reverse("runs:calendar", args=[run.pk])
    response = login(learner).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(event["location"]) for event in events] == ["Room 1", "Room; 2, north"]
    assert [str(event["status"]) for event in events] == ["CONFIRMED", "CANCELLED"]
    assert str(events[0]["uid"]).startswith(f"run-{run.pk}-session-{first.pk}@")
    assert login(trainer).get(url).status_code == 200
    for outsider in [factories.user(), make_guest(organisation)]:
        assert login(outsider).get(url).status_code == 404
        assert login(outsider).post(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_only_sessions_of_the_programmes_workshops_belong_to_a_run(workshop_run, trainer):
    run, _workshop, first, _second = workshop_run
    stranger = factories.session(workshop=factories.workshop(title="Other workshop"))
    data = {
        "programme": run.programme_id,
        "title": run.title,
        "starts_on": run.starts_on.isoformat(),
        "ends_on": run.ends_on.isoformat(),
        "language": "de",
        "trainers": [trainer.pk],
        "sessions": [first.pk, stranger.pk],
    }
    client = login(trainer)
    response = client.post(reverse("bootcamp-runs:edit", args=[run.pk]), data)
    assert response.status_code == 200
    assert "Only sessions of the programme’s workshops belong to a run" in response.content.decode()
    assert run.sessions.count() == 2
    response = client.post(
        reverse("bootcamp-runs:edit", args=[run.pk]), {**data, "sessions": [first.pk]}
    )
    assert response.status_code == 302
    assert list(run.sessions.all()) == [first]
