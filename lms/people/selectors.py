"""Reads about people and the organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

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


def team_of(*, manager: User) -> QuerySet[User]:
    """Everyone who reports to the manager, directly or through other managers (one query)."""
    return User.objects.filter(pk__in=RawSQL(TEAM_SQL, (manager.pk,))).exclude(pk=manager.pk)


def is_in_team(*, manager: User, member: User) -> bool:
    return team_of(manager=manager).filter(pk=member.pk).exists()


def is_admin(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.in_group(roles.ADMINS))
