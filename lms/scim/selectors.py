"""Reads for SCIM: the people and groups a directory sees, their members, the tokens."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from wagtail.models import APIToken

from lms.people.models import User
from lms.scim.models import PROVISION_PERMISSION, SERVICE_USERNAME, ProvisionedGroup, ScimToken


def scim_users() -> QuerySet[User]:
    """The people a directory provisions, in id order.

    Superusers are left out (a directory cannot deactivate the break-glass admin), and so
    are the SCIM service user, the people the directory deleted (``removed_at``) and guests
    (customers in a bootcamp: not the directory's people, never listed, changed or made a
    member of a group by it).
    """
    return (
        User.objects.filter(is_superuser=False, is_guest=False)
        .exclude(username=SERVICE_USERNAME)
        .exclude(scim__removed_at__isnull=False)
        .select_related("scim", "department", "manager")
        .order_by("pk")
    )


def scim_user(*, pk: int) -> User | None:
    return scim_users().filter(pk=pk).first()


def removed_user(*, username: str) -> User | None:
    """A person the directory deleted, found by userName (case-insensitive)."""
    return (
        User.objects.filter(username__iexact=username, scim__removed_at__isnull=False)
        .select_related("scim")
        .first()
    )


def username_taken(*, username: str, exclude_pk: int | None = None) -> bool:
    """Whether another account has this sign-in name, whatever its case."""
    return User.objects.filter(username__iexact=username).exclude(pk=exclude_pk).exists()


def employee_id_taken(*, employee_id: str, exclude_pk: int | None = None) -> bool:
    return User.objects.filter(employee_id=employee_id).exclude(pk=exclude_pk).exists()


def scim_groups() -> QuerySet[ProvisionedGroup]:
    return ProvisionedGroup.objects.select_related("department", "role").order_by("pk")


def scim_group(*, pk: int) -> ProvisionedGroup | None:
    return scim_groups().filter(pk=pk).first()


def group_name_taken(*, name: str, exclude_pk: int | None = None) -> bool:
    return (
        ProvisionedGroup.objects.filter(display_name__iexact=name).exclude(pk=exclude_pk).exists()
    )


def member_ids(*, groups: list[ProvisionedGroup]) -> dict[int, list[int]]:
    """The ids of each group's provisioned members, by group id (two queries at most)."""
    members: dict[int, list[int]] = defaultdict(list)
    by_department = {group.department_id: group.pk for group in groups if group.department_id}
    by_role = {group.role_id: group.pk for group in groups if group.role_id}
    people = scim_users().select_related(None)
    if by_department:
        rows = people.filter(department_id__in=by_department).values_list("department_id", "pk")
        for department_id, pk in rows:
            members[by_department[department_id]].append(pk)
    if by_role:
        rows = people.filter(groups__in=by_role).values_list("groups", "pk")
        for role_id, pk in rows:
            members[by_role[role_id]].append(pk)
    return members


def existing_members(*, pks: set[int]) -> set[int]:
    """Which of these ids are provisioned people (members must be)."""
    return set(scim_users().filter(pk__in=pks).values_list("pk", flat=True))


def token_is_scim(token: APIToken) -> bool:
    """Whether an API token is a SCIM token (the KPI API refuses those)."""
    return ScimToken.objects.filter(token_id=token.pk).exists()


def scim_tokens() -> QuerySet[APIToken]:
    """The SCIM tokens, newest first, revoked ones too."""
    return (
        APIToken.objects.filter(scim__isnull=False)
        .select_related("user")
        .order_by("-created", "-pk")
    )


def may_provision(user: User) -> bool:
    return user.is_active and user.has_perm(PROVISION_PERMISSION)


def provision_permission() -> QuerySet[Permission]:
    app_label, codename = PROVISION_PERMISSION.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)
