from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class PeopleConfig(AppConfig):
    default = True
    name = "lms.people"
    label = "people"
    verbose_name = _("People and organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Modules that touch models and Wagtail's admin load once the app registry is ready.
        from lms.core.startup import register_warm_up
        from lms.people import guest_access, signals  # noqa: F401

        register_warm_up("request_user", _warm_up_request_user)
        # A guest's own account pages (the admin's are the admin's: closed to guests).
        guest_access.allow(
            "guest_home",
            "login",
            "account",
            "set_language",
            "password_change",
            "password_change_done",
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
        )


def _warm_up_request_user() -> None:
    from lms.people.backends import warm_up

    warm_up()


class LmsUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with department and manager on the user forms."""

    user_viewset = "lms.people.viewsets.LmsUserViewSet"
