from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "lms.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.notifications import signals  # noqa: F401
        from lms.people import guest_access

        # A guest's profile (name, language, password, e-mail choices of their kinds).
        # The notification list stays closed to guests until an app sends them any.
        guest_access.allow("notifications:profile")
