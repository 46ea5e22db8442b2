"""The snippet listing of KPI records; the rollout app's admin menu group shows it."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.kpis.models import KpiRecord


class KpiRecordViewSet(SnippetViewSet):
    model = KpiRecord
    icon = "table"
    menu_label = _("KPI records")
    list_display = ["department", "month", "metric", "value", "employee", "source"]
    list_filter = ["department", "metric"]
    # The admin URLs from when KPI records were part of the rollout app.
    base_url_path = "snippets/rollout/kpirecord"
    admin_url_namespace = "wagtailsnippets_rollout_kpirecord"
