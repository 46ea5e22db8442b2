"""KPI records, and the integration tokens of the previous release (kept read-only)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

# Held by the service users whose API tokens may send KPI records (lms/kpis/api.py).
SUBMIT_PERMISSION = "kpis.submit_kpis"
# Created by this app's migration with SUBMIT_PERMISSION: put a service user in it.
INTEGRATIONS_GROUP = "KPI integrations"


class Metric(models.TextChoices):
    AWARENESS = "awareness", _("Awareness (reach)")
    LEADS = "leads", _("Leads")
    APPLICATIONS = "applications", _("Applications")


class KpiRecord(models.Model):
    """A monthly figure from a CRM or HR system: awareness, leads or applications."""

    Metric = Metric
    AWARENESS = Metric.AWARENESS
    LEADS = Metric.LEADS
    APPLICATIONS = Metric.APPLICATIONS

    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    department = models.ForeignKey(
        "people.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="kpis",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    value = models.PositiveIntegerField(_("value"))
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attributed to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kpi_records",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    panels = [
        FieldPanel("external_id"),
        FieldRowPanel([FieldPanel("department"), FieldPanel("month"), FieldPanel("metric")]),
        FieldRowPanel([FieldPanel("value"), FieldPanel("employee"), FieldPanel("source")]),
    ]

    class Meta:
        # The table from when KPIs were part of the rollout app.
        db_table = "rollout_kpirecord"
        ordering = ["-month", "department__name", "metric"]
        verbose_name = _("KPI record")
        verbose_name_plural = _("KPI records")
        permissions = [("submit_kpis", _("Can send KPI records through the API"))]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="kpi_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["department", "month"], name="kpi_department_month")]

    def __str__(self) -> str:
        return f"{self.department} {self.month:%Y-%m} {self.metric}={self.value}"


class IntegrationToken(models.Model):
    """A KPI credential issued before the API moved to Wagtail's API tokens.

    Read-only for one release: existing tokens keep working until they are deactivated,
    and no new ones are issued (issue an API token for a service user instead). Only the
    SHA-256 of the token is stored, and Wagtail's APIToken keeps a keyed HMAC of its own
    token format, so these cannot be converted into API tokens.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "rollout_integrationtoken"
        verbose_name = _("integration token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()
