"""Active yes/no filters in admin listings read "Draft: No", not "Draft: False".

Wagtail 8.0 shows an active django-filter ``BooleanFilter`` (the filter Wagtail builds for a
model's BooleanField in ``list_filter``) with ``str(value)``, untranslated. ``register()``
(called by lms.core's AppConfig) gives it an adapter with the translated words.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from wagtail.admin.active_filters import (
    ActiveFilter,
    BaseFilterAdapter,
    register_filter_adapter_class,
)


class BooleanFilterAdapter(BaseFilterAdapter):
    def get_active_filters(self):
        yield ActiveFilter(
            self.bound_field.auto_id,
            self.filter.label,
            _("Yes") if self.value else _("No"),
            self.get_url_without_filter_param(self.name),
        )


def register() -> None:
    register_filter_adapter_class(django_filters.BooleanFilter, BooleanFilterAdapter)
