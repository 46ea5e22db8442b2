"""Background entry point for notification e-mails, on the configured TASKS backend."""

from __future__ import annotations

from django_tasks import task

from lms.notifications.emails import send_notification_email, send_notification_emails

# How many e-mails one task sends: a guideline published to 50,000 people is 100 tasks,
# not 50,000 queued rows written in the publisher's request.
EMAILS_PER_TASK = 500


@task()
def send_notification_email_task(notification_id: int) -> bool:
    """Send one notification's e-mail; True if it was sent by this run."""
    return send_notification_email(notification_id=notification_id)


@task()
def send_notification_emails_task(notification_ids: list[int]) -> int:
    """Send the e-mails of several notifications; how many this run sent."""
    return send_notification_emails(notification_ids=notification_ids)
