"""Reads for notifications: keyword-only, a fixed number of queries each."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from lms.notifications.models import EmailPreference, Kind, Notification
from lms.people.models import User

PAGE_SIZE = 20


def unread_count(*, user: User) -> int:
    """The bell's number: one query."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_of(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notifications_page(*, user: User, number: int) -> Page:
    """One page of the person's notifications, newest first: a count and a list query.

    Raises django.core.paginator.InvalidPage for a page that does not exist."""
    return Paginator(notifications_of(user=user), PAGE_SIZE).page(number)


def email_choices(*, user: User) -> dict[str, bool]:
    """E-mail on or off for every kind; a kind without a stored choice is on."""
    stored = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: stored.get(kind, True) for kind in Kind.values}


def wants_email(*, user: User, kind: str) -> bool:
    return not EmailPreference.objects.filter(user=user, kind=kind, email=False).exists()


def opted_out(*, user_ids: Iterable[int], kind: str) -> set[int]:
    """Of these people, those who turned the e-mail for this kind off: one query."""
    return set(
        EmailPreference.objects.filter(
            user_id__in=list(user_ids), kind=kind, email=False
        ).values_list("user_id", flat=True)
    )
