"""The team view counts assigned learning only; managers remind one person of one item."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from lms.assignments import selectors, services
from lms.assignments.models import Assignment
from lms.people import roles
from lms.reminders.models import ReminderLog
from lms.workshops.models import Booking
from tests import factories

pytestmark = pytest.mark.django_db

REMIND = "/reminders/remind/"


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def team(manager, sales):
    return {
        name: factories.user(
            username=name,
            first_name=name.capitalize(),
            department=sales,
            manager=manager,
            email=f"{name}@example.com",
            language=language,
        )
        for name, language in (("dana", "en"), ("otto", "de"), ("nina", "en"))
    }


@pytest.fixture
def open_course(manager, team):
    course = factories.course(title="Social Selling Basics", modules=1)
    services.assign(
        assigned_by=manager,
        assignees=[team["dana"], team["otto"]],
        item=course,
        due_date=in_days(3),
    )
    return course


def assignment_of(person, course):
    return Assignment.objects.get(assignee=person, course=course)


def shown_states(view):
    return Counter(cell.state for row in view.rows for cell in row.cells if cell)


class TestLearningNobodyAssignedCounts:
    def test_it_shows_as_in_progress_or_completed_without_due_date_or_reminder(self, manager, team):
        assigned = factories.course(title="Assigned", modules=1)
        self_study = factories.course(title="Self study", modules=2)
        workshop = factories.workshop(title="Walk-in workshop")
        services.assign(
            assigned_by=manager, assignees=[team["dana"]], item=assigned, due_date=in_days(5)
        )
        # Nina completes a course and attends a workshop that nobody assigned to anyone,
        # and completes the course assigned to Dana; Dana starts the self-study course.
        course_services.complete_module(
            user=team["nina"], module=factories.modules_of(self_study)[0]
        )
        course_services.complete_module(
            user=team["nina"], module=factories.modules_of(self_study)[1]
        )
        course_services.complete_module(
            user=team["dana"], module=factories.modules_of(self_study)[0]
        )
        session = factories.session(workshop=workshop, starts_in_days=-3)
        Booking.objects.create(
            user=team["nina"], session=session, workshop=workshop, status="booked", attended=True
        )
        course_services.complete_module(user=team["nina"], module=factories.modules_of(assigned)[0])

        view = selectors.team_view(members=services.assignable_people(manager=manager))

        assert [item.title for item in view.items] == ["Assigned", "Self study", "Walk-in workshop"]
        cells = {row.member.username: row.cells for row in view.rows}
        states = {name: [cell and cell.state for cell in row] for name, row in cells.items()}
        assert states["nina"] == [selectors.COMPLETED, selectors.COMPLETED, selectors.COMPLETED]
        assert states["dana"] == [selectors.NOT_STARTED, selectors.IN_PROGRESS, None]
        assert all(cell.due_date is None and cell.assignment_id is None for cell in cells["nina"])
        assert cells["dana"][0].assignment_id is not None
        assert view.totals == {"not_started": 1, "in_progress": 1, "completed": 3, "overdue": 0}
        # It cannot be overdue, and the item filter finds it.
        assert (
            selectors.team_view(
                members=services.assignable_people(manager=manager), overdue_only=True
            ).items
            == []
        )
        by_workshop = selectors.team_view(
            members=services.assignable_people(manager=manager), item=f"workshop:{workshop.pk}"
        )
        assert [row.member.username for row in by_workshop.rows] == ["nina"]

        # On the page: "not assigned" instead of a due date, and no remind button for it.
        page = login(manager).get(reverse("assignments:team")).content.decode()
        assert page.count("not assigned") == 4
        assert page.count('form="remind-form"') == 1  # Dana's assigned course

    def test_totals_agree_with_every_filter(self, manager, team, open_course):
        workshop = factories.workshop(title="LinkedIn for Leaders")
        services.assign(
            assigned_by=manager, assignees=[team["nina"]], item=workshop, due_date=in_days(9)
        )
        course_services.complete_module(
            user=team["dana"], module=factories.modules_of(open_course)[0]
        )
        Assignment.objects.filter(assignee=team["otto"]).update(due_date=in_days(-2))
        document = factories.guideline()
        from lms.guidelines import selectors as guideline_selectors
        from lms.guidelines import services as guideline_services

        version = guideline_selectors.current_version(document=document)
        guideline_services.sign(user=team["dana"], document=document, version_id=version.pk)
        members = services.assignable_people(manager=manager)
        filters = [
            {},
            {"overdue_only": True},
            {"unsigned_only": True},
            {"item": f"course:{open_course.pk}"},
            {"item": f"workshop:{workshop.pk}", "unsigned_only": True},
        ]
        for options in filters:
            view = selectors.team_view(members=members, **options)
            assert view.totals == {state: shown_states(view)[state] for state in view.totals}, (
                options
            )
        unsigned = selectors.team_view(members=members, unsigned_only=True)
        # Dana accepted the guidelines: her completed course leaves the totals with her row.
        assert unsigned.totals["completed"] == 0
        assert {row.member.username for row in unsigned.rows} >= {"otto", "nina"}
        assert "dana" not in {row.member.username for row in unsigned.rows}
        overdue = selectors.team_view(members=members, overdue_only=True)
        assert [item.title for item in overdue.items] == ["Social Selling Basics"]


class TestRemind:
    def test_manager_reminds_in_the_persons_language(self, manager, team, open_course):
        otto = assignment_of(team["otto"], open_course)
        response = login(manager).post(REMIND, {"assignment": otto.pk, "next": "/team/?overdue=on"})
        assert response.status_code == 302
        assert response["Location"] == "/team/?overdue=on"
        [message] = mail.outbox
        assert message.to == ["otto@example.com"]
        assert "Erinnerung" in message.subject and "Social Selling Basics" in message.subject
        assert "Guten Tag Otto" in message.body and "mark erinnert Sie an" in message.body
        log = ReminderLog.objects.get()
        assert (log.kind, log.recipient, log.sent_by, log.assignment) == (
            ReminderLog.Kind.MANAGER,
            team["otto"],
            manager,
            otto,
        )
        assert log.period == timezone.localdate().isoformat()

        dana = assignment_of(team["dana"], open_course)
        login(manager).post(REMIND, {"assignment": dana.pk})
        assert mail.outbox[-1].to == ["dana@example.com"]
        assert mail.outbox[-1].subject == "Reminder: “Social Selling Basics”"
        assert "mark reminds you of" in mail.outbox[-1].body

    def test_once_a_day_per_person_and_item_whoever_asks(self, manager, team, open_course):
        otto = assignment_of(team["otto"], open_course)
        assert login(manager).post(REMIND, {"assignment": otto.pk}).status_code == 302
        again = login(manager).post(REMIND, {"assignment": otto.pk})
        assert again.status_code == 429
        assert "already reminded" in again.content.decode()
        admin = factories.user(username="boss", groups=(roles.ADMINS,))
        assert login(admin).post(REMIND, {"assignment": otto.pk}).status_code == 429
        # Another item of the same person, or the same item of another person, is fine.
        workshop = factories.workshop()
        services.assign(
            assigned_by=manager, assignees=[team["otto"]], item=workshop, due_date=in_days(4)
        )
        other = Assignment.objects.get(assignee=team["otto"], workshop=workshop)
        assert login(manager).post(REMIND, {"assignment": other.pk}).status_code == 302
        assert len(mail.outbox) == 2
        assert ReminderLog.objects.count() == 2

    def test_next_day_reminds_again(self, manager, team, open_course, monkeypatch):
        otto = assignment_of(team["otto"], open_course)
        assert login(manager).post(REMIND, {"assignment": otto.pk}).status_code == 302
        tomorrow = in_days(1)
        monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
        assert login(manager).post(REMIND, {"assignment": otto.pk}).status_code == 302
        assert len(mail.outbox) == 2

    def test_the_database_holds_once_a_day(self, manager, team, open_course):
        otto = assignment_of(team["otto"], open_course)
        fields = {
            "kind": ReminderLog.Kind.MANAGER,
            "recipient": team["otto"],
            "assignment": otto,
            "period": timezone.localdate().isoformat(),
        }
        ReminderLog.objects.create(sent_by=manager, **fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            ReminderLog.objects.create(sent_by=None, **fields)

    def test_a_failed_send_is_not_counted_as_today_s_reminder(
        self, manager, team, open_course, monkeypatch
    ):
        from lms.reminders import services as reminder_services

        def broken(**kwargs):
            raise ConnectionRefusedError("the mail server is down")

        otto = assignment_of(team["otto"], open_course)
        monkeypatch.setattr(reminder_services, "deliver_reminder", broken)
        response = login(manager).post(REMIND, {"assignment": otto.pk})
        assert response.status_code == 503
        assert "could not be sent" in response.content.decode()
        assert not ReminderLog.objects.exists()
        monkeypatch.undo()
        assert login(manager).post(REMIND, {"assignment": otto.pk}).status_code == 302

    def test_completed_unpublished_or_unreachable_get_409(self, manager, team, open_course):
        dana = assignment_of(team["dana"], open_course)
        course_services.complete_module(
            user=team["dana"], module=factories.modules_of(open_course)[0]
        )
        response = login(manager).post(REMIND, {"assignment": dana.pk})
        assert response.status_code == 409
        assert "already completed" in response.content.decode()
        team["otto"].email = ""
        team["otto"].save()
        otto = assignment_of(team["otto"], open_course)
        response = login(manager).post(REMIND, {"assignment": otto.pk})
        assert response.status_code == 409
        assert "no e-mail address" in response.content.decode()
        nina = factories.workshop(title="Unpublished workshop")
        services.assign(
            assigned_by=manager, assignees=[team["nina"]], item=nina, due_date=in_days(2)
        )
        nina.unpublish()
        response = login(manager).post(
            REMIND, {"assignment": Assignment.objects.get(workshop=nina).pk}
        )
        assert response.status_code == 409
        assert "is not published" in response.content.decode()
        assert not mail.outbox and not ReminderLog.objects.exists()

    def test_permissions_and_bad_input(self, manager, team, open_course, employee, sales):
        otto = assignment_of(team["otto"], open_course)
        other_manager = factories.user(username="olga", groups=(roles.MANAGERS,), department=sales)
        factories.user(username="olgas-report", manager=other_manager)
        assert login(other_manager).post(REMIND, {"assignment": otto.pk}).status_code == 403
        # Otto himself is no manager, and the employee is not in the team.
        assert login(team["otto"]).post(REMIND, {"assignment": otto.pk}).status_code == 403
        assert login(employee).post(REMIND, {"assignment": otto.pk}).status_code == 403
        client = login(manager)
        assert client.get(REMIND, {"assignment": otto.pk}).status_code == 405
        assert client.post(REMIND, {"assignment": 999999}).status_code == 404
        for bad in ("", "abc", "-1", "1.5", "9" * 40):
            assert client.post(REMIND, {"assignment": bad}).status_code == 400, bad
        assert client.post(REMIND, {}).status_code == 400
        anonymous = Client().post(REMIND, {"assignment": otto.pk})
        assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"]
        assert not mail.outbox
        # Admins may remind anyone; a foreign `next` is not followed.
        admin = factories.user(username="boss", groups=(roles.ADMINS,))
        response = login(admin).post(
            REMIND, {"assignment": otto.pk, "next": "https://evil.example/team/"}
        )
        assert response.status_code == 302 and response["Location"] == "/team/"
        assert ReminderLog.objects.get().sent_by == admin

    def test_the_service_holds_the_permission_for_every_caller(self, manager, team, open_course):
        from django.core.exceptions import PermissionDenied

        from lms.reminders import services as reminder_services

        otto = assignment_of(team["otto"], open_course)
        with pytest.raises(PermissionDenied):
            reminder_services.remind(sender=team["dana"], assignment=otto)
        assert not mail.outbox and not ReminderLog.objects.exists()

    def test_csrf_is_required(self, manager, team, open_course):
        otto = assignment_of(team["otto"], open_course)
        client = Client(enforce_csrf_checks=True)
        client.force_login(manager)
        assert client.post(REMIND, {"assignment": otto.pk}).status_code == 403
        assert not mail.outbox

    def test_the_team_view_offers_remind_for_open_items_only(self, manager, team, open_course):
        course_services.complete_module(
            user=team["dana"], module=factories.modules_of(open_course)[0]
        )
        page = login(manager).get(reverse("assignments:team")).content.decode()
        assert f'action="{REMIND}"' in page and 'id="remind-form"' in page
        otto = assignment_of(team["otto"], open_course)
        dana = assignment_of(team["dana"], open_course)
        assert f'form="remind-form" name="assignment" value="{otto.pk}"' in page
        assert f'value="{dana.pk}"' not in page
        assert "Otto: Social Selling Basics" in page  # the button's name for screen readers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_presses_send_one_reminder(sales):
    manager = factories.user(username="mark", groups=(roles.MANAGERS,), department=sales)
    admin = factories.user(username="boss", groups=(roles.ADMINS,))
    otto = factories.user(username="otto", manager=manager, email="otto@example.com")
    course = factories.course(modules=1)
    services.assign(assigned_by=manager, assignees=[otto], item=course, due_date=in_days(2))
    assignment = Assignment.objects.get()
    mail.outbox.clear()  # the "new assignment" notification, sent once the setup committed
    clients = [login(manager), login(admin)]
    barrier, statuses, unexpected = threading.Barrier(2), [], []

    def press(client):
        try:
            barrier.wait()
            statuses.append(client.post(REMIND, {"assignment": assignment.pk}).status_code)
        except Exception as error:  # reported by the assertion below
            unexpected.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert unexpected == []
    assert sorted(statuses) == [302, 429]
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.count() == 1


def test_the_navigation_links_the_guidelines_team_page_for_managers(manager, team, employee):
    link = f'href="{reverse("guidelines:team")}"'
    assert link in login(manager).get("/").content.decode()
    assert link not in login(employee).get("/").content.decode()
    assert login(manager).get(reverse("guidelines:team")).status_code == 200
