from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    """Monthly KPI figures from CRM and HR systems: the records, their import and the API."""

    name = "lms.kpis"
    label = "kpis"
    verbose_name = _("KPIs")
    default_auto_field = "django.db.models.BigAutoField"
