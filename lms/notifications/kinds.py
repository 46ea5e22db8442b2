"""The kinds of notification and their sentences, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNMENT_RECEIVED = "assignment_received", _("New assignment")
    DUE_SOON = "due_soon", _("Assignment due soon")
    OVERDUE = "overdue", _("Assignment overdue")
    ESSAY_MARKED = "essay_marked", _("Essay marked")
    BOOKING_PROMOTED = "booking_promoted", _("Seat from the waiting list")
    GUIDELINE_VERSION = "guideline_version", _("New guideline version to accept")


# What a guest (a customer in a bootcamp) can be notified of: no assignment (guests have
# no manager) and no guideline (internal documents). Their profile offers only these.
GUEST_KINDS = (Kind.ESSAY_MARKED, Kind.BOOKING_PROMOTED)


def kinds_for(user) -> tuple[str, ...]:
    return tuple(GUEST_KINDS) if getattr(user, "is_guest", False) else tuple(Kind.values)


def _day(value: Any) -> str:
    try:
        return date_format(date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value or "")


def _moment(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


def message_for(*, kind: str, params: dict[str, Any]) -> str:
    """The sentence for one notification, translated into the active language."""
    title = str(params.get("title", ""))
    if kind == Kind.ASSIGNMENT_RECEIVED:
        if params.get("due"):
            return gettext("You have been assigned “%(title)s”, due on %(date)s.") % {
                "title": title,
                "date": _day(params["due"]),
            }
        return gettext("You have been assigned “%(title)s”.") % {"title": title}
    if kind == Kind.DUE_SOON:
        return gettext("“%(title)s” is due on %(date)s.") % {
            "title": title,
            "date": _day(params.get("due")),
        }
    if kind == Kind.OVERDUE:
        return gettext("“%(title)s” was due on %(date)s and is not completed yet.") % {
            "title": title,
            "date": _day(params.get("due")),
        }
    if kind == Kind.ESSAY_MARKED:
        return gettext("Your essay answer in “%(title)s” has been marked.") % {"title": title}
    if kind == Kind.BOOKING_PROMOTED:
        return gettext("A seat became free: you are now booked for “%(title)s” on %(start)s.") % {
            "title": title,
            "start": _moment(params.get("start")),
        }
    if kind == Kind.GUIDELINE_VERSION:
        return gettext(
            "Version %(number)s of “%(title)s” has been published. Please read and accept it."
        ) % {"title": title, "number": params.get("number", "")}
    return title
