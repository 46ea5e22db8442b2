"""Authentication backend that loads the request's user with everything the layout asks.

Every page shows role-dependent navigation and many greet the learner's department, so
the user row is read with its department and one flag per role in a single query,
instead of the user query plus a groups query (and a department query) per request.
Building that query with the ORM costs more than running it, and it is the same on
every request but for the user id, so its SQL is compiled once per database vendor.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import connections
from django.db.models import Exists, F, OuterRef

from lms.people import roles
from lms.people.models import Department, User

ROLE_NAMES = (
    roles.EMPLOYEES,
    roles.MANAGERS,
    roles.TRAINERS,
    roles.ADMINS,
    roles.LEADERSHIP,
    roles.GUIDELINE_APPROVERS,
)
_NO_USER = -1


def _flag(index: int) -> str:
    return f"role_flag_{index}"


@cache
def _compiled_query(alias: str, vendor: str) -> tuple[str, tuple]:
    memberships = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    queryset = (
        User._default_manager.using(alias)
        .annotate(
            department_name=F("department__name"),
            department_slug=F("department__slug"),
            **{
                _flag(index): Exists(memberships.filter(group__name=name))
                for index, name in enumerate(ROLE_NAMES)
            },
        )
        .filter(pk=_NO_USER)
    )
    sql, params = queryset.query.sql_with_params()
    assert params[-1] == _NO_USER, "the user id must be the query's last parameter"
    return sql, tuple(params[:-1])


def load_request_user(user_id: int, *, alias: str = "default") -> User | None:
    """The user with `known_roles` and the department set, or None if there is none."""
    sql, params = _compiled_query(alias, connections[alias].vendor)
    user = next(iter(User._default_manager.db_manager(alias).raw(sql, [*params, user_id])), None)
    if user is None:
        return None
    user.known_roles = {
        name for index, name in enumerate(ROLE_NAMES) if getattr(user, _flag(index))
    }
    if user.department_id is not None:
        # Fields added to Department later load on first use, as deferred fields do.
        user.department = Department.from_db(
            alias,
            ["id", "name", "slug"],
            [user.department_id, user.department_name, user.department_slug],
        )
    return user


def warm_up() -> None:
    """At a worker's start (lms.core.startup): the query compiled and run for no user."""
    load_request_user(_NO_USER)


class RoleAwareModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        # A guest holds no permission, whatever a group of theirs was given: the admin
        # and every permission check stay closed (lms.people.guest_access).
        if getattr(user_obj, "is_guest", False):
            return set()
        return super().get_all_permissions(user_obj, obj)

    def get_user(self, user_id):
        try:
            user = load_request_user(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
