from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardConfig(AppConfig):
    """The Social Selling Award: point values, periods, the leaderboard and its winners."""

    name = "lms.award"
    label = "award"
    verbose_name = _("Social Selling Award")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.award import signals  # noqa: F401
