from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    name = "lms.assignments"
    label = "assignments"
    verbose_name = _("Assignments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.assignments import signals  # noqa: F401
