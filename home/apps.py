from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from home import signals  # noqa: F401
        from lms.core.startup import register_warm_up

        register_warm_up("dashboard", _warm_up_dashboard)
        register_warm_up("home_highlights", _warm_up_highlights)


def _warm_up_dashboard() -> None:
    from home.dashboard import warm_up

    warm_up()


def _warm_up_highlights() -> None:
    """The stories, award winner and leaders every dashboard shows (shared, cached)."""
    from home.highlights import home_highlights

    home_highlights()
