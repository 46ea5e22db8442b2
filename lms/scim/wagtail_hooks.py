"""Settings › SCIM tokens (lms/scim/admin_views.py)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from lms.core.admin_views import PermissionMenuItem
from lms.scim import admin_views


@hooks.register("register_admin_urls")
def register_scim_admin_urls():
    return [
        path("scim/tokens/", admin_views.ScimTokensView.as_view(), name="scim_tokens"),
        path("scim/tokens/<int:pk>/revoke/", admin_views.revoke_token, name="scim_token_revoke"),
    ]


@hooks.register("register_settings_menu_item")
def register_scim_tokens_menu_item():
    return PermissionMenuItem(
        _("SCIM tokens"),
        reverse("scim_tokens"),
        name="scim-tokens",
        icon_name="key",
        order=610,
        permission=admin_views.PERMISSION,
    )
