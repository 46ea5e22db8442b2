from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidelinesConfig(AppConfig):
    name = "lms.guidelines"
    label = "guidelines"
    verbose_name = _("Guidelines")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.core.startup import register_warm_up
        from lms.guidelines import signals  # noqa: F401

        register_warm_up("published_guidelines", _warm_up_published_documents)


def _warm_up_published_documents() -> None:
    """Every page's banner of documents still to accept starts from these (cached)."""
    from lms.guidelines.selectors import published_documents

    published_documents()
