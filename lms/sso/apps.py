from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "lms.sso"
    label = "sso"
    verbose_name = _("Company sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from lms.core.security import register_form_action_source
        from lms.people import guest_access
        from lms.sso import checks  # noqa: F401  (registers the system checks)
        from lms.sso.provider import sign_out_origins

        register_form_action_source(sign_out_origins)
        # Guests sign out like everyone (the site's sign-out; the admin's is closed to them).
        guest_access.allow("logout")
