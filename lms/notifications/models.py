"""In-app notifications and each person's e-mail choice per kind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.notifications.kinds import Kind, message_for


class Notification(models.Model):
    """One thing a person is told about, once.

    `dedupe_key` names the event (e.g. "assignment:42"); the unique constraint on
    (recipient, dedupe_key) makes a retried task or a duplicate signal create nothing
    twice. `emailed_at` is the claim for the e-mail: it is set before sending and
    cleared again if sending fails.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    dedupe_key = models.CharField(_("event key"), max_length=200)
    # Values for the kind's sentence (titles, dates), so the text follows the reader's
    # language when it is shown, not the sender's.
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            # The bell: unread notifications of one person.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_list"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient} · {self.dedupe_key}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def message(self) -> str:
        return message_for(kind=self.kind, params=self.params)


class EmailPreference(models.Model):
    """A person's choice of e-mail for one kind; no row means e-mail on (the default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_email_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.BooleanField(_("send e-mail"), default=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {self.email}"
