from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssignmentState(models.TextChoices):
    """Where an assignment stands: derived from learning data in SQL, never stored
    (lms.assignments.selectors)."""

    NOT_STARTED = "not_started", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    OVERDUE = "overdue", _("overdue")


class Assignment(models.Model):
    """A course or workshop a manager asked someone to complete by a date."""

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    workshop = models.ForeignKey(
        "workshops.WorkshopPage",
        verbose_name=_("workshop"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    due_date = models.DateField(_("due date"))
    note = models.TextField(_("note"), blank=True, max_length=1000)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments_given",
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(course__isnull=False) & Q(workshop__isnull=True))
                | (Q(course__isnull=True) & Q(workshop__isnull=False)),
                name="assignment_is_course_or_workshop",
            ),
            models.UniqueConstraint(
                fields=["assignee", "course"],
                condition=Q(course__isnull=False),
                name="one_assignment_per_course",
            ),
            models.UniqueConstraint(
                fields=["assignee", "workshop"],
                condition=Q(workshop__isnull=False),
                name="one_assignment_per_workshop",
            ),
        ]
        indexes = [models.Index(fields=["due_date"], name="assignment_due_date")]

    def __str__(self) -> str:
        return f"{self.assignee} · {self.item} · {self.due_date}"

    @property
    def item(self):
        return self.course if self.course_id else self.workshop
