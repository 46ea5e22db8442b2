"""Programmes (learning paths): an ordered list of courses, workshops and a final quiz.

Trainers write a programme as a Wagtail page (revisions, preview, publishing, the page
permissions of the programme section); its items are an InlinePanel of ProgrammeItem
rows, each exactly one course, workshop or quiz. A bootcamp run (a later part of #18)
will be a dated instance of a programme: `unlock_after_days` counts from its start.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from lms.core.pages import SectionIndexPage, SignInRequiredMixin, SingleQueryViewRestrictionsMixin
from lms.quizzes.admin_forms import ARCHIVED_QUIZ, refuse_newly_archived

TARGETS = ("course", "workshop", "quiz")
MAX_UNLOCK_DAYS = 365

NO_TARGET = _("Choose a course, a workshop or a quiz for this item.")
SEVERAL_TARGETS = _("An item is one course, workshop or quiz: clear this one or the other.")
DAYS_NEEDED = _("Give the day of the run (days after its start) from which the item opens.")
DAYS_WITHOUT_RULE = _("Days count only for “from a day of the run”: clear them or pick that rule.")
FIRST_AFTER_PREVIOUS = _(
    "No required item comes before this one, so “after the previous item” would never apply."
)
DUPLICATE_TARGET = _("“%(title)s” is in the programme already.")
NO_REQUIRED_ITEM = _(
    "Mark at least one item as required: a programme is complete when its required items are."
)


class ProgrammeIndexPage(SectionIndexPage):
    """The programmes (bootcamps) learners can follow."""

    subpage_types = ["programmes.ProgrammePage"]

    class Meta:
        verbose_name = _("programme index")

    def get_context(self, request, *args, **kwargs):
        from lms.programmes import selectors

        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = selectors.live_programmes(index=self)
        return context


class ProgrammePageForm(WagtailAdminPageForm):
    """Rules that concern several items at once; each item's own rules are
    ProgrammeItemForm's, and the database holds both kinds (ProgrammeItem.Meta)."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("items")
        if formset is None or not formset.is_valid():
            return cleaned
        kept = [form for form in formset.forms if not formset._should_delete_form(form)]
        kept.sort(key=lambda form: form.cleaned_data.get("ORDER") or 0)
        seen: set[tuple[str, int]] = set()
        required_seen = False
        for form in kept:
            data = form.cleaned_data
            for name in TARGETS:
                target = data.get(name)
                if target is None:
                    continue
                if (name, target.pk) in seen:
                    form.add_error(name, DUPLICATE_TARGET % {"title": str(target)})
                seen.add((name, target.pk))
            if data.get("unlock") == ProgrammeItem.Unlock.AFTER_PREVIOUS and not required_seen:
                form.add_error("unlock", FIRST_AFTER_PREVIOUS)
            required_seen = required_seen or bool(data.get("required"))
        if kept and not required_seen:
            self.add_error(None, NO_REQUIRED_ITEM)
        return cleaned


class ProgrammeItemForm(WagtailAdminModelForm):
    """One item's rules. Errors are given on the field concerned, so the database's
    constraints on those fields are not checked a second time with a vaguer message."""

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in TARGETS if cleaned.get(name) is not None]
        if not chosen and not any(name in self.errors for name in TARGETS):
            self.add_error("course", NO_TARGET)
        for name in chosen[1:]:
            self.add_error(name, SEVERAL_TARGETS)
        unlock = cleaned.get("unlock")
        days = cleaned.get("unlock_after_days")
        if "unlock_after_days" not in self.errors and "unlock" not in self.errors:
            if unlock == ProgrammeItem.Unlock.RUN_DAY and days is None:
                self.add_error("unlock_after_days", DAYS_NEEDED)
            elif unlock != ProgrammeItem.Unlock.RUN_DAY and days is not None:
                self.add_error("unlock_after_days", DAYS_WITHOUT_RULE)
        refuse_newly_archived(self, "quiz", ARCHIVED_QUIZ)
        return cleaned


class ProgrammeItemsPanel(InlinePanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = ProgrammeItemForm
        return options


class ProgrammePage(SignInRequiredMixin, SingleQueryViewRestrictionsMixin, Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link", "ul", "ol"]
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        ProgrammeItemsPanel("items", heading=_("Path"), label=_("Item"), min_num=1),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    base_form_class = ProgrammePageForm
    parent_page_types = ["programmes.ProgrammeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def get_context(self, request, *args, **kwargs):
        from lms.programmes import selectors

        context = super().get_context(request, *args, **kwargs)
        context["path"] = selectors.learner_path(programme=self, user=request.user)
        context["index_url"] = self.get_parent().get_url(request=request)
        return context


class ProgrammeItem(Orderable):
    """One step of a programme: exactly one course, workshop or quiz (held by the database)."""

    class Unlock(models.TextChoices):
        OPEN = "", _("Open from the start")
        AFTER_PREVIOUS = "previous", _("After the previous required item")
        RUN_DAY = "run_day", _("From a day of the run")

    page = ParentalKey(ProgrammePage, on_delete=models.CASCADE, related_name="items")
    # A course, workshop or quiz in a programme cannot be deleted (wagtail_hooks and
    # lms.core.admin_protection refuse with a message); take it out of the programme first.
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_items",
    )
    workshop = models.ForeignKey(
        "workshops.WorkshopPage",
        verbose_name=_("workshop"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_items",
    )
    quiz = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("final quiz"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_items",
    )
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("The programme is complete when every required item is."),
    )
    unlock = models.CharField(
        _("opens"),
        max_length=20,
        choices=Unlock.choices,
        default=Unlock.OPEN,
        blank=True,
        help_text=_(
            "After the previous required item: once the learner completed the nearest "
            "required item above (optional items never hold one back). From a day of the "
            "run: in a bootcamp run, so many days after its start."
        ),
    )
    unlock_after_days = models.PositiveSmallIntegerField(
        _("day of the run"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_UNLOCK_DAYS)],
        help_text=_("Days after the run's start (0: the first day)."),
    )
    due_after_days = models.PositiveSmallIntegerField(
        _("due on day"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_UNLOCK_DAYS)],
        help_text=_(
            "In a bootcamp run, the item is due so many days after the run's start "
            "(empty: no due date)."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("course"), FieldPanel("workshop"), FieldPanel("quiz")]),
        FieldRowPanel(
            [
                FieldPanel("required"),
                FieldPanel("unlock"),
                FieldPanel("unlock_after_days"),
                FieldPanel("due_after_days"),
            ]
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(course__isnull=False, workshop__isnull=True, quiz__isnull=True)
                    | Q(course__isnull=True, workshop__isnull=False, quiz__isnull=True)
                    | Q(course__isnull=True, workshop__isnull=True, quiz__isnull=False)
                ),
                name="programme_item_has_one_target",
                violation_error_message=_("An item is exactly one course, workshop or quiz."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(unlock__in=["", "previous"], unlock_after_days__isnull=True)
                    | Q(
                        unlock="run_day",
                        # NULL compares as unknown, which a CHECK lets pass: named apart.
                        unlock_after_days__isnull=False,
                        unlock_after_days__gte=0,
                        unlock_after_days__lte=MAX_UNLOCK_DAYS,
                    )
                ),
                name="programme_item_unlock_rule",
                violation_error_message=_(
                    "An item opens from the start, after the previous item, or on a day of "
                    "the run (0 to 365 days after its start)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(due_after_days__isnull=True)
                | Q(due_after_days__gte=0, due_after_days__lte=MAX_UNLOCK_DAYS),
                name="programme_item_due_days",
                violation_error_message=_(
                    "An item is due 0 to 365 days after the run's start, or has no due date."
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.course or self.workshop or self.quiz
        return str(target) if target is not None else str(_("programme item"))

    @property
    def kind(self) -> str:
        return next((name for name in TARGETS if getattr(self, f"{name}_id")), "")


class BootcampRun(models.Model):
    """A dated instance of a programme (a cohort): its participants follow the programme's
    path from `starts_on`, items open on "a day of the run" and fall due relative to it."""

    programme = models.ForeignKey(
        ProgrammePage,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="runs",
    )
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The most participants the run takes (empty: no limit)."),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainers"),
        blank=True,
        related_name="trained_runs",
        limit_choices_to={"is_guest": False, "is_active": True},
    )
    sessions = models.ManyToManyField(
        "workshops.WorkshopSession",
        verbose_name=_("live sessions"),
        blank=True,
        related_name="bootcamp_runs",
        help_text=_("Sessions of the programme's workshops that belong to this run."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bootcamp run")
        verbose_name_plural = _("bootcamp runs")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="bootcamp_run_ends_after_start",
                violation_error_message=_("A run cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="bootcamp_run_capacity_positive",
                violation_error_message=_("A run takes at least one participant."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("runs:detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A run cannot end before it starts.")})


class RunParticipant(models.Model):
    """One person in a run: an employee, or a customer's guest. Capacity is counted under
    the run's row lock (lms.programmes.services.add_participants)."""

    run = models.ForeignKey(
        BootcampRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="run_participations",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("run participant")
        verbose_name_plural = _("run participants")
        constraints = [
            models.UniqueConstraint(fields=["run", "user"], name="run_participant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.run})"
