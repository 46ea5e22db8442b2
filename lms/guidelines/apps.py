from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidelinesConfig(AppConfig):
    name = "lms.guidelines"
    label = "guidelines"
    verbose_name = _("Guidelines")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.guidelines import signals  # noqa: F401
