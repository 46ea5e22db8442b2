"""Writes for notifications: creating them once, marking them read, e-mail choices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from lms.notifications import selectors
from lms.notifications.models import EmailPreference, Kind, Notification
from lms.notifications.tasks import EMAILS_PER_TASK, send_notification_emails_task
from lms.people.models import User


@dataclass(frozen=True)
class Event:
    """One thing to tell one person: `key` names it (with the kind) for deduplication."""

    recipient: User
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""


def _dedupe_key(kind: str, key: str) -> str:
    return f"{kind}:{key}"[:200]


def notify_many(*, kind: str, events: Iterable[Event], email: bool = True) -> list[Notification]:
    """Create each event's notification unless it exists; return the ones created now.

    Three queries for any number of events (existing keys, insert, read back) plus one
    for the e-mail choices. The unique constraint decides races: a row another run
    inserted first is skipped here. E-mails are enqueued after the commit, one task
    per EMAILS_PER_TASK notifications, for people who have an address and have not
    turned the kind off.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    events = [event for event in events if event.recipient.is_active]
    if not events:
        return []
    wanted = {(event.recipient.pk, _dedupe_key(kind, event.key)): event for event in events}
    existing = set(
        Notification.objects.filter(
            recipient_id__in={user_id for user_id, _key in wanted},
            dedupe_key__in={key for _user_id, key in wanted},
        ).values_list("recipient_id", "dedupe_key")
    )
    fresh = {pair: event for pair, event in wanted.items() if pair not in existing}
    if not fresh:
        return []
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=event.recipient,
                kind=kind,
                dedupe_key=key,
                params=event.params,
                url=event.url,
                created_at=now,
            )
            for (_user_id, key), event in fresh.items()
        ],
        ignore_conflicts=True,
    )
    created = [
        notification
        for notification in Notification.objects.filter(
            recipient_id__in={user_id for user_id, _key in fresh},
            dedupe_key__in={key for _user_id, key in fresh},
            emailed_at__isnull=True,
        ).select_related("recipient")
        if (notification.recipient_id, notification.dedupe_key) in fresh
    ]
    if email:
        off = selectors.opted_out(user_ids={n.recipient_id for n in created}, kind=kind)
        wanted = [
            notification.pk
            for notification in created
            if notification.recipient.email and notification.recipient_id not in off
        ]
        for start in range(0, len(wanted), EMAILS_PER_TASK):
            transaction.on_commit(
                partial(
                    send_notification_emails_task.enqueue, wanted[start : start + EMAILS_PER_TASK]
                )
            )
    return created


def notify(
    *,
    kind: str,
    recipient: User,
    key: str,
    params: dict[str, Any] | None = None,
    url: str = "",
    email: bool = True,
) -> Notification | None:
    """Tell one person about one event, once; None if they were told already."""
    created = notify_many(
        kind=kind,
        events=[Event(recipient=recipient, key=key, params=params or {}, url=url)],
        email=email,
    )
    return created[0] if created else None


def mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs (or gone)."""
    updated = Notification.objects.filter(pk=notification_id, recipient=user).update(
        read_at=Coalesce("read_at", timezone.now())
    )
    return bool(updated)


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def save_email_choices(*, user: User, choices: dict[str, bool]) -> None:
    """Store e-mail on/off for the given kinds (one upsert)."""
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise ValueError(f"Unknown notification kinds: {sorted(unknown)}")
    EmailPreference.objects.bulk_create(
        [EmailPreference(user=user, kind=kind, email=on) for kind, on in choices.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )
