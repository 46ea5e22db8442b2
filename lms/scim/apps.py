from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScimConfig(AppConfig):
    """SCIM 2.0 provisioning from the company directory (RFC 7643/7644) at /scim/v2/."""

    name = "lms.scim"
    label = "scim"
    verbose_name = _("SCIM provisioning")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from lms.scim.checks import check_group_roles

        checks.register(check_group_roles)
