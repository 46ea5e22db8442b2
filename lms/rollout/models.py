"""Kotter's eight change stages per department, the evidence behind them, and the award."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.blocks import LearningContentBlock
from lms.pages import SectionIndexPage, SingleQueryViewRestrictionsMixin

# The longest note on a stage change or a checklist tick; the database refuses longer ones.
MAX_NOTE_LENGTH = 2000


class Stage(models.Model):
    """One of Kotter's eight stages, in German and English (seeded by a migration)."""

    number = models.PositiveSmallIntegerField(
        _("number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    panels = [
        FieldPanel("number", read_only=True),
        FieldRowPanel([FieldPanel("name_de"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("description_de"), FieldPanel("description_en")]),
    ]

    class Meta:
        ordering = ["number"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    @property
    def name(self) -> str:
        return self.name_de if translation.get_language() == "de" else self.name_en

    @property
    def description(self) -> str:
        return self.description_de if translation.get_language() == "de" else self.description_en


class Criterion(models.Model):
    """What must be true before a department leaves a stage."""

    EVIDENCE = "evidence"
    CHECKLIST = "checklist"
    KINDS = [(EVIDENCE, _("Evidence from the platform")), (CHECKLIST, _("Checklist item"))]

    MANAGERS_COMPLETED_LINKEDIN = "managers_linkedin"
    ASSIGNED_COURSES_COMPLETED = "assigned_courses"
    GUIDELINES_SIGNED = "guidelines_signed"
    URGENCY_WORKSHOP_HELD = "urgency_workshop"
    ENROLLED_IN_BOOTCAMP = "bootcamp_enrolment"
    KPI_MONTHS = "kpi_months"
    SUCCESS_STORIES = "success_stories"
    AWARD_GIVEN = "award_given"
    METRICS = [
        (
            MANAGERS_COMPLETED_LINKEDIN,
            _("Share of managers who completed LinkedIn for Leaders (%)"),
        ),
        (ASSIGNED_COURSES_COMPLETED, _("Share of people who completed all assigned courses (%)")),
        (GUIDELINES_SIGNED, _("Share of people who accepted the current guidelines (%)")),
        (ENROLLED_IN_BOOTCAMP, _("Share of people enrolled in a bootcamp course (%)")),
        (URGENCY_WORKSHOP_HELD, _("Urgency workshop sessions attended by the department")),
        (KPI_MONTHS, _("Months of KPI data imported")),
        (SUCCESS_STORIES, _("Success stories published")),
        (AWARD_GIVEN, _("Social Selling Award winners announced")),
    ]
    PERCENT_METRICS = {
        MANAGERS_COMPLETED_LINKEDIN,
        ASSIGNED_COURSES_COMPLETED,
        GUIDELINES_SIGNED,
        ENROLLED_IN_BOOTCAMP,
    }

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="criteria"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=KINDS, default=EVIDENCE)
    metric = models.CharField(_("evidence"), max_length=40, choices=METRICS, blank=True)
    target = models.PositiveIntegerField(
        _("target"), default=0, help_text=_("A percentage or a count, depending on the evidence.")
    )
    label_de = models.CharField(_("label (German)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("stage"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("sort_order")]),
        FieldRowPanel([FieldPanel("metric"), FieldPanel("target")]),
        FieldRowPanel([FieldPanel("label_de"), FieldPanel("label_en")]),
    ]

    class Meta:
        ordering = ["stage__number", "sort_order", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="checklist") | ~Q(metric=""),
                name="evidence_criterion_has_metric",
                violation_error_message=_("Choose the evidence for an evidence criterion."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage.number}: {self.label}"

    @property
    def label(self) -> str:
        text = self.label_de if translation.get_language() == "de" else self.label_en
        if text:
            return text
        return str(dict(self.METRICS).get(self.metric, self.metric))

    @property
    def is_percent(self) -> bool:
        return self.metric in self.PERCENT_METRICS


class DepartmentRollout(models.Model):
    department = models.OneToOneField(
        "people.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="rollout",
    )
    stage = models.PositiveSmallIntegerField(
        _("current stage"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rollout owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rollouts_owned",
    )

    panels = [FieldPanel("department"), FieldPanel("owner")]

    class Meta:
        ordering = ["department__name"]
        verbose_name = _("department rollout")
        permissions = [("view_rollout_board", _("Can see the rollout board and the award"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__gte=1) & Q(stage__lte=8), name="rollout_stage_one_to_eight"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.stage}"


class StageChange(models.Model):
    department = models.ForeignKey(
        "people.Department", on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.PositiveSmallIntegerField(_("from stage"))
    to_stage = models.PositiveSmallIntegerField(_("to stage"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))
    note = models.TextField(_("note"), blank=True, max_length=MAX_NOTE_LENGTH)
    override = models.BooleanField(_("override"), default=False)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("stage change")
        constraints = [
            models.CheckConstraint(
                condition=Q(override=False) | ~Q(note=""),
                name="override_has_reason",
                violation_error_message=_("An override needs a reason."),
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), MAX_NOTE_LENGTH),
                name="stage_change_note_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.from_stage} → {self.to_stage}"


class ChecklistTick(models.Model):
    department = models.ForeignKey(
        "people.Department", on_delete=models.CASCADE, related_name="checklist_ticks"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="ticks")
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticked_at = models.DateTimeField(_("ticked at"), auto_now_add=True)
    note = models.TextField(_("note"), max_length=MAX_NOTE_LENGTH)

    class Meta:
        verbose_name = _("checklist tick")
        constraints = [
            models.UniqueConstraint(fields=["department", "criterion"], name="one_tick_per_item"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), MAX_NOTE_LENGTH),
                name="checklist_tick_note_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} ✓ {self.criterion}"


@register_setting(icon="trophy")
class AwardSettings(BaseGenericSetting):
    """Points for the Social Selling Award, set by admins."""

    points_per_module = models.PositiveIntegerField(_("points per completed module"), default=1)
    points_per_quiz = models.PositiveIntegerField(_("points per passed quiz"), default=3)
    points_per_workshop = models.PositiveIntegerField(_("points per attended workshop"), default=5)
    points_per_lead = models.PositiveIntegerField(_("points per attributed lead"), default=10)

    class Meta:
        verbose_name = _("Social Selling Award points")


class AwardPeriod(models.Model):
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("winner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards_won",
    )
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("name"), FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")])]

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("award period")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="award_period_not_reversed"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SuccessStoryIndexPage(SectionIndexPage):
    subpage_types = ["rollout.SuccessStoryPage"]

    class Meta:
        verbose_name = _("success stories")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = (
            SuccessStoryPage.objects.live()
            .child_of(self)
            .select_related("department")
            .order_by("-first_published_at")
        )
        return context


class SuccessStoryPage(SingleQueryViewRestrictionsMixin, Page):
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="success_stories",
    )
    teaser = models.CharField(_("teaser"), max_length=300)
    body = StreamField(LearningContentBlock(), verbose_name=_("story"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("department"),
        FieldPanel("teaser"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("teaser")]
    parent_page_types = ["rollout.SuccessStoryIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("success story")
        verbose_name_plural = _("success stories")
