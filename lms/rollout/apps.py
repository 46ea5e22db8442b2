from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutConfig(AppConfig):
    name = "lms.rollout"
    label = "rollout"
    verbose_name = _("Rollout")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.rollout import signals  # noqa: F401
