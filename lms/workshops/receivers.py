"""How workshops follow the people below them: a leaver's coming places are given up."""

from __future__ import annotations

from django.db.models.signals import post_save

from lms.people.models import User
from lms.workshops import services


def _person_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """A person deactivated (people.services.set_active, the Wagtail admin, any save that
    leaves them inactive) frees their seats in coming sessions for the waiting list."""
    if raw or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    services.release_bookings(user=instance)


def connect() -> None:
    post_save.connect(_person_saved, sender=User, dispatch_uid="workshops-leaver-bookings")
