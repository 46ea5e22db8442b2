"""Workshops: their pages, dated sessions and the bookings people make for them.

The tables keep the names they had when workshops were part of the courses app
(`db_table`), so moving the models into this app moved no rows.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from lms.core.blocks import LearningContentBlock
from lms.core.pages import SectionIndexPage, SignInRequiredMixin, SingleQueryViewRestrictionsMixin


class WorkshopIndexPage(SectionIndexPage):
    """Live and online workshops such as “LinkedIn for Leaders”."""

    subpage_types = ["workshops.WorkshopPage"]

    class Meta:
        db_table = "courses_workshopindexpage"
        verbose_name = _("workshop index")

    def get_context(self, request, *args, **kwargs):
        from lms.workshops.selectors import live_workshops

        context = super().get_context(request, *args, **kwargs)
        context["workshops"] = live_workshops(index=self)
        return context


class WorkshopPage(SignInRequiredMixin, SingleQueryViewRestrictionsMixin, Page):
    track = models.ForeignKey(
        "courses.Track",
        verbose_name=_("track"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshops",
    )
    summary = models.TextField(_("summary"), max_length=600)
    body = StreamField(LearningContentBlock(), verbose_name=_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration in minutes"), default=180)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshops_led",
    )
    preparation_modules = ParentalManyToManyField(
        "courses.ModulePage",
        verbose_name=_("preparation modules"),
        blank=True,
        related_name="+",
        help_text=_("Modules participants should complete before the workshop."),
    )
    open_to_all = models.BooleanField(
        _("open to everyone"),
        default=False,
        help_text=_("Otherwise only people assigned to it or in the departments below may book."),
    )
    open_to_departments = ParentalManyToManyField(
        "people.Department",
        verbose_name=_("open to departments"),
        blank=True,
        related_name="open_workshops",
    )

    content_panels = Page.content_panels + [
        FieldPanel("track"),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("duration_minutes"),
                FieldPanel("trainer"),
                FieldPanel("preparation_modules"),
            ],
            heading=_("Organisation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("open_to_all"),
                FieldPanel("open_to_departments", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Who may book"),
        ),
    ]
    parent_page_types = ["workshops.WorkshopIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        db_table = "courses_workshoppage"
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def get_context(self, request, *args, **kwargs):
        from lms.workshops import selectors

        context = super().get_context(request, *args, **kwargs)
        context["view"] = selectors.workshop_view(workshop=self, user=request.user)
        return context


class WorkshopSession(models.Model):
    workshop = models.ForeignKey(
        WorkshopPage, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("seats"), default=12)
    # A cancelled session stays with its bookings (cancelled with it) as history.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("workshop"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("location"),
        FieldPanel("online_url"),
        FieldPanel("capacity"),
    ]

    class Meta:
        db_table = "courses_workshopsession"
        ordering = ["starts_at"]
        verbose_name = _("workshop session")
        verbose_name_plural = _("workshop sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1),
                name="session_has_a_seat",
                violation_error_message=_("A session needs at least one seat."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop.title} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A session must end after it starts.")})
        if not self.location and not self.online_url:
            raise ValidationError(_("Give a location or an online link."))


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")
        # A seat in a session that ended without the person attending, once they book again.
        MISSED = "missed", _("missed")

    # Short names for the statuses, as other apps (assignments, rollout, the demo) use them.
    BOOKED = Status.BOOKED
    WAITLISTED = Status.WAITLISTED
    CANCELLED = Status.CANCELLED
    MISSED = Status.MISSED
    # The statuses that hold a seat or a place on the waiting list.
    ACTIVE = (Status.BOOKED, Status.WAITLISTED)

    session = models.ForeignKey(
        WorkshopSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    # Repeated from the session so the database can hold one active booking per workshop.
    workshop = models.ForeignKey(
        WorkshopPage, on_delete=models.PROTECT, related_name="bookings", editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="workshop_bookings",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("moved up from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendance_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "courses_booking"
        ordering = ["created_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workshop"],
                condition=models.Q(status__in=["booked", "waitlisted"]),
                name="one_active_booking_per_workshop",
            ),
        ]
        indexes = [models.Index(fields=["session", "status"], name="booking_session_status")]

    def __str__(self) -> str:
        return f"{self.user} · {self.session} ({self.status})"
