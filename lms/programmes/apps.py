from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lms.programmes"
    label = "programmes"
    verbose_name = _("Programmes")

    def ready(self):
        from lms.people import guest_access
        from lms.programmes import guests

        # A run's pages are open to guests; its views check that the guest takes part.
        guest_access.allow_namespace("runs")
        guest_access.register_start_entries(guests.start_entries)
