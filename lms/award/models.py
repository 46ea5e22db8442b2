"""The Social Selling Award: points per activity (a site setting) and award periods."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="trophy")
class AwardSettings(BaseGenericSetting):
    """Points for the Social Selling Award, set by admins."""

    points_per_module = models.PositiveIntegerField(_("points per completed module"), default=1)
    points_per_quiz = models.PositiveIntegerField(_("points per passed quiz"), default=3)
    points_per_workshop = models.PositiveIntegerField(_("points per attended workshop"), default=5)
    points_per_lead = models.PositiveIntegerField(_("points per attributed lead"), default=10)

    class Meta:
        db_table = "rollout_awardsettings"  # the table of its first home, kept
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
