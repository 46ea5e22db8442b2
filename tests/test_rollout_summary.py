"""The rollout board's counts per department (lms/rollout/summary.py) stay equal to a
recount from the raw tables after every kind of write, including bulk writes that send no
model signal; the board reads them with a fixed number of queries; a management command
checks and repairs them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import Enrollment
from lms.assignments import services as assignment_services
from lms.assignments.models import Assignment
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.people import roles
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Question
from lms.rollout import cache, selectors, summary
from lms.rollout.models import Criterion, EvidenceTally, PersonEvidence
from lms.workshops import services as workshop_services
from lms.workshops.models import WorkshopSession
from tests import factories

pytestmark = pytest.mark.django_db


def assert_counts_right():
    result = summary.recount()
    assert (result.people_wrong, result.tallies_wrong) == (0, 0)


def evidence(metric, department, track=None):
    return selectors.evidence_values()[(metric, track.pk if track else None)].get(department.pk, 0)


@pytest.fixture
def world(sales):
    """Two departments, a manager with reports, a tracked course and workshop, a
    guideline, and criteria that use the track."""
    track = factories.track(name="LinkedIn")
    Criterion.objects.filter(metric__in=["managers_linkedin", "urgency_workshop"]).update(
        track=track
    )
    other = factories.department(name="Service")
    boss = factories.user(department=sales, groups=(roles.MANAGERS,))
    people = [factories.user(department=sales, manager=boss) for _ in range(3)]
    outsider = factories.user(department=other)
    course = factories.course(track_=track, modules=1)
    workshop = factories.workshop(title="LinkedIn live", open_to_all=True)
    workshop.track = track
    workshop.save_revision().publish()
    session = factories.session(workshop=workshop, capacity=10)
    document = factories.guideline()
    assert_counts_right()
    return {
        "sales": sales,
        "other": other,
        "track": track,
        "boss": boss,
        "people": people,
        "outsider": outsider,
        "course": course,
        "workshop": workshop,
        "session": session,
        "document": document,
    }


def _past(session):
    WorkshopSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=3)
    )
    session.refresh_from_db()
    return session


def _attend(world, *people):
    bookings = [
        workshop_services.book_session(user=person, session=world["session"]) for person in people
    ]
    workshop_services.mark_attendance(
        marker=world["outsider"],
        session=_past(world["session"]),
        attended_ids={booking.pk for booking in bookings},
    )
    return bookings


def _complete(world, person):
    course_services.complete_module(user=person, module=factories.modules_of(world["course"])[0])


def _pass_quiz(world, person):
    quiz = factories.quiz(questions=[{}], pass_mark=50)
    module = factories.modules_of(world["course"])[0]
    module.quiz = quiz
    module.save_revision().publish()
    course_services.enrol(user=person, course=world["course"])
    sitting = quiz_services.start_sitting(user=person, quiz=quiz)
    for question_id in sitting.question_order:
        question = Question.objects.get(pk=question_id)
        quiz_services.submit_answer(
            user=person,
            sitting_id=sitting.pk,
            question_id=question_id,
            choice_ids=[question.answers.get(correct=True).pk],
        )


def _sign(world, person):
    document = world["document"]
    version = guideline_selectors.current_version(document=document)
    guideline_services.sign(user=person, document=document, version_id=version.pk)


def _assign_bulk(world, *people):
    assignment_services.assign(
        assigned_by=world["boss"],
        assignees=list(people),
        item=world["course"],
        due_date=timezone.localdate() + timedelta(days=7),
    )


def _move(person, department):
    person.department = department
    person.save()


WRITES = {
    "enrol": lambda w: course_services.enrol(user=w["people"][0], course=w["course"]),
    "complete (by update)": lambda w: _complete(w, w["boss"]),
    "quiz pass": lambda w: _pass_quiz(w, w["boss"]),
    "sign-off": lambda w: _sign(w, w["people"][0]),
    "new guideline version": lambda w: (
        _sign(w, w["people"][0]),
        factories.publish_guideline_change(w["document"], text="v2", material=True, summary="x"),
    ),
    "booking": lambda w: workshop_services.book_session(user=w["boss"], session=w["session"]),
    "attendance (bulk)": lambda w: _attend(w, w["boss"], w["people"][1]),
    "booking cancelled": lambda w: workshop_services.cancel_booking(
        user=w["boss"],
        booking=workshop_services.book_session(user=w["boss"], session=w["session"]),
    ),
    "assignment (bulk)": lambda w: _assign_bulk(w, *w["people"][:2]),
    "assignment saved": lambda w: Assignment.objects.create(
        assignee=w["people"][2], course=w["course"], due_date=timezone.localdate()
    ),
    "assignment completed": lambda w: (
        _assign_bulk(w, w["people"][0]),
        _complete(w, w["people"][0]),
    ),
    "assignment deleted": lambda w: (
        _assign_bulk(w, w["people"][0]),
        Assignment.objects.filter(assignee=w["people"][0]).delete(),
    ),
    "user moved": lambda w: (_complete(w, w["boss"]), _move(w["boss"], w["other"])),
    "user deactivated": lambda w: (
        _sign(w, w["people"][0]),
        setattr(w["people"][0], "is_active", False),
        w["people"][0].save(),
    ),
    "new user": lambda w: factories.user(department=w["sales"], manager=w["outsider"]),
    "report moves to another manager": lambda w: (
        setattr(w["people"][0], "manager", w["outsider"]),
        w["people"][0].save(),
    ),
    "manager group removed": lambda w: w["boss"].groups.remove(
        Group.objects.get(name=roles.MANAGERS)
    ),
    "manager group cleared from the group side": lambda w: (
        _complete(w, w["outsider"]),
        w["outsider"].groups.add(Group.objects.get(name=roles.MANAGERS)),
        Group.objects.get(name=roles.MANAGERS).user_set.clear(),
    ),
    "new manager": lambda w: factories.user(
        department=w["sales"], groups=(roles.MANAGERS, roles.EMPLOYEES)
    ),
    # Only the managers' group counts: other roles change nothing, but a set() of other
    # roles takes the managers' group away.
    "roles set without the managers group": lambda w: (
        w["outsider"].groups.add(Group.objects.get(name=roles.MANAGERS)),
        w["outsider"].groups.set(Group.objects.filter(name__in=[roles.TRAINERS, roles.EMPLOYEES])),
    ),
    "another role given": lambda w: (
        _complete(w, w["people"][0]),
        w["people"][0].groups.add(Group.objects.get(name=roles.TRAINERS)),
        Group.objects.get(name=roles.TRAINERS).user_set.add(w["boss"]),
    ),
    "group given to people": lambda w: Group.objects.get(name=roles.MANAGERS).user_set.add(
        *w["people"]
    ),
    "enrolment deleted": lambda w: (
        _complete(w, w["boss"]),
        Enrollment.objects.filter(user=w["boss"]).delete(),
    ),
    "user deleted": lambda w: (_attend(w, w["people"][1]), w["people"][1].delete()),
    "manager deleted": lambda w: (_complete(w, w["boss"]), w["boss"].delete()),
    "department deleted": lambda w: (_enrol_all(w, "other"), w["other"].delete()),
    "workshop moves to another track": lambda w: (
        _attend(w, w["boss"]),
        _retrack(w["workshop"], factories.track()),
    ),
    "course moves to another track": lambda w: (
        _complete(w, w["boss"]),
        _retrack(w["course"], factories.track()),
    ),
}


def _enrol_all(world, key):
    for person in world["outsider"], *world["people"]:
        course_services.enrol(user=person, course=world["course"])


def _retrack(page, track):
    page.track = track
    page.save_revision().publish()


@pytest.mark.parametrize("write", list(WRITES))
def test_the_counts_equal_a_recount_after_every_kind_of_write(world, write):
    WRITES[write](world)
    assert_counts_right()


class TestTheBoardShowsTheCounts:
    def test_managers_who_completed_the_track_by_course_or_workshop(self, world):
        sales, track = world["sales"], world["track"]
        assert evidence("managers_linkedin", sales, track) == 0
        _complete(world, world["boss"])
        assert evidence("managers_linkedin", sales, track) == 100
        world["people"][0].groups.add(Group.objects.get(name=roles.MANAGERS))
        assert evidence("managers_linkedin", sales, track) == 50
        _attend(world, world["people"][0])
        assert evidence("managers_linkedin", sales, track) == 100
        assert evidence("urgency_workshop", sales, track) == 1
        assert_counts_right()

    def test_a_move_takes_the_person_along(self, world):
        sales, other = world["sales"], world["other"]
        course_services.enrol(user=world["boss"], course=world["course"])
        assert evidence("bootcamp_enrolment", sales) == 25
        _move(world["boss"], other)
        assert evidence("bootcamp_enrolment", sales) == 0
        assert evidence("bootcamp_enrolment", other) == 50

    def test_a_rolled_back_write_leaves_the_counts_as_they_were(self, world):
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            course_services.enrol(user=world["boss"], course=world["course"])
            raise RuntimeError
        assert evidence("bootcamp_enrolment", world["sales"]) == 0
        assert_counts_right()


@pytest.mark.parametrize("departments", [3, 12])
def test_the_board_runs_the_same_queries_for_more_departments_and_people(
    departments, django_assert_num_queries
):
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    for _index in range(departments):
        department = factories.department()
        for _person in range(departments):
            factories.user(department=department)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    client.get(reverse("rollout:board"))
    cache.bump()  # right after a change, as the bench asks it
    # Session and user, departments, rollouts, stages and criteria, ticks, the tallies
    # (one query, whatever the headcount), KPI months, stories, winners, stage history,
    # the same for three departments of three or twelve of twelve. The KPI section is
    # kept (rendered) until a KPI record or a department changes.
    with django_assert_num_queries(18):
        assert client.get(reverse("rollout:board")).status_code == 200


def test_the_command_checks_and_repairs(world, capsys):
    _complete(world, world["boss"])
    call_command("rollout_recount", "--check")
    EvidenceTally.objects.filter(key=summary.MEMBERS).update(value=99)
    PersonEvidence.objects.filter(user_id=world["boss"].pk).delete()
    with pytest.raises(CommandError):
        call_command("rollout_recount", "--check")
    output = capsys.readouterr().out
    assert "counting" in output and "1 person rows" in output
    call_command("rollout_recount")
    assert "repaired" in capsys.readouterr().out
    assert_counts_right()
    assert evidence("bootcamp_enrolment", world["sales"]) == 25


def test_the_kpi_section_is_kept_until_a_kpi_record_changes(sales):
    from lms.kpis.models import KpiRecord

    admin = factories.user(groups=(roles.ADMINS,))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    assert "No figures for" in client.get(reverse("rollout:board")).content.decode()
    course_services.enrol(user=factories.user(department=sales), course=factories.course())
    KpiRecord.objects.create(
        external_id="k1",
        department=sales,
        month=timezone.localdate().replace(day=1),
        metric="leads",
        value=41,
    )
    page = client.get(reverse("rollout:board")).content.decode()
    assert "41" in page and "Leads as a table" in page
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    german.force_login(factories.user(groups=(roles.ADMINS,), language="de"))
    page = german.get(reverse("rollout:board")).content.decode()
    assert "KPIs im Zeitverlauf" in page and "als Tabelle" in page
