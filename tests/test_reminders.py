import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from wagtail.models import Site

from courses.services import complete_module
from lms.assignments.models import Assignment
from lms.assignments.services import assign
from lms.people import roles
from lms.reminders import services
from lms.reminders.models import ReminderLog
from lms.reminders.services import iso_week, send_due_reminders
from lms.reminders.tasks import send_reminders_task
from tests import factories

pytestmark = pytest.mark.django_db


def _monday() -> date:
    """A Monday safely in the future, so assign() accepts due dates around it."""
    day = timezone.localdate() + timedelta(days=14)
    return day - timedelta(days=day.weekday())


MONDAY = _monday()


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def person(name: str, **extra):
    extra.setdefault("email", f"{name}@example.com")
    return factories.user(username=name, first_name=name.capitalize(), **extra)


def assignment(assignee, item, due: date) -> Assignment:
    return Assignment.objects.create(assignee=assignee, course=item, due_date=due)


def sent_to(address: str) -> list[mail.EmailMultiAlternatives]:
    return [message for message in mail.outbox if message.to == [address]]


@pytest.fixture
def anna(db):
    return person("anna")


@pytest.fixture
def course(db):
    return factories.course(title="Social Selling Basics", modules=2)


class TestDueSoon:
    def test_sent_once_with_links_in_text_and_html(self, anna, course, manager):
        anna.manager = manager
        anna.save()
        assign(assigned_by=manager, assignees=[anna], item=course, due_date=MONDAY + timedelta(3))

        summary = send_due_reminders(today=MONDAY)

        assert summary.counts["due_soon"].sent == 1
        [message] = mail.outbox
        assert message.to == ["anna@example.com"]
        assert "Social Selling Basics" in message.subject
        assert "is due on" in message.subject
        assert "Hello Anna," in message.body
        assert "due in 3 days" in message.body
        assert f"http://testserver{course.url}" in message.body
        assert "http://testserver/" in message.body
        assert f"Assigned by {manager}." in message.body
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert f'href="http://testserver{course.url}"' in html

        again = send_due_reminders(today=MONDAY)
        later = send_due_reminders(today=MONDAY + timedelta(1))
        assert again.counts["due_soon"].sent == later.counts["due_soon"].sent == 0
        assert len(mail.outbox) == 1
        assert ReminderLog.objects.filter(kind="due_soon", recipient=anna).count() == 1

    def test_text_is_not_html_escaped_but_html_is(self, anna):
        assignment(anna, factories.course(title="Q&A <Basics>", modules=1), MONDAY)
        send_due_reminders(today=MONDAY)
        [message] = mail.outbox
        with translation.override("en"):
            due = date_format(MONDAY, "DATE_FORMAT")
        assert message.subject == f"Reminder: “Q&A <Basics>” is due on {due}"
        assert "“Q&A <Basics>” is due today." in message.body
        assert "Q&amp;A &lt;Basics&gt;" in message.alternatives[0][0]
        assert "<Basics>" not in message.alternatives[0][0]

    def test_waits_until_the_configured_number_of_days(self, anna, course, settings):
        assignment(anna, course, MONDAY + timedelta(5))
        assert send_due_reminders(today=MONDAY).sent == 0

        settings.REMINDER_DAYS_BEFORE_DUE = 5
        assert send_due_reminders(today=MONDAY).counts["due_soon"].sent == 1

    def test_due_today_says_today(self, anna, course):
        assignment(anna, course, MONDAY)
        send_due_reminders(today=MONDAY)
        [message] = mail.outbox
        assert "“Social Selling Basics” is due today." in message.body


class TestOverdue:
    def test_sent_once(self, anna, course):
        assignment(anna, course, MONDAY - timedelta(1))

        summary = send_due_reminders(today=MONDAY)

        assert summary.counts["overdue"].sent == 1
        assert summary.counts["due_soon"].sent == 0
        [message] = mail.outbox
        assert message.subject == "Overdue: “Social Selling Basics”"
        assert "is not completed yet" in message.body
        assert send_due_reminders(today=MONDAY + timedelta(1)).sent == 0
        assert len(mail.outbox) == 1

    def test_a_due_soon_reminder_does_not_stop_the_overdue_one(self, anna, course):
        assignment(anna, course, MONDAY + timedelta(1))
        send_due_reminders(today=MONDAY)
        send_due_reminders(today=MONDAY + timedelta(2))
        assert [message.subject.split(":")[0] for message in mail.outbox] == [
            "Reminder",
            "Overdue",
        ]


def test_completed_assignments_get_no_reminders(anna, course, manager):
    soon = factories.course(title="Soon", modules=1)
    assignment(anna, course, MONDAY - timedelta(1))
    assignment(anna, soon, MONDAY + timedelta(1))
    for item in (course, soon):
        for module in factories.modules_of(item):
            complete_module(user=anna, module=module)
    anna.manager = manager
    anna.save()

    summary = send_due_reminders(today=MONDAY)

    assert summary.sent == summary.skipped == summary.errors == 0
    assert mail.outbox == []


class TestDigest:
    @pytest.fixture
    def org(self, db, course):
        """boss ← lead ← worker, boss ← direct; an outsider with a different manager."""
        boss = person("boss", groups=(roles.MANAGERS,))
        lead = person("lead", groups=(roles.MANAGERS,), manager=boss)
        worker = person("worker", manager=lead)
        direct = person("direct", manager=boss)
        other_boss = person("otherboss", groups=(roles.MANAGERS,))
        outsider = person("outsider", manager=other_boss)
        other = factories.course(title="Brand Voice", modules=1)
        assignment(worker, course, MONDAY - timedelta(2))
        assignment(direct, other, MONDAY - timedelta(1))
        assignment(direct, course, MONDAY + timedelta(10))  # not overdue
        return {
            "boss": boss,
            "lead": lead,
            "worker": worker,
            "direct": direct,
            "other_boss": other_boss,
            "outsider": outsider,
        }

    def test_lists_overdue_items_of_direct_and_indirect_reports(self, org):
        summary = send_due_reminders(today=MONDAY)

        assert summary.counts["digest"].sent == 2
        [digest] = sent_to("boss@example.com")
        assert digest.subject == "Weekly digest: 2 overdue assignments in your team"
        assert "Worker: Social Selling Basics" in digest.body
        assert "Direct: Brand Voice" in digest.body
        assert "Outsider" not in digest.body
        assert "http://testserver/team/?overdue=on" in digest.body
        [(html, _mimetype)] = digest.alternatives
        assert "Worker" in html
        assert "Brand Voice" in html

        [lead_digest] = sent_to("lead@example.com")
        assert lead_digest.subject == "Weekly digest: 1 overdue assignment in your team"
        assert "Worker: Social Selling Basics" in lead_digest.body
        assert "Direct" not in lead_digest.body
        assert sent_to("otherboss@example.com") == [], "nobody in that team is overdue"

    def test_once_per_week_and_again_the_next_week(self, org, course):
        send_due_reminders(today=MONDAY)
        assert len(sent_to("boss@example.com")) == 1

        # Something else goes overdue later the same week: still one digest this week.
        assignment(org["outsider"], course, MONDAY + timedelta(1))
        org["outsider"].manager = org["direct"]
        org["outsider"].save()
        later = send_due_reminders(today=MONDAY + timedelta(3))
        assert later.counts["digest"].sent == 1, "only direct's first digest, about outsider"
        assert send_due_reminders(today=MONDAY + timedelta(6)).counts["digest"].sent == 0
        assert len(sent_to("boss@example.com")) == 1

        next_week = send_due_reminders(today=MONDAY + timedelta(7))

        assert next_week.counts["digest"].sent == 3
        assert len(sent_to("boss@example.com")) == 2
        assert "3 overdue assignments" in sent_to("boss@example.com")[-1].subject
        assert set(
            ReminderLog.objects.filter(kind="digest", recipient=org["boss"]).values_list(
                "period", flat=True
            )
        ) == {iso_week(MONDAY), iso_week(MONDAY + timedelta(7))}

    def test_no_digest_without_overdue_items(self, anna, course, manager):
        anna.manager = manager
        anna.save()
        assignment(anna, course, MONDAY + timedelta(2))
        assert send_due_reminders(today=MONDAY).counts["digest"].sent == 0

    def test_a_reporting_loop_does_not_hang(self, anna, course):
        bob = person("bob", manager=anna)
        anna.manager = bob
        anna.save()
        assignment(anna, course, MONDAY - timedelta(1))
        summary = send_due_reminders(today=MONDAY)
        assert summary.counts["digest"].sent == 1
        assert sent_to("bob@example.com")[0].subject.startswith("Weekly digest: 1 ")


class TestLanguage:
    def test_follows_each_recipients_language(self, anna, course):
        jonas = person("jonas", language="de")
        due = MONDAY + timedelta(2)
        assignment(anna, course, due)
        assignment(jonas, course, due)

        send_due_reminders(today=MONDAY)

        [german] = sent_to("jonas@example.com")
        assert german.subject.startswith("Erinnerung: „Social Selling Basics“ ist am ")
        assert german.subject.endswith(" fällig")
        assert "Guten Tag Jonas," in german.body
        assert "ist in 2 Tagen fällig" in german.body
        assert 'lang="de"' in german.alternatives[0][0]
        [english] = sent_to("anna@example.com")
        assert english.subject.startswith("Reminder: “Social Selling Basics” is due on ")
        assert "is due in 2 days" in english.body
        assert 'lang="en"' in english.alternatives[0][0]

    def test_german_digest(self, course):
        chefin = person("chefin", language="de")
        assignment(person("tom", manager=chefin), course, MONDAY - timedelta(1))
        send_due_reminders(today=MONDAY)
        [digest] = sent_to("chefin@example.com")
        assert digest.subject == "Wochenübersicht: 1 überfällige Zuweisung in Ihrem Team"
        assert "Team-Übersicht:" in digest.body


class TestRecipients:
    def test_people_without_email_are_skipped(self, course):
        nomail = person("nomail", email="")
        assignment(nomail, course, MONDAY + timedelta(1))

        summary = send_due_reminders(today=MONDAY)

        assert summary.counts["due_soon"].skipped == 1
        assert summary.sent == 0
        assert mail.outbox == []
        assert not ReminderLog.objects.exists(), "an address added later still gets it"

    def test_inactive_people_get_nothing(self, course):
        gone = person("gone", is_active=False)
        assignment(gone, course, MONDAY + timedelta(1))
        assignment(gone, factories.course(modules=1), MONDAY - timedelta(1))
        assert send_due_reminders(today=MONDAY).sent == 0
        assert mail.outbox == []

    def test_inactive_managers_and_members_leave_the_digest(self, course):
        boss = person("boss", is_active=False)
        assignment(person("ann", manager=boss), course, MONDAY - timedelta(1))
        gone = person("gone", is_active=False, manager=person("lead"))
        assignment(gone, course, MONDAY - timedelta(1))
        summary = send_due_reminders(today=MONDAY)
        assert summary.counts["digest"].sent == 0


class TestFailures:
    def test_failing_email_backend_leaves_no_claim_and_counts_an_error(
        self, anna, course, settings
    ):
        assignment(anna, course, MONDAY + timedelta(1))
        settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"

        summary = send_due_reminders(today=MONDAY)

        assert summary.counts["due_soon"].errors == 1
        assert summary.sent == 0
        assert not ReminderLog.objects.exists()

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        retried = send_due_reminders(today=MONDAY)
        assert retried.counts["due_soon"].sent == 1
        assert len(mail.outbox) == 1

    def test_one_failure_does_not_stop_the_others(self, anna, course, settings, monkeypatch):
        bert = person("bert")
        assignment(anna, course, MONDAY + timedelta(1))
        assignment(bert, course, MONDAY + timedelta(1))
        original = mail.EmailMultiAlternatives.send

        def send(message, *args, **kwargs):
            if message.to == ["anna@example.com"]:
                raise OSError("mailbox unavailable")
            return original(message, *args, **kwargs)

        monkeypatch.setattr(mail.EmailMultiAlternatives, "send", send)
        summary = send_due_reminders(today=MONDAY)
        assert (summary.counts["due_soon"].sent, summary.counts["due_soon"].errors) == (1, 1)
        assert [message.to for message in mail.outbox] == [["bert@example.com"]]
        assert list(ReminderLog.objects.values_list("recipient", flat=True)) == [bert.pk]

    def test_a_reminder_claimed_by_a_parallel_run_is_skipped(self, anna, course, monkeypatch):
        assignment(anna, course, MONDAY + timedelta(1))
        original = services._claim

        def claimed_by_another_run_first(**kwargs):
            # The other run inserts its row between our candidate query and our claim.
            ReminderLog.objects.create(**kwargs)
            return original(**kwargs)

        monkeypatch.setattr(services, "_claim", claimed_by_another_run_first)
        summary = send_due_reminders(today=MONDAY)

        assert summary.counts["due_soon"].skipped == 1
        assert mail.outbox == []
        assert ReminderLog.objects.count() == 1

    def test_the_database_refuses_a_second_digest_for_the_same_week(self, anna):
        ReminderLog.objects.create(kind="digest", recipient=anna, period="2026-W48")
        with pytest.raises(IntegrityError), transaction.atomic():
            ReminderLog.objects.create(kind="digest", recipient=anna, period="2026-W48")
        ReminderLog.objects.create(kind="digest", recipient=anna, period="2026-W49")


def test_task_runs_on_the_immediate_backend(anna, course):
    assignment(anna, course, MONDAY + timedelta(1))

    result = send_reminders_task.enqueue(today=MONDAY.isoformat())

    assert result.status == "SUCCESSFUL"
    assert result.return_value["today"] == MONDAY.isoformat()
    assert result.return_value["counts"]["due_soon"] == {"sent": 1, "skipped": 0, "errors": 0}
    assert len(mail.outbox) == 1


class TestCommand:
    def test_prints_counts_per_kind(self, anna, course):
        assignment(anna, course, MONDAY + timedelta(1))
        out = StringIO()

        call_command("send_reminders", "--today", MONDAY.isoformat(), stdout=out)

        assert out.getvalue().splitlines() == [
            "due_soon: 1 sent, 0 skipped, 0 errors",
            "overdue: 0 sent, 0 skipped, 0 errors",
            "digest: 0 sent, 0 skipped, 0 errors",
        ]

    def test_defaults_to_today(self, anna, course):
        assignment(anna, course, timezone.localdate() + timedelta(1))
        out = StringIO()
        call_command("send_reminders", stdout=out)
        assert "due_soon: 1 sent" in out.getvalue()

    @pytest.mark.parametrize("value", ["23.11.2026", "2026-13-01", "tomorrow"])
    def test_malformed_date_is_a_clear_error(self, value):
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("send_reminders", "--today", value)

    def test_errors_make_the_command_fail_after_the_summary(self, anna, course, settings):
        assignment(anna, course, MONDAY + timedelta(1))
        settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
        out = StringIO()
        with pytest.raises(CommandError, match="1 reminder"):
            call_command("send_reminders", "--today", MONDAY.isoformat(), stdout=out)
        assert "due_soon: 0 sent, 0 skipped, 1 errors" in out.getvalue()

    def test_enqueue_prints_the_task_id(self, anna, course):
        assignment(anna, course, MONDAY + timedelta(1))
        out = StringIO()

        call_command("send_reminders", "--enqueue", "--today", MONDAY.isoformat(), stdout=out)

        assert out.getvalue().startswith("Enqueued task ")
        assert "SUCCESSFUL" in out.getvalue(), "the immediate backend ran it already"
        assert len(mail.outbox) == 1

    def test_enqueue_on_the_database_backend_waits_for_the_worker(
        self, anna, course, settings, monkeypatch
    ):
        from django_tasks_db.management.commands import db_worker
        from django_tasks_db.models import DBTaskResult

        # Between tasks the worker drops stale connections; here that would end the test's
        # transaction, so it keeps the connection.
        monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        assignment(anna, course, MONDAY + timedelta(1))
        out = StringIO()

        call_command("send_reminders", "--enqueue", "--today", MONDAY.isoformat(), stdout=out)

        task_id = out.getvalue().split()[2]
        assert DBTaskResult.objects.filter(id=task_id).exists()
        assert mail.outbox == []
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
        assert len(mail.outbox) == 1
        result = send_reminders_task.get_result(task_id)
        assert result.return_value["counts"]["due_soon"]["sent"] == 1


def test_queries_grow_only_with_the_emails_sent(course):
    """Candidates are found in a fixed number of queries; each email costs the same."""
    Site.get_site_root_paths()  # Wagtail caches these; warm the cache first.
    boss = person("boss")
    numbers = iter(range(100))

    def add_people(count: int) -> None:
        for _ in range(count):
            member = person(f"member{next(numbers)}", manager=boss)
            assignment(member, course, MONDAY + timedelta(1))
            assignment(member, factories.course(modules=1), MONDAY - timedelta(1))

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            summary = send_due_reminders(today=MONDAY)
        return len(queries), summary.sent

    add_people(2)
    first, first_sent = run()
    fixed, nothing_sent = run()
    add_people(6)
    more, more_sent = run()

    assert (first_sent, nothing_sent, more_sent) == (5, 0, 12)  # 2×2 + digest, then 6×2
    # A reminder about an assignment: the e-mail choice, the claim (savepoint, insert,
    # release) and the in-app notification (existing keys, insert, read back).
    per_reminder = (more - fixed) / more_sent
    assert per_reminder <= 7
    digest = 3  # claim = savepoint, insert, release
    assert first == fixed + per_reminder * 4 + digest
    assert fixed <= 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_runs_send_each_reminder_once():
    # Real threads with their own connections: the claims race in the database itself.
    boss = person("boss")
    for number in range(4):
        member = person(f"member{number}", manager=boss)
        assignment(member, factories.course(modules=1), MONDAY + timedelta(1))
        assignment(member, factories.course(modules=1), MONDAY - timedelta(1))
    mail.outbox.clear()  # the "new assignment" e-mails of the set-up (lms.notifications)
    runs, summaries, unexpected = 4, [], []
    barrier = threading.Barrier(runs)

    def run():
        try:
            barrier.wait()
            summaries.append(send_due_reminders(today=MONDAY))
        except Exception as error:  # reported by the assertion below
            unexpected.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert unexpected == []
    assert sum(summary.sent for summary in summaries) == 9  # 4 due soon, 4 overdue, 1 digest
    assert sum(summary.errors for summary in summaries) == 0
    sent = sorted((message.to[0], message.subject) for message in mail.outbox)
    assert len(sent) == len(set(sent)) == 9
    assert ReminderLog.objects.count() == 9
