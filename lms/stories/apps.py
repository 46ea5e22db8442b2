from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    """Success stories: pages written by trainers about what social selling achieved."""

    name = "lms.stories"
    label = "stories"
    verbose_name = _("Success stories")
    default_auto_field = "django.db.models.BigAutoField"
