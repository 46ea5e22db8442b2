"""Kotter's eight change stages per department and the evidence behind them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from lms.rollout import registry

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

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence from the platform")
        CHECKLIST = "checklist", _("Checklist item")

    EVIDENCE = Kind.EVIDENCE
    CHECKLIST = Kind.CHECKLIST

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="criteria"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.EVIDENCE)
    # The metric's key from the registry (lms/rollout/metrics.py).
    metric = models.CharField(
        _("evidence"), max_length=40, choices=registry.metric_choices, blank=True
    )
    # PROTECT: a track that evidence counts cannot be deleted from under the board; renaming
    # it changes nothing. Empty where the metric needs none (or a migration found no track:
    # the board then says "no track chosen" instead of showing a zero).
    track = models.ForeignKey(
        "courses.Track",
        verbose_name=_("track"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rollout_criteria",
        help_text=_("The track whose courses or workshops count, for evidence that needs one."),
    )
    target = models.PositiveIntegerField(
        _("target"), default=0, help_text=_("A percentage or a count, depending on the evidence.")
    )
    label_de = models.CharField(_("label (German)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("stage"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("sort_order")]),
        FieldRowPanel([FieldPanel("metric"), FieldPanel("track"), FieldPanel("target")]),
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

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.EVIDENCE and self.lacks_track:
            raise ValidationError(
                {"track": _("This evidence counts a track's courses or workshops: choose one.")}
            )

    @property
    def metric_entry(self) -> registry.Metric | None:
        return registry.get(self.metric)

    @property
    def needs_track(self) -> bool:
        entry = self.metric_entry
        return entry is not None and entry.needs_track

    @property
    def lacks_track(self) -> bool:
        """The metric needs a track and none is chosen: its evidence cannot be computed."""
        return self.needs_track and self.track_id is None

    @property
    def label(self) -> str:
        text = self.label_de if translation.get_language() == "de" else self.label_en
        if text:
            return text
        entry = self.metric_entry
        if entry is None:
            return self.metric
        return entry.label_for(self.track if self.track_id else None)

    @property
    def is_percent(self) -> bool:
        entry = self.metric_entry
        return entry is not None and entry.percent


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


class PersonEvidence(models.Model):
    """What one person adds to the board's evidence, as last counted (lms/rollout/summary.py).

    The board reads EvidenceTally only; this row is what a write to one person's learning
    is compared with, so that the tallies change by exactly the difference. Plain numbers,
    not foreign keys: the row must outlive a deleted department or track until it is
    counted again (a deleted user's row tells what to take away).
    """

    user_id = models.BigIntegerField(primary_key=True)
    department_id = models.BigIntegerField(null=True, db_index=True)
    manager_id = models.BigIntegerField(null=True, db_index=True)
    active = models.BooleanField(default=False)
    is_manager = models.BooleanField(default=False)
    enrolled = models.BooleanField(default=False)
    assigned = models.BooleanField(default=False)
    assigned_done = models.BooleanField(default=False)
    signed = models.BooleanField(default=False)
    # Track ids of completed courses or attended workshops; [session id, track id] attended.
    tracks = models.JSONField(default=list)
    sessions = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"evidence of user {self.user_id}"


class EvidenceTally(models.Model):
    """A count per department behind the board (members, managers, enrolled, ...), kept
    up to date in the transaction of every write that changes it (lms/rollout/summary.py).

    `track` and `ref` are 0 where the key needs none: a manager_done row has the track,
    a session row the session (ref) and its workshop's track."""

    department = models.ForeignKey(
        "people.Department", on_delete=models.CASCADE, related_name="evidence_tallies"
    )
    key = models.CharField(max_length=20)
    track = models.PositiveBigIntegerField(default=0)
    ref = models.PositiveBigIntegerField(default=0)
    value = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "key", "track", "ref"], name="one_tally_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.key} {self.track}/{self.ref} = {self.value}"


class EvidenceSetting(models.Model):
    """Small facts the tallies were counted under (the current guideline versions)."""

    key = models.CharField(max_length=40, unique=True)
    value = models.JSONField(default=list)

    def __str__(self) -> str:
        return self.key
