"""Wagtail 8.0.1's chooser widgets fail on a posted value that is not an id.

When an admin form with a chooser (a snippet, page or document field) is sent back with an
error, the widget looks the posted value up to show what was chosen:
``BaseChooser.get_instance`` runs ``Model.objects.get(pk=value)`` and lets the ValueError of
"abc" or a number of 5,000 digits escape, a 500 instead of the form's own "Select a valid
choice" error. ``install()`` (called when Django starts, by lms.core's AppConfig) makes such a
value mean "nothing chosen". Remove it once Wagtail catches the error itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail.admin.widgets.chooser import BaseChooser

_original_get_instance = BaseChooser.get_instance


def _get_instance(self, value):
    try:
        return _original_get_instance(self, value)
    except (ValueError, TypeError, OverflowError, ValidationError):
        return None


def install() -> None:
    BaseChooser.get_instance = _get_instance
