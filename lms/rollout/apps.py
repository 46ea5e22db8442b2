from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolloutConfig(AppConfig):
    name = "lms.rollout"
    label = "rollout"
    verbose_name = _("Rollout")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.core.startup import register_warm_up
        from lms.rollout import signals  # noqa: F401

        register_warm_up("rollout_board", _warm_up_board)


def _warm_up_board() -> None:
    from lms.rollout.views import warm_up

    warm_up()
