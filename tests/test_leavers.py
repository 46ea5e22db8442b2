"""Leavers (issue 17, item 4): a deactivated person cannot sign in, drops out of team views,
assignments, reminders, leaderboards and the headcounts, gives up their coming workshop
seats, and keeps every record; reactivated, all of it comes back. Deactivation goes
through people.services.set_active, the Wagtail user form or Wagtail's bulk action, and
each keeps the kept summaries (rollout board, sign-off report, award points) equal to a
recount."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from courses import services as course_services
from courses.models import Enrollment, ModuleCompletion
from lms.assignments.models import Assignment
from lms.award import selectors as award_selectors
from lms.award import services as award_services
from lms.award.models import AwardPeriod, PeriodPoints
from lms.guidelines import selectors as guideline_selectors
from lms.guidelines import services as guideline_services
from lms.guidelines import tallies
from lms.guidelines.models import SignOff
from lms.kpis.models import KpiRecord
from lms.notifications.models import Notification
from lms.people import roles
from lms.people.models import User
from lms.people.services import set_active
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Question, Sitting
from lms.reminders.services import send_due_reminders
from lms.rollout import metrics
from lms.rollout import selectors as rollout_selectors
from lms.workshops import services as workshop_services
from lms.workshops.models import Booking
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"


# --- the checks every test shares ---------------------------------------------------


def assert_summaries_agree_with_a_recount(period: AwardPeriod) -> None:
    """The kept summaries say what counting the raw tables says: the rollout board
    (`rollout_recount --check` exits 0), the sign-off report, the award points."""
    out = StringIO()
    call_command("rollout_recount", "--check", stdout=out)
    assert "0 person rows and 0 department counts differed" in out.getvalue()
    assert tallies.check() == []
    ranked = [(e.user.pk, e.rank, e.points) for e in award_selectors.leaderboard(period=period)]
    recounted = [
        (e.user.pk, e.rank, e.points) for e in award_selectors.recount_leaderboard(period=period)
    ]
    assert ranked == recounted


def headcount(department) -> int:
    """The rollout board's headcount of the department (what its shares are of)."""
    return metrics.MetricContext().headcount.get(department.pk, 0)


def signed_share(department) -> int:
    """The board's (cached) "accepted the current guidelines" share of the department."""
    return rollout_selectors.evidence_values()[("guidelines_signed", None)].get(department.pk, 0)


def signoff_counts(document, department) -> tuple[int, int, int]:
    """(current, older, never) of the sign-off report's row of the department."""
    for row in guideline_selectors.department_report(document=document):
        if row.slug == department.slug:
            return row.current, row.older, row.never
    return 0, 0, 0


def signs_in(path: str, username: str) -> bool:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse(path), {"username": username, "password": PASSWORD})
    return "_auth_user_id" in client.session


def records_of(person: User) -> dict[str, int]:
    return {
        "completions": ModuleCompletion.objects.filter(user=person).count(),
        "enrolments": Enrollment.objects.filter(user=person).count(),
        "sittings": Sitting.objects.filter(user=person, passed=True).count(),
        "sign-offs": SignOff.objects.filter(user=person).count(),
        "assignments": Assignment.objects.filter(assignee=person).count(),
        "bookings": Booking.objects.filter(user=person).count(),
        "points": PeriodPoints.objects.filter(user=person, points__gt=0).count(),
    }


# --- the company ----------------------------------------------------------------------


@pytest.fixture
def company(sales):
    """A manager with two reports in Sales; the leaver Lea has completed a module, passed
    a quiz, accepted the guidelines, has an assignment and a seat in a full coming
    session (Wanda waits for one), and award points."""
    today = timezone.localdate()
    period = AwardPeriod.objects.create(
        name="This month", starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=10)
    )
    manager = factories.user(
        username="mark",
        first_name="Mark",
        last_name="Manager",
        email="mark@example.com",
        department=sales,
        groups=(roles.MANAGERS, roles.EMPLOYEES),
    )
    lea = factories.user(
        username="lea",
        first_name="Lea",
        last_name="Leaver",
        email="lea@example.com",
        department=sales,
        manager=manager,
        # A trainer too, so that the Wagtail admin would let her in.
        groups=(roles.EMPLOYEES, roles.TRAINERS),
    )
    carl = factories.user(
        username="carl",
        first_name="Carl",
        last_name="Colleague",
        email="carl@example.com",
        department=sales,
        manager=manager,
    )
    wanda = factories.user(username="wanda", email="wanda@example.com", department=sales)

    course = factories.course(title="Social Selling Basics", modules=2)
    first, second = factories.modules_of(course)
    quiz = factories.quiz(questions=[{}], pass_mark=50)
    second.quiz = quiz
    second.save_revision().publish()
    course_services.complete_module(user=lea, module=first)
    sitting = quiz_services.start_sitting(user=lea, quiz=quiz)
    for question_id in sitting.question_order:
        question = Question.objects.get(pk=question_id)
        quiz_services.submit_answer(
            user=lea,
            sitting_id=sitting.pk,
            question_id=question_id,
            choice_ids=[question.answers.get(correct=True).pk],
        )
    document = factories.guideline()
    version = guideline_selectors.current_version(document=document)
    guideline_services.sign(user=lea, document=document, version_id=version.pk)

    # Assigned: a course she has not completed.
    assigned = factories.course(title="Compliance Basics", modules=1)
    manager_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    manager_client.force_login(manager)
    response = manager_client.post(
        reverse("assignments:assign"),
        {
            "item": f"course:{assigned.pk}",
            "assignees": [lea.pk, carl.pk],
            "due_date": (today + timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    # Due a week ago: overdue for both (the reminders' day is today).
    Assignment.objects.update(due_date=today - timedelta(days=7))

    workshop = factories.workshop(open_to_all=True)
    session = factories.session(workshop=workshop, capacity=1)
    seat = workshop_services.book_session(user=lea, session=session)
    waiting = workshop_services.book_session(user=wanda, session=session)
    assert (seat.status, waiting.status) == (Booking.BOOKED, Booking.WAITLISTED)

    assert [entry.user for entry in award_selectors.leaderboard(period=period)] == [lea]
    assert_summaries_agree_with_a_recount(period)
    return {
        "sales": sales,
        "manager": manager,
        "manager_client": manager_client,
        "lea": lea,
        "carl": carl,
        "wanda": wanda,
        "course": course,
        "document": document,
        "session": session,
        "seat": seat,
        "waiting": waiting,
        "period": period,
    }


# --- end to end ---------------------------------------------------------------------


def test_a_leaver_drops_out_everywhere_keeps_every_record_and_comes_back(
    company, django_capture_on_commit_callbacks
):
    lea, sales = company["lea"], company["sales"]
    manager_client, period = company["manager_client"], company["period"]
    own_session = Client(HTTP_ACCEPT_LANGUAGE="en")
    own_session.force_login(lea)
    assert own_session.get(reverse("notifications:profile")).status_code == 200
    records = records_of(lea)
    assert all(records.values()), records
    members, signed = headcount(sales), signoff_counts(company["document"], sales)
    assert members == 4 and signed == (1, 0, 3)
    assert signs_in("login", "lea") and signs_in("wagtailadmin_login", "lea")
    # The award page and the board's (cached) evidence, read before: the caches must follow.
    board = Client(HTTP_ACCEPT_LANGUAGE="en")
    board.force_login(factories.user(username="lead", groups=(roles.LEADERSHIP,)))
    assert "Leaver" in board.get(reverse("award:leaderboard")).content.decode()
    assert signed_share(sales) == 25  # Lea of Mark, Lea, Carl and Wanda

    with django_capture_on_commit_callbacks(execute=True):  # Wanda is told after the commit
        assert set_active(user=lea, active=False, source="test") is True
    assert set_active(user=lea, active=False, source="test") is False  # nothing to change

    # No sign-in, on the site or in the admin; the open session ends at its next request.
    assert not signs_in("login", "lea")
    assert not signs_in("wagtailadmin_login", "lea")
    response = own_session.get(reverse("notifications:profile"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    # No password reset e-mail either (the one e-mail so far tells Wanda of her seat).
    Client().post(reverse("password_reset"), {"email": "lea@example.com"})
    assert [message.to for message in mail.outbox] == [["wanda@example.com"]]
    mail.outbox.clear()

    # Gone from the team view and its CSV.
    page = manager_client.get(reverse("assignments:team")).content.decode()
    assert "Leaver" not in page and "Colleague" in page
    csv = b"".join(manager_client.get(reverse("assignments:team_csv")).streaming_content)
    assert b"Leaver" not in csv and b"Colleague" in csv
    # ... and from the guidelines' team matrix.
    page = manager_client.get(reverse("guidelines:team")).content.decode()
    assert "Leaver" not in page and "Colleague" in page

    # Not assignable: chosen by name it is an error, "whole team" skips her.
    other_course = factories.course(title="Advanced Selling", modules=1)
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    assign_page = manager_client.get(reverse("assignments:assign")).content.decode()
    assert "Leaver" not in assign_page
    response = manager_client.post(
        reverse("assignments:assign"),
        {"item": f"course:{other_course.pk}", "assignees": [lea.pk], "due_date": due},
    )
    assert response.status_code == 200
    assert not Assignment.objects.filter(assignee=lea, course=other_course).exists()
    response = manager_client.post(
        reverse("assignments:assign"),
        {"item": f"course:{other_course.pk}", "whole_team": "on", "due_date": due},
    )
    assert response.status_code == 302
    assert list(
        Assignment.objects.filter(course=other_course).values_list("assignee__username", flat=True)
    ) == ["carl"]

    # No reminder to her, and the manager's digest lists Carl only.
    send_due_reminders()
    to = {address for message in mail.outbox for address in message.to}
    assert "lea@example.com" not in to and "carl@example.com" in to
    (digest,) = [message for message in mail.outbox if message.to == ["mark@example.com"]]
    assert "Colleague" in digest.body and "Leaver" not in digest.body
    assert not Notification.objects.filter(recipient=lea).exists()
    # Nor can the manager remind her by hand.
    mail.outbox.clear()
    open_assignment = Assignment.objects.get(assignee=lea)
    response = manager_client.post(reverse("reminders:remind"), {"assignment": open_assignment.pk})
    assert response.status_code == 403 and mail.outbox == []

    # Not on the leaderboard; the points stay stored.
    assert award_selectors.leaderboard(period=period) == []
    page = board.get(reverse("award:leaderboard")).content.decode()
    assert "Colleague" not in page and "Leaver" not in page

    # The seat went to Wanda, who was waiting; Lea's booking stays, cancelled.
    seat, waiting = company["seat"], company["waiting"]
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert seat.status == Booking.CANCELLED and seat.cancelled_at is not None
    assert waiting.status == Booking.BOOKED and waiting.promoted_at is not None
    assert Notification.objects.filter(recipient=company["wanda"]).exists()

    # The board's headcount and the sign-off report leave her out.
    assert headcount(sales) == members - 1
    assert signed_share(sales) == 0
    assert signoff_counts(company["document"], sales) == (0, 0, 3)
    assert_summaries_agree_with_a_recount(period)

    # Every record is still there.
    assert records_of(lea) == records

    # Back again.
    mail.outbox.clear()
    assert set_active(user=lea, active=True, source="test") is True
    assert signs_in("login", "lea") and signs_in("wagtailadmin_login", "lea")
    page = manager_client.get(reverse("assignments:team")).content.decode()
    assert "Leaver" in page
    csv = b"".join(manager_client.get(reverse("assignments:team_csv")).streaming_content)
    assert b"Leaver" in csv
    response = manager_client.post(
        reverse("assignments:assign"),
        {"item": f"course:{other_course.pk}", "assignees": [lea.pk], "due_date": due},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(assignee=lea, course=other_course).exists()
    assert [entry.user for entry in award_selectors.leaderboard(period=period)] == [lea]
    assert "Leaver" in board.get(reverse("award:leaderboard")).content.decode()
    assert headcount(sales) == members
    assert signed_share(sales) == 25
    assert signoff_counts(company["document"], sales) == signed
    assert_summaries_agree_with_a_recount(period)
    # The overdue reminder held back while she was away goes out now.
    send_due_reminders()
    assert "lea@example.com" in {address for message in mail.outbox for address in message.to}
    # The seat she gave up is not taken back from Wanda: she books again.
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert (seat.status, waiting.status) == (Booking.CANCELLED, Booking.BOOKED)


def test_the_kpi_token_of_a_deactivated_service_user_is_refused(sales):
    token, raw = factories.kpi_token(username="crm")

    def send():
        record = {
            "external_id": "crm-1",
            "department": "sales",
            "month": "2025-03",
            "metric": "leads",
            "value": 5,
        }
        return Client(HTTP_ACCEPT_LANGUAGE="en").post(
            reverse("api_kpis"),
            json.dumps([record]),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )

    set_active(user=token.user, active=False, source="test")
    response = send()
    assert response.status_code == 403
    assert response.json() == {"error": "This token is unknown or has been deactivated."}
    assert not KpiRecord.objects.exists()

    set_active(user=token.user, active=True, source="test")
    assert send().status_code == 200
    assert KpiRecord.objects.count() == 1


# --- the Wagtail admin ----------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    admin = factories.user(username="root", is_superuser=True, groups=(roles.ADMINS,))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def _edit_form(person: User, **changes) -> dict:
    """What the Wagtail user edit form posts for the person as they are, with changes."""
    form = {
        "username": person.username,
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "department": person.department_id or "",
        "manager": person.manager_id or "",
        "employee_id": person.employee_id,
        "groups": list(person.groups.values_list("pk", flat=True)),
    }
    if person.is_active:
        form["is_active"] = "on"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_the_wagtail_user_form_deactivates_and_reactivates_as_set_active_does(
    company, admin_client
):
    lea, sales, period = company["lea"], company["sales"], company["period"]
    members = headcount(sales)
    url = reverse("wagtailusers_users:edit", args=[lea.pk])

    response = admin_client.post(url, _edit_form(lea, is_active=None))
    assert response.status_code == 302, response.content.decode()[:2000]
    lea.refresh_from_db()
    assert not lea.is_active
    assert lea.groups.filter(name=roles.TRAINERS).exists()
    assert award_selectors.leaderboard(period=period) == []
    assert headcount(sales) == members - 1
    assert signoff_counts(company["document"], sales) == (0, 0, 3)
    company["seat"].refresh_from_db()
    company["waiting"].refresh_from_db()
    assert company["seat"].status == Booking.CANCELLED
    assert company["waiting"].status == Booking.BOOKED
    assert_summaries_agree_with_a_recount(period)

    response = admin_client.post(url, _edit_form(lea, is_active="on"))
    assert response.status_code == 302
    lea.refresh_from_db()
    assert lea.is_active
    assert [entry.user for entry in award_selectors.leaderboard(period=period)] == [lea]
    assert headcount(sales) == members
    assert_summaries_agree_with_a_recount(period)


def test_wagtails_bulk_action_deactivates_and_reactivates_as_set_active_does(company, admin_client):
    lea, carl, sales, period = company["lea"], company["carl"], company["sales"], company["period"]
    members = headcount(sales)
    url = reverse("wagtail_bulk_action", args=("people", "user", "set_active_state"))
    query = f"id={lea.pk}&id={carl.pk}"

    response = admin_client.post(f"{url}?{query}", {"mark_as_active": "False"})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[lea.pk, carl.pk], is_active=True).exists()
    assert award_selectors.leaderboard(period=period) == []
    assert headcount(sales) == members - 2
    company["waiting"].refresh_from_db()
    assert company["waiting"].status == Booking.BOOKED
    assert_summaries_agree_with_a_recount(period)
    page = company["manager_client"].get(reverse("assignments:team"))
    assert page.status_code == 403  # nobody left to manage

    response = admin_client.post(f"{url}?{query}", {"mark_as_active": "True"})
    assert response.status_code == 302
    assert User.objects.filter(pk__in=[lea.pk, carl.pk], is_active=True).count() == 2
    assert [entry.user for entry in award_selectors.leaderboard(period=period)] == [lea]
    assert headcount(sales) == members
    assert_summaries_agree_with_a_recount(period)


def test_a_leaver_is_nobodys_new_manager_but_stays_until_replaced(company, admin_client):
    manager, carl = company["manager"], company["carl"]
    newcomer = factories.user(username="nina", department=company["sales"])
    set_active(user=manager, active=False, source="test")

    # Carl's account can still be saved with the manager who left; the picker says so.
    url = reverse("wagtailusers_users:edit", args=[carl.pk])
    page = admin_client.get(url).content.decode()
    assert "Mark Manager (inactive)" in page
    response = admin_client.post(url, _edit_form(carl, first_name="Carlo"))
    assert response.status_code == 302
    carl.refresh_from_db()
    assert (carl.first_name, carl.manager_id) == ("Carlo", manager.pk)

    # Nobody else gets the leaver as manager.
    url = reverse("wagtailusers_users:edit", args=[newcomer.pk])
    picker = admin_client.get(url).content.decode().split('name="manager"')[1].split("</select>")[0]
    assert "Carl" in picker and "Mark Manager" not in picker
    response = admin_client.post(url, _edit_form(newcomer, manager=manager.pk))
    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.manager_id is None


def test_a_coming_seat_is_freed_but_past_attendance_stays(company):
    lea = company["lea"]
    past_workshop = factories.workshop(open_to_all=True)
    past = factories.session(workshop=past_workshop, capacity=5)
    booking = workshop_services.book_session(user=lea, session=past)
    past.starts_at = timezone.now() - timedelta(hours=3)
    past.ends_at = timezone.now() - timedelta(hours=1)
    past.save(update_fields=["starts_at", "ends_at"])
    workshop_services.mark_attendance(
        marker=company["manager"], session=past, attended_ids={booking.pk}
    )
    waitlisted_workshop = factories.workshop(open_to_all=True)
    full = factories.session(workshop=waitlisted_workshop, capacity=1)
    workshop_services.book_session(user=company["carl"], session=full)
    queued = workshop_services.book_session(user=lea, session=full)
    assert queued.status == Booking.WAITLISTED

    set_active(user=lea, active=False, source="test")

    booking.refresh_from_db()
    queued.refresh_from_db()
    assert (booking.status, booking.attended) == (Booking.BOOKED, True)
    assert queued.status == Booking.CANCELLED
    assert Booking.objects.get(user=company["carl"], session=full).status == Booking.BOOKED
    assert_summaries_agree_with_a_recount(company["period"])


@pytest.mark.parametrize(
    "confirm", ["password_reset_confirm", "wagtailadmin_password_reset_confirm"]
)
def test_a_reset_link_mailed_before_leaving_sets_no_password(sales, confirm, response_context):
    lea = factories.user(username="lea", email="lea@example.com", department=sales)
    link = reverse(
        confirm,
        args=[urlsafe_base64_encode(force_bytes(lea.pk)), default_token_generator.make_token(lea)],
    )
    new = {"new_password1": "a-new-pass-4567", "new_password2": "a-new-pass-4567"}

    set_active(user=lea, active=False, source="test")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(link, follow=True)
    assert response.status_code == 200 and not response.context["validlink"]
    client.post(response.redirect_chain[-1][0] if response.redirect_chain else link, new)
    lea.refresh_from_db()
    assert lea.check_password(PASSWORD)

    set_active(user=lea, active=True, source="test")
    response = client.get(link, follow=True)
    assert response.context["validlink"]
    response = client.post(response.redirect_chain[-1][0], new)
    assert response.status_code == 302
    lea.refresh_from_db()
    assert lea.check_password("a-new-pass-4567")


def test_a_leaver_cannot_be_announced_the_winner_and_the_next_leads(company):
    lea, carl, period = company["lea"], company["carl"], company["period"]
    course_services.complete_module(user=carl, module=factories.modules_of(company["course"])[0])
    admin = factories.user(username="root", is_superuser=True, groups=(roles.ADMINS,))
    assert [entry.user for entry in award_selectors.leaders(period=period)] == [lea]

    set_active(user=lea, active=False, source="test")

    assert [entry.user for entry in award_selectors.leaders(period=period)] == [carl]
    with pytest.raises(award_services.AwardError):
        award_services.announce_winner(period=period, winner=lea, by=admin)
    assert award_services.announce_winner(period=period, winner=carl, by=admin).winner == carl
