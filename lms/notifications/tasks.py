"""Background entry point for notification e-mails, on the configured TASKS backend."""

from __future__ import annotations

from django_tasks import task

from lms.notifications.emails import send_notification_email


@task()
def send_notification_email_task(notification_id: int) -> bool:
    """Send one notification's e-mail; True if it was sent by this run."""
    return send_notification_email(notification_id=notification_id)
