from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    """Live and online workshops: pages, sessions, bookings, waiting list, attendance."""

    name = "lms.workshops"
    label = "workshops"
    verbose_name = _("Workshops")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.workshops import receivers, signals

        signals.connect()
        receivers.connect()
