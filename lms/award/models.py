"""The Social Selling Award: its rules (a site setting) and award periods."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms import CheckboxSelectMultiple
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class PeriodLength(models.TextChoices):
    YEARLY = "yearly", _("Once a year (calendar year)")
    QUARTERLY = "quarterly", _("Every quarter (calendar quarter)")
    EXPLICIT = "explicit", _("Periods as entered under “Award periods”")


@register_setting(icon="trophy")
class AwardSettings(BaseGenericSetting):
    """The rules of the Social Selling Award, set by admins: who may win, how long a
    period runs and which activities count with how many points (0 = does not count)."""

    PeriodLength = PeriodLength

    eligible_departments = models.ManyToManyField(
        "people.Department",
        verbose_name=_("eligible departments"),
        blank=True,
        related_name="+",
        help_text=_("Only people in these departments are ranked. None chosen: everyone."),
    )
    period_length = models.CharField(
        _("period length"),
        max_length=20,
        choices=PeriodLength.choices,
        default=PeriodLength.EXPLICIT,
    )
    points_per_module = models.PositiveIntegerField(
        _("points per completed module"), default=1, help_text=_("0: modules do not count.")
    )
    points_per_quiz = models.PositiveIntegerField(
        _("points per passed quiz"), default=3, help_text=_("0: quizzes do not count.")
    )
    points_per_workshop = models.PositiveIntegerField(
        _("points per attended workshop"), default=5, help_text=_("0: workshops do not count.")
    )
    points_per_lead = models.PositiveIntegerField(
        _("points per attributed lead"),
        default=10,
        help_text=_(
            "Leads from the CRM's KPI records attributed to a person. 0: leads do not count."
        ),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("eligible_departments", widget=CheckboxSelectMultiple),
                FieldPanel("period_length"),
            ],
            heading=_("Who and when"),
        ),
        MultiFieldPanel(
            [
                HelpPanel(
                    _(
                        "Points per activity in the period. An activity with 0 points does not count."
                    )
                ),
                FieldPanel("points_per_lead"),
                FieldPanel("points_per_module"),
                FieldPanel("points_per_quiz"),
                FieldPanel("points_per_workshop"),
            ],
            heading=_("What counts"),
        ),
    ]

    class Meta:
        db_table = "rollout_awardsettings"  # the table of its first home, kept
        verbose_name = _("Social Selling Award rules")

    def clean(self):
        super().clean()
        if not any(points for _source, _label, points in self.sources()):
            raise ValidationError(
                {
                    "points_per_lead": _(
                        "At least one activity must give points, otherwise nobody can win the award."
                    )
                }
            )

    def sources(self) -> list[tuple[str, str, int]]:
        """(key, label, points) of every source of points, counted or not."""
        return [
            ("leads", _("Leads attributed in the CRM"), self.points_per_lead),
            ("modules", _("Completed modules"), self.points_per_module),
            ("quizzes", _("Passed quizzes"), self.points_per_quiz),
            ("workshops", _("Attended workshops"), self.points_per_workshop),
        ]


def calendar_period(length: str, day: date) -> tuple[str, date, date] | None:
    """(name, first day, last day) of the calendar year or quarter holding `day`;
    None for explicit periods."""
    if length == PeriodLength.YEARLY:
        return str(day.year), date(day.year, 1, 1), date(day.year, 12, 31)
    if length == PeriodLength.QUARTERLY:
        quarter = (day.month - 1) // 3
        start = date(day.year, quarter * 3 + 1, 1)
        end = date(day.year + 1, 1, 1) if quarter == 3 else date(day.year, quarter * 3 + 4, 1)
        return f"Q{quarter + 1} {day.year}", start, date.fromordinal(end.toordinal() - 1)
    return None


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
        db_table = "rollout_awardperiod"  # the table of its first home, kept
        ordering = ["-starts_on"]
        verbose_name = _("award period")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="award_period_not_reversed"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if not (self.starts_on and self.ends_on):
            return
        if self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day must not be before the first day.")})
        length = AwardSettings.load().period_length
        expected = calendar_period(length, self.starts_on)
        if expected and (self.starts_on, self.ends_on) != expected[1:]:
            message = (
                _(
                    "The award rules set calendar years: this period must run from %(start)s to %(end)s."
                )
                if length == PeriodLength.YEARLY
                else _(
                    "The award rules set calendar quarters: this period must run from %(start)s to %(end)s."
                )
            )
            raise ValidationError(
                {
                    "ends_on": message
                    % {"start": expected[1].isoformat(), "end": expected[2].isoformat()}
                }
            )
        overlapping = AwardPeriod.objects.filter(
            starts_on__lte=self.ends_on, ends_on__gte=self.starts_on
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(
                _("This period overlaps “%(name)s”; award periods must not overlap.")
                % {"name": overlapping.first().name}
            )


class CountedPeriod(models.Model):
    """A period whose points per person are kept in PeriodPoints (lms/award/points.py)."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["starts_on", "ends_on"], name="one_count_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class PeriodPoints(models.Model):
    """One person's award points in one period, kept up to date by every write behind
    them (lms/award/points.py): the leaderboard reads the top rows of an index."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    modules = models.PositiveIntegerField(default=0)
    quizzes = models.PositiveIntegerField(default=0)
    workshops = models.PositiveIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)  # weighted by the current award rules

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["starts_on", "ends_on", "user"], name="one_score_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["starts_on", "ends_on", "-points"], name="award_points_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_on}–{self.ends_on}: {self.points}"
