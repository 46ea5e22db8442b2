"""How workshops follow the people below them: a leaver's coming places are given up."""

from __future__ import annotations

from django.db.models.signals import pre_save

from lms.people.models import User
from lms.workshops import services


def _person_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    """A person being deactivated (people.services.set_active, the Wagtail admin, any save
    that leaves them inactive) frees their seats in coming sessions for the waiting list.

    Before the save, not after it: the other apps' post_save receivers lock the person's
    summary rows (lms/rollout/summary.py), and attendance takes the workshop's lock before
    those rows; taking the workshop's lock first here keeps that one order. set_active
    runs the save in a transaction, so a save that fails gives the seats back."""
    if raw or instance.is_active or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    services.release_bookings(user=instance)


def connect() -> None:
    pre_save.connect(_person_saving, sender=User, dispatch_uid="workshops-leaver-bookings")
