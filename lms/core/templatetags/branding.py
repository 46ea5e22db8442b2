"""The platform's name for the admin's branding blocks (templates/wagtailadmin/)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_name() -> str:
    return settings.WAGTAIL_SITE_NAME
