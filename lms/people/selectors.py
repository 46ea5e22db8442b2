"""Reads about people and the organisation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lms.people import roles
from lms.people.models import User

# UNION (not UNION ALL) drops rows already seen, so a reporting loop cannot recurse forever.
TEAM_SQL = """
    WITH RECURSIVE team(id) AS (
        SELECT id FROM people_user WHERE manager_id = %s
        UNION
        SELECT member.id FROM people_user AS member JOIN team ON member.manager_id = team.id
    )
    SELECT id FROM team
"""


def password_sign_in_allowed(*, username: str) -> bool:
    """Whether this account may sign in, reset or change a password here.

    Always, unless local passwords are off (``LMS_PASSWORD_LOGIN``, when the company signs
    in by single sign-on): then only the break-glass accounts of
    ``LMS_PASSWORD_LOGIN_USERS`` may, and guests (customers, who are not in the company's
    directory and sign in with a password of their own).
    """
    if settings.LMS_PASSWORD_LOGIN:
        return True
    if username.casefold() in {name.casefold() for name in settings.LMS_PASSWORD_LOGIN_USERS}:
        return True
    return bool(username) and User.objects.filter(username__iexact=username, is_guest=True).exists()


def team_of(*, manager: User) -> QuerySet[User]:
    """Everyone who reports to the manager, directly or through other managers (one query)."""
    return User.objects.filter(pk__in=RawSQL(TEAM_SQL, (manager.pk,))).exclude(pk=manager.pk)


def is_in_team(*, manager: User, member: User) -> bool:
    return team_of(manager=manager).filter(pk=member.pk).exists()


def is_admin(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.in_group(roles.ADMINS))


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_failure: datetime
    locked_until: datetime


def _counted_attempts() -> QuerySet[AccessAttempt]:
    """Failed sign-ins that still count: django-axes forgets them a cool-off after the last."""
    return AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )


def current_lockouts() -> list[Lockout]:
    """Every username and client address locked out now, the most recent first.

    django-axes keeps one row per username, address and browser; a pair is locked when
    their failures together reach the limit (AXES_LOCKOUT_PARAMETERS).
    """
    rows = (
        _counted_attempts()
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_failure", "username")
    )
    return [
        Lockout(
            username=row["username"] or "",
            ip_address=row["ip_address"],
            failures=row["failures"],
            last_failure=row["last_failure"],
            locked_until=row["last_failure"] + settings.AXES_COOLOFF_TIME,
        )
        for row in rows
    ]


def lockout_seconds_left(*, username: str | None, ip_address: str | None) -> int:
    """How long a locked-out username stays refused from this address (at least 1 s)."""
    last_failure = (
        _counted_attempts()
        .filter(username=username, ip_address=ip_address)
        .aggregate(last=Max("attempt_time"))["last"]
    )
    if last_failure is None:
        return int(settings.AXES_COOLOFF_TIME.total_seconds())
    left = last_failure + settings.AXES_COOLOFF_TIME - timezone.now()
    return max(1, math.ceil(left.total_seconds()))
