from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderLog(models.Model):
    """One reminder email that was sent (or is being sent right now).

    The row is the claim: it is written before the email goes out and removed again
    if sending fails, so the unique constraints below make a second copy impossible,
    even when two runs overlap.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        DIGEST = "digest", _("Weekly team digest")
        MANAGER = "manager", _("Reminder from a manager")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminder_logs",
    )
    assignment = models.ForeignKey(
        "assignments.Assignment",
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_logs",
    )
    # "" for the automatic reminders about one assignment, the ISO week ("2026-W48") for
    # digests, the day ("2026-12-02") for a manager's reminder: once a day per assignment.
    period = models.CharField(_("period"), max_length=10, blank=True, default="")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # Who pressed "remind" on the team view; empty for the automatic reminders.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders_sent",
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("reminder log entry")
        verbose_name_plural = _("reminder log")
        # One constraint on (kind, recipient, assignment, period) with nulls_distinct=False
        # would do, but SQLite does not support NULLS NOT DISTINCT (Django ignores it there
        # and warns, models.W047). Two partial unique indexes work on SQLite and PostgreSQL:
        # one for reminders about an assignment, one for those without (digests).
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "assignment", "period"],
                condition=Q(assignment__isnull=False),
                name="reminder_once_per_assignment",
            ),
            models.UniqueConstraint(
                fields=["kind", "recipient", "period"],
                condition=Q(assignment__isnull=True),
                name="reminder_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient} · {self.period or self.assignment_id}"
