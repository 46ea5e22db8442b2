"""Admin pages for KPI data: the import and the integration tokens.

The KPI records' snippet listing sits in the rollout app's menu group (lms/kpis/viewsets.py).
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.kpis import admin_views


class ImportKpisMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_admin_urls")
def register_kpi_admin_urls():
    return [
        path("kpis/import/", admin_views.KpiImportView.as_view(), name="rollout_kpi_import"),
        path(
            "kpis/tokens/new/", admin_views.TokenCreateView.as_view(), name="rollout_kpi_token_new"
        ),
        path(
            "kpis/tokens/<int:pk>/deactivate/",
            admin_views.deactivate_token,
            name="rollout_kpi_token_deactivate",
        ),
        path(
            "kpis/tokens/legacy/<int:pk>/deactivate/",
            admin_views.deactivate_legacy_token,
            name="rollout_kpi_legacy_token_deactivate",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_kpi_import_menu_item():
    return ImportKpisMenuItem(
        _("Import KPIs"),
        reverse("rollout_kpi_import"),
        name="import-kpis",
        icon_name="upload",
        order=255,
    )
