"""A notification to many people is sent in batches of e-mails, not one queued task each."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from lms.notifications import services
from lms.notifications.models import Notification
from lms.notifications.tasks import EMAILS_PER_TASK, send_notification_emails_task
from tests import factories

pytestmark = pytest.mark.django_db


def people(count: int) -> list:
    # In bulk: 503 saves one by one took most of this file's time.
    return factories.users_in_bulk(count, prefix="p")


class FailsForOne(EmailBackend):
    """The mail server refuses one address and takes the rest."""

    def send_messages(self, email_messages):
        if any("p1@example.com" in message.to for message in email_messages):
            raise ConnectionRefusedError("refused")
        return super().send_messages(email_messages)


def test_many_recipients_make_few_tasks_and_everyone_gets_one_email(
    django_capture_on_commit_callbacks,
):
    count = EMAILS_PER_TASK + 3
    recipients = people(count)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = services.notify_many(
            kind="essay_marked",
            events=[
                services.Event(recipient=r, key="7", params={"title": "Quiz"}) for r in recipients
            ],
        )
    assert len(created) == count
    assert len(callbacks) == 2  # two tasks for 503 e-mails
    assert sorted(message.to[0] for message in mail.outbox) == sorted(r.email for r in recipients)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_one_refused_address_leaves_only_its_claim_open_for_the_retry(settings):
    recipients = people(3)
    created = services.notify_many(
        kind="essay_marked",
        events=[services.Event(recipient=r, key="8", params={"title": "Quiz"}) for r in recipients],
        email=False,
    )
    settings.EMAIL_BACKEND = "tests.test_notification_batches.FailsForOne"
    with pytest.raises(ConnectionRefusedError):
        send_notification_emails_task.call([n.pk for n in created])
    assert sorted(message.to[0] for message in mail.outbox) == ["p0@example.com", "p2@example.com"]
    assert list(
        Notification.objects.filter(emailed_at__isnull=True).values_list(
            "recipient__username", flat=True
        )
    ) == ["p1"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_notification_emails_task.call([n.pk for n in created]) == 1
    assert len(mail.outbox) == 3
