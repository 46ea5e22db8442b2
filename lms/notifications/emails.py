"""The notification e-mail: claimed once, rendered in the recipient's language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from lms.notifications.models import Notification

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_notification_email(*, notification_id: int) -> bool:
    """Send the e-mail for one notification unless it went out already.

    The claim is a conditional update of `emailed_at`, so a retried or repeated task
    sends nothing twice; a failed send gives the claim back and re-raises, so the
    task's retry sends it then.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or not notification.recipient.email:
        return False
    if not notification.recipient.is_active:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        _render(notification).send()
    except Exception:
        logger.exception("Could not send the e-mail for notification %s", notification_id)
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def send_notification_emails(*, notification_ids: list[int]) -> int:
    """Each notification's e-mail, as `send_notification_email` sends one; how many went out.

    One failure does not stop the others: its claim is given back, the rest are sent, and
    the first error is raised at the end, so the task's retry sends only what is left.
    """
    sent = 0
    failure: Exception | None = None
    for notification_id in notification_ids:
        try:
            sent += send_notification_email(notification_id=notification_id)
        except Exception as error:  # logged and given back by send_notification_email
            failure = failure or error
    if failure is not None:
        raise failure
    return sent


def _render(notification: Notification) -> mail.EmailMultiAlternatives:
    recipient = notification.recipient
    with translation.override(recipient.language):
        context = {
            "recipient": recipient,
            "notification": notification,
            "message": notification.message,
            "kind": notification.get_kind_display(),
            "item_url": absolute_url(notification.url),
            "list_url": absolute_url(reverse("notifications:list")),
            "profile_url": absolute_url(reverse("notifications:profile")),
        }
        subject = " ".join(render_to_string("notifications/email/subject.txt", context).split())
        context["subject"] = subject
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = mail.EmailMultiAlternatives(subject=subject, body=text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return message
