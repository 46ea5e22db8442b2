"""Notifications (lms.notifications): each kind once, e-mail by choice and language,
the bell, the list, marking read, the profile page."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.assignments.events import assignments_created
from lms.assignments.models import Assignment
from lms.assignments.services import assign
from lms.guidelines.events import version_published
from lms.guidelines.models import GuidelineVersion
from lms.notifications import selectors, services
from lms.notifications.models import EmailPreference, Notification
from lms.notifications.tasks import send_notification_email_task
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Sitting, SittingAnswer
from lms.quizzes.signals import essay_marked
from lms.reminders.services import send_due_reminders
from lms.workshops.models import Booking
from lms.workshops.services import book_session, cancel_booking
from lms.workshops.signals import booking_promoted
from tests import factories

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def person(name: str, **extra):
    extra.setdefault("email", f"{name}@example.com")
    return factories.user(username=name, first_name=name.capitalize(), **extra)


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def email_off(user, kind: str) -> None:
    services.save_email_choices(user=user, choices={kind: False})


@pytest.fixture
def employee(employee):
    employee.email = "emma@example.com"
    employee.save()
    return employee


@pytest.fixture
def due_date():
    return timezone.localdate() + timedelta(days=10)


class TestAssignmentReceived:
    def test_every_assignee_of_a_bulk_assignment_gets_one(
        self, manager, course, due_date, django_capture_on_commit_callbacks
    ):
        team = [person(f"member{number}", manager=manager) for number in range(3)]
        with django_capture_on_commit_callbacks(execute=True):
            assign(assigned_by=manager, assignees=team, item=course, due_date=due_date)

        for member in team:
            [notification] = Notification.objects.filter(recipient=member)
            assert notification.kind == "assignment_received"
            assert course.title in notification.message
            assert notification.url == course.url
            assert notification.emailed_at is not None
        assert sorted(message.to[0] for message in mail.outbox) == sorted(
            member.email for member in team
        )
        message = mail.outbox[0]
        assert message.subject == "Bootcamp: New assignment"
        assert course.title in message.body
        assert f"http://testserver{course.url}" in message.body
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html" and f'href="http://testserver{course.url}"' in html

    def test_a_duplicate_signal_and_a_second_assign_create_nothing_twice(
        self, manager, course, due_date, django_capture_on_commit_callbacks
    ):
        member = person("member", manager=manager)
        with django_capture_on_commit_callbacks(execute=True):
            assign(assigned_by=manager, assignees=[member], item=course, due_date=due_date)
            assign(
                assigned_by=manager,
                assignees=[member],
                item=course,
                due_date=due_date + timedelta(1),
            )
            assignments_created.send(
                sender=Assignment, field="course", item_id=course.pk, assignee_ids=[member.pk]
            )
        assert Notification.objects.filter(recipient=member).count() == 1
        assert len(mail.outbox) == 1

    def test_an_assignment_made_one_by_one_notifies_too(
        self, employee, course, due_date, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            Assignment.objects.create(assignee=employee, course=course, due_date=due_date)
        assert kinds_of(employee) == ["assignment_received"]
        assert len(mail.outbox) == 1

    def test_email_off_means_in_app_only(
        self, manager, course, due_date, django_capture_on_commit_callbacks
    ):
        member = person("member", manager=manager)
        email_off(member, "assignment_received")
        with django_capture_on_commit_callbacks(execute=True):
            assign(assigned_by=manager, assignees=[member], item=course, due_date=due_date)
        assert kinds_of(member) == ["assignment_received"]
        assert mail.outbox == []

    def test_the_email_is_in_the_recipients_language(
        self, manager, course, due_date, django_capture_on_commit_callbacks
    ):
        member = person("member", manager=manager, language="de")
        with django_capture_on_commit_callbacks(execute=True):
            assign(assigned_by=manager, assignees=[member], item=course, due_date=due_date)
        [message] = mail.outbox
        assert message.subject == "Bootcamp: Neue Zuweisung"
        assert "Guten Tag Member," in message.body
        assert f"Ihnen wurde „{course.title}“ zugewiesen" in message.body
        assert 'lang="de"' in message.alternatives[0][0]


class TestTheEmailIsSentOnce:
    def test_a_repeated_task_sends_nothing_twice(self, employee):
        notification = services.notify(
            kind="essay_marked", recipient=employee, key="1", params={"title": "Quiz"}
        )
        assert send_notification_email_task.call(notification.pk) is True
        assert send_notification_email_task.call(notification.pk) is False
        assert len(mail.outbox) == 1

    def test_a_failed_send_gives_the_claim_back_for_the_retry(self, employee, settings):
        notification = services.notify(
            kind="essay_marked", recipient=employee, key="1", params={"title": "Quiz"}
        )
        settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
        with pytest.raises(ConnectionRefusedError):
            send_notification_email_task.call(notification.pk)
        notification.refresh_from_db()
        assert notification.emailed_at is None

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert send_notification_email_task.call(notification.pk) is True
        assert len(mail.outbox) == 1

    def test_notify_twice_creates_one(self, employee):
        first = services.notify(kind="essay_marked", recipient=employee, key="7")
        again = services.notify(kind="essay_marked", recipient=employee, key="7")
        assert first is not None and again is None
        assert Notification.objects.count() == 1

    def test_the_database_refuses_a_second_row_for_the_same_event(self, employee):
        services.notify(kind="essay_marked", recipient=employee, key="7")
        with pytest.raises(IntegrityError), transaction.atomic():
            Notification.objects.create(
                recipient=employee, kind="essay_marked", dedupe_key="essay_marked:7"
            )

    def test_an_unknown_kind_is_refused(self, employee):
        with pytest.raises(ValueError):
            services.notify(kind="gossip", recipient=employee, key="1")


class TestReminders:
    def test_due_soon_and_overdue_appear_in_the_list_once(self, employee, course):
        today = timezone.localdate()
        soon = Assignment.objects.create(
            assignee=employee, course=course, due_date=today + timedelta(1)
        )
        late = Assignment.objects.create(
            assignee=employee, course=factories.course(modules=1), due_date=today - timedelta(1)
        )
        send_due_reminders(today=today)
        send_due_reminders(today=today)

        reminders = Notification.objects.filter(recipient=employee).exclude(
            kind="assignment_received"
        )
        assert sorted(reminders.values_list("kind", "dedupe_key")) == [
            ("due_soon", f"due_soon:{soon.pk}"),
            ("overdue", f"overdue:{late.pk}"),
        ]
        assert sorted(message.subject.split(":")[0] for message in mail.outbox) == [
            "Overdue",
            "Reminder",
        ]

    def test_email_off_keeps_the_reminder_in_app_only(self, employee, course):
        today = timezone.localdate()
        email_off(employee, "due_soon")
        Assignment.objects.create(assignee=employee, course=course, due_date=today + timedelta(1))

        summary = send_due_reminders(today=today)
        send_due_reminders(today=today)

        assert summary.counts["due_soon"].sent == 0
        assert mail.outbox == []
        assert Notification.objects.filter(recipient=employee, kind="due_soon").count() == 1


class TestEssayMarked:
    @pytest.fixture
    def answered(self, employee):
        quiz = factories.quiz(questions=[{"kind": "essay"}], pass_mark=100)
        sitting = quiz_services.start_sitting(user=employee, quiz=quiz)
        quiz_services.submit_answer(
            user=employee,
            sitting_id=sitting.pk,
            question_id=sitting.question_order[0],
            essay="I listen before I pitch.",
        )
        return quiz, Sitting.objects.get(pk=sitting.pk), SittingAnswer.objects.get(sitting=sitting)

    def test_the_learner_is_told_once(
        self, employee, trainer, trainer_client, answered, django_capture_on_commit_callbacks
    ):
        quiz, sitting, answer = answered
        with django_capture_on_commit_callbacks(execute=True):
            response = trainer_client.post(
                reverse("quizzes:mark", args=[sitting.pk]),
                {"answer": answer.pk, f"answer-{answer.pk}-correct": "1"},
            )
        assert response.status_code == 302
        [notification] = Notification.objects.filter(recipient=employee)
        assert notification.kind == "essay_marked"
        assert quiz.title in notification.message
        assert notification.url == reverse("quizzes:result", args=[sitting.pk])
        assert len(mail.outbox) == 1

        answer.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            essay_marked.send(sender=Sitting, sitting=sitting, answer=answer, marker=trainer)
        assert Notification.objects.filter(recipient=employee).count() == 1
        assert len(mail.outbox) == 1


class TestBookingPromoted:
    def test_the_person_moved_up_is_told_once(self, django_capture_on_commit_callbacks):
        workshop = factories.workshop(open_to_all=True)
        session = factories.session(workshop=workshop, capacity=1)
        first, second = person("first"), person("second")
        booking = book_session(user=first, session=session)
        waiting = book_session(user=second, session=session)
        assert waiting.status == Booking.Status.WAITLISTED

        with django_capture_on_commit_callbacks(execute=True):
            cancel_booking(user=first, booking=booking)
        waiting.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            booking_promoted.send(sender=Booking, booking=waiting)

        [notification] = Notification.objects.filter(recipient=second)
        assert notification.kind == "booking_promoted"
        assert workshop.title in notification.message
        assert not Notification.objects.filter(recipient=first).exists()
        assert [message.to for message in mail.outbox] == [["second@example.com"]]


class TestGuidelineVersion:
    def test_everyone_in_scope_is_told_of_each_new_version(
        self, sales, django_capture_on_commit_callbacks
    ):
        seller = person("seller", department=sales)
        other = person("other", department=factories.department(name="HR"))
        with django_capture_on_commit_callbacks(execute=True):
            document = factories.guideline(departments=(sales,))
        assert kinds_of(seller) == ["guideline_version"]
        assert kinds_of(other) == []

        with django_capture_on_commit_callbacks(execute=True):
            factories.publish_guideline_change(
                document, text="Be kinder.", material=True, summary="Stricter rules."
            )
        assert kinds_of(seller) == ["guideline_version", "guideline_version"]
        latest = Notification.objects.filter(recipient=seller).first()
        assert "Version 2 of" in latest.message

        version = GuidelineVersion.objects.filter(document=document).order_by("-number").first()
        with django_capture_on_commit_callbacks(execute=True):
            version_published.send(sender=GuidelineVersion, version=version)
        assert Notification.objects.filter(recipient=seller).count() == 2

    def test_a_change_that_is_not_material_tells_nobody(
        self, sales, django_capture_on_commit_callbacks
    ):
        seller = person("seller", department=sales)
        document = factories.guideline(departments=(sales,))
        with django_capture_on_commit_callbacks(execute=True):
            factories.publish_guideline_change(document, text="Typo fixed.", material=False)
        assert kinds_of(seller) == []


def make_notifications(user, count: int) -> None:
    for number in range(count):
        services.notify(
            kind="essay_marked",
            recipient=user,
            key=str(number),
            params={"title": f"Quiz {number}"},
            url="/quizzes/",
        )


class TestBellAndList:
    def test_the_bell_shows_the_unread_count(self, employee, employee_client):
        make_notifications(employee, 3)
        page = employee_client.get("/").content.decode()
        assert '<span class="bell__count" aria-hidden="true">3</span>' in page
        assert "3 unread notifications" in page

    def test_no_count_and_no_query_for_anonymous_visitors(self, client, employee):
        make_notifications(employee, 1)
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        assert "bell__count" not in page and 'class="bell"' not in page
        assert not [q for q in queries.captured_queries if "notifications_" in q["sql"]]

    @pytest.mark.parametrize("count", [0, 5])
    def test_the_bell_costs_one_query(
        self, employee, employee_client, count, django_assert_num_queries
    ):
        make_notifications(employee, count)
        employee_client.get("/")  # warm the caches the dashboard keeps
        with django_assert_num_queries(1):
            selectors.unread_count(user=employee)

    @pytest.mark.parametrize("count", [0, 30])
    def test_the_dashboard_pins_its_queries_whatever_the_count(
        self, employee, employee_client, count, django_assert_num_queries
    ):
        make_notifications(employee, count)
        employee_client.get("/")
        # session, user, site, page, view restrictions, the learner's rows (enrolments,
        # completions, assignments, bookings and the content token in one query), and the
        # bell's count.
        with django_assert_num_queries(7):
            response = employee_client.get("/")
        assert ("bell__count" in response.content.decode()) is bool(count)

    def test_the_list_is_paginated_in_a_fixed_number_of_queries(
        self, employee, employee_client, django_assert_num_queries
    ):
        make_notifications(employee, 25)
        url = reverse("notifications:list")
        employee_client.get(url)
        # session, user, count, page, and the bell's count
        with django_assert_num_queries(5):
            first = employee_client.get(url).content.decode()
        with django_assert_num_queries(5):
            second = employee_client.get(url, {"page": 2}).content.decode()
        assert first.count('class="notification ') == 20
        assert second.count('class="notification ') == 5
        assert "Quiz 24" in first and "Quiz 0" in second

    def test_mark_one_read(self, employee, employee_client):
        make_notifications(employee, 2)
        notification = Notification.objects.filter(recipient=employee).first()
        response = employee_client.post(reverse("notifications:mark_read", args=[notification.pk]))
        assert response.status_code == 302
        notification.refresh_from_db()
        assert notification.read_at is not None
        assert selectors.unread_count(user=employee) == 1

    def test_mark_all_read(self, employee, employee_client):
        make_notifications(employee, 3)
        response = employee_client.post(reverse("notifications:mark_all_read"), follow=True)
        assert "All notifications are marked as read." in response.content.decode()
        assert selectors.unread_count(user=employee) == 0

    def test_a_safe_next_is_followed_and_a_foreign_one_is_not(self, employee, employee_client):
        make_notifications(employee, 2)
        first, second = Notification.objects.filter(recipient=employee)
        url = reverse("notifications:mark_read", args=[first.pk])
        response = employee_client.post(url, {"next": "/notifications/?page=1"})
        assert response.url == "/notifications/?page=1"
        url = reverse("notifications:mark_read", args=[second.pk])
        response = employee_client.post(url, {"next": "https://evil.example/"})
        assert response.url == reverse("notifications:list")

    @pytest.mark.parametrize("target", ["logout", "-1", "//evil.example/", "²"])
    def test_a_next_that_is_no_path_goes_to_the_list(self, employee, employee_client, target):
        response = employee_client.post(reverse("notifications:mark_all_read"), {"next": target})
        assert response.status_code == 302
        assert response.url == reverse("notifications:list")


class TestPermissionsAndBadInput:
    def test_nobody_marks_another_persons_notification(self, employee, client):
        make_notifications(employee, 1)
        notification = Notification.objects.get()
        client.force_login(person("intruder"))
        response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
        assert response.status_code == 404
        client.post(reverse("notifications:mark_all_read"))
        notification.refresh_from_db()
        assert notification.read_at is None

    def test_nobody_sees_another_persons_notifications(self, employee, client):
        make_notifications(employee, 1)
        client.force_login(person("intruder"))
        page = client.get(reverse("notifications:list")).content.decode()
        assert "Quiz 0" not in page and "You have no notifications yet." in page

    def test_unknown_notification_is_404(self, employee_client):
        assert employee_client.post("/notifications/999999/read/").status_code == 404

    @pytest.mark.parametrize("name", ["mark_all_read", "mark_read"])
    def test_marking_needs_post(self, employee, employee_client, name):
        make_notifications(employee, 1)
        args = [Notification.objects.get().pk] if name == "mark_read" else []
        assert employee_client.get(reverse(f"notifications:{name}", args=args)).status_code == 405
        assert selectors.unread_count(user=employee) == 1

    def test_marking_needs_the_csrf_token(self, employee):
        make_notifications(employee, 1)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(employee)
        assert strict.post(reverse("notifications:mark_all_read")).status_code == 403
        assert selectors.unread_count(user=employee) == 1

    @pytest.mark.parametrize(
        ("page", "status"),
        [("abc", 400), ("-1", 400), ("²", 400), ("١", 400), ("0", 404), ("9", 404)],
    )
    def test_bad_page_numbers(self, employee, employee_client, page, status):
        make_notifications(employee, 1)
        response = employee_client.get(reverse("notifications:list"), {"page": page})
        assert response.status_code == status

    @pytest.mark.parametrize("name", ["list", "profile"])
    def test_anonymous_visitors_are_sent_to_log_in(self, client, name):
        response = client.get(reverse(f"notifications:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_anonymous_marking_changes_nothing(self, client, employee):
        make_notifications(employee, 1)
        response = client.post(reverse("notifications:mark_all_read"))
        assert response.status_code == 302
        assert selectors.unread_count(user=employee) == 1

    def test_the_profile_refuses_other_methods(self, employee_client):
        assert employee_client.delete(reverse("notifications:profile")).status_code == 405


class TestProfile:
    def test_shows_name_email_language_and_defaults_on(self, employee_client, employee):
        employee.first_name, employee.last_name = "Erika", "Muster"
        employee.save()
        page = employee_client.get(reverse("notifications:profile")).content.decode()
        assert "Erika Muster" in page and employee.email in page and "English" in page
        assert page.count('type="checkbox"') == 6
        assert page.count("checked") == 6

    def test_turning_one_kind_off_is_stored_and_shown(self, employee_client, employee):
        kept_on = {
            "assignment_received": "on",
            "due_soon": "on",
            "overdue": "on",
            "booking_promoted": "on",
            "guideline_version": "on",
        }
        response = employee_client.post(reverse("notifications:profile"), kept_on, follow=True)
        assert "Your e-mail settings have been saved." in response.content.decode()
        assert selectors.email_choices(user=employee)["essay_marked"] is False
        assert selectors.email_choices(user=employee)["due_soon"] is True
        assert EmailPreference.objects.filter(user=employee).count() == 6
        page = employee_client.get(reverse("notifications:profile")).content.decode()
        assert page.count("checked") == 5

        services.notify(kind="essay_marked", recipient=employee, key="1")
        services.notify(kind="due_soon", recipient=employee, key="1")
        assert Notification.objects.filter(recipient=employee).count() == 2
