"""Writes of SCIM provisioning: people, departments and role groups, and the SCIM tokens.

Each function checks its input and raises a SCIM exception (scim2-models) that names the
problem: ``InvalidValueException`` (400 invalidValue) or ``UniquenessException`` (409).
Callers run them in a transaction (the storage's ``operation``), so a refused request
stores nothing. Nobody is ever deleted: a SCIM DELETE or ``active: false`` deactivates
through ``lms.people.services.set_active``, and every record stays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from scim2_models import InvalidValueException, UniquenessException
from wagtail.log_actions import log
from wagtail.models import APIToken

from lms.people import services as people_services
from lms.people.models import Department, User
from lms.scim import selectors
from lms.scim.models import (
    PROVISIONING_GROUP,
    SERVICE_USERNAME,
    ProvisionedGroup,
    ProvisionedUser,
    ScimToken,
)

logger = logging.getLogger(__name__)
SOURCE = "scim"
# How far up a reporting line the loop check walks.
MAX_REPORTING_DEPTH = 100


@dataclass
class PersonValues:
    """A person as a SCIM User resource describes them (the storage reads it off)."""

    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    email_type: str = ""
    active: bool | None = None  # None: as it is (a new person is active)
    preferred_language: str = ""  # the directory's tag, e.g. "de-DE"
    external_id: str = ""
    employee_id: str = ""
    department: str = ""  # a department's name, "" for none
    manager_id: int | None = None


@dataclass
class GroupValues:
    display_name: str
    external_id: str = ""
    member_ids: set[int] = field(default_factory=set)


def _check_username(username: str, *, exclude_pk: int | None = None) -> None:
    if not username or len(username) > 150:
        raise InvalidValueException(
            detail=_("userName is required and has at most 150 characters.")
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise InvalidValueException(
            detail=_("userName “%(username)s” may contain only letters, digits and @ . + - _")
            % {"username": username}
        ) from None
    if username == SERVICE_USERNAME or selectors.username_taken(
        username=username, exclude_pk=exclude_pk
    ):
        raise UniquenessException(
            detail=_("Another person has the userName “%(username)s”.") % {"username": username}
        )


def _check_employee_id(employee_id: str, *, exclude_pk: int | None = None) -> None:
    if employee_id and selectors.employee_id_taken(employee_id=employee_id, exclude_pk=exclude_pk):
        raise UniquenessException(
            detail=_("Another person has the employee number “%(number)s”.")
            % {"number": employee_id}
        )


def language_of(tag: str | None) -> str | None:
    """The site language of a language tag ("de-DE" → "de"), or None if the site has none."""
    if not tag:
        return None
    codes = people_services.site_languages()
    tag = tag.strip().replace("_", "-").lower()
    if tag in codes:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in codes else None


def department_named(name: str) -> Department:
    """The department of this name (whatever its case), created if there is none."""
    return people_services.department_named(name=name, source="SCIM provisioning")


def _manager(manager_id: int | None, *, user_pk: int | None) -> User | None:
    if manager_id is None:
        return None
    manager = selectors.scim_user(pk=manager_id)
    if manager is None:
        raise InvalidValueException(
            detail=_("The manager “%(id)s” is not a provisioned User.") % {"id": manager_id}
        )
    if user_pk is not None:
        # Walk up from the manager: reaching the person would make a reporting loop.
        current, depth = manager, 0
        while current is not None and depth < MAX_REPORTING_DEPTH:
            if current.pk == user_pk:
                raise InvalidValueException(
                    detail=_("A person cannot report to themselves, directly or through others.")
                )
            current = current.manager if current.manager_id else None
            depth += 1
    return manager


def _apply(user: User, values: PersonValues) -> None:
    user.username = values.username
    user.first_name = values.first_name
    user.last_name = values.last_name
    user.email = values.email
    user.employee_id = values.employee_id
    language = language_of(values.preferred_language)
    if language is not None:
        user.language = language
    user.department = department_named(values.department) if values.department else None
    user.manager = _manager(values.manager_id, user_pk=user.pk)


def _save(user: User, values: PersonValues) -> User:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent request took the name or number between the checks and the save.
        raise UniquenessException(
            detail=_("Another person has this userName or employee number.")
        ) from None
    ProvisionedUser.objects.update_or_create(
        user=user,
        defaults={
            "external_id": values.external_id,
            "email_type": values.email_type if values.email else "",
            "preferred_language": values.preferred_language,
            "removed_at": None,
        },
    )
    if values.active is not None:
        people_services.set_active(user=user, active=values.active, source=SOURCE)
    return user


def create_person(values: PersonValues) -> User:
    """A new person; or one the directory deleted before, brought back with these values."""
    removed = selectors.removed_user(username=values.username)
    if removed is not None:
        values.active = True if values.active is None else values.active
        logger.info("%r provisioned again after a SCIM delete.", removed.username)
        return update_person(removed, values)
    _check_username(values.username)
    _check_employee_id(values.employee_id)
    user = User(is_active=True if values.active is None else values.active)
    user.set_unusable_password()
    _apply(user, values)
    user.language = language_of(values.preferred_language) or settings.LANGUAGE_CODE
    values.active = None  # set above, without a deactivation to log
    return _save(user, values)


def update_person(user: User, values: PersonValues) -> User:
    """Bring a person in line with their resource (PUT, or the result of a PATCH)."""
    _check_username(values.username, exclude_pk=user.pk)
    _check_employee_id(values.employee_id, exclude_pk=user.pk)
    _apply(user, values)
    return _save(user, values)


def remove_person(user: User) -> None:
    """SCIM DELETE: deactivate, and hide from the directory; records and sign-offs stay."""
    people_services.set_active(user=user, active=False, source=SOURCE)
    ProvisionedUser.objects.update_or_create(user=user, defaults={"removed_at": timezone.now()})


# --- groups ----------------------------------------------------------------------------------


def group_roles() -> dict[str, str]:
    """LMS_SCIM_GROUP_ROLES with its keys case-folded: directory group name → role."""
    return {name.casefold(): role for name, role in settings.LMS_SCIM_GROUP_ROLES.items()}


def _check_group_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidValueException(
            detail=_("displayName is required and has at most 100 characters.")
        )
    if selectors.group_name_taken(name=name, exclude_pk=exclude_pk):
        raise UniquenessException(detail=_("There is already a group “%(name)s”.") % {"name": name})
    return name


def _check_members(member_ids: set[int]) -> None:
    unknown = member_ids - selectors.existing_members(pks=member_ids)
    if unknown:
        raise InvalidValueException(
            detail=_("These members are not provisioned Users: %(ids)s")
            % {"ids": ", ".join(str(pk) for pk in sorted(unknown))}
        )


def _set_members(group: ProvisionedGroup, member_ids: set[int]) -> None:
    _check_members(member_ids)
    current = set(selectors.member_ids(groups=[group]).get(group.pk, []))
    added, removed = member_ids - current, current - member_ids
    if group.role_id:
        role = group.role
        if added:
            role.user_set.add(*User.objects.filter(pk__in=added))
        if removed:
            role.user_set.remove(*User.objects.filter(pk__in=removed))
        return
    # A person is in one department: joining this one leaves the one they were in.
    for user in User.objects.filter(pk__in=added):
        user.department = group.department
        user.save(update_fields=["department"])
    for user in User.objects.filter(pk__in=removed, department=group.department):
        user.department = None
        user.save(update_fields=["department"])


def create_group(values: GroupValues) -> ProvisionedGroup:
    """A role group when LMS_SCIM_GROUP_ROLES names it, else a department (found or created)."""
    name = _check_group_name(values.display_name)
    role_name = group_roles().get(name.casefold())
    group = ProvisionedGroup(display_name=name, external_id=values.external_id)
    if role_name:
        role = Group.objects.filter(name=role_name).first()
        if role is None:
            raise InvalidValueException(
                detail=_("The role “%(role)s” that LMS_SCIM_GROUP_ROLES names does not exist.")
                % {"role": role_name}
            )
        if ProvisionedGroup.objects.filter(role=role).exists():
            raise UniquenessException(
                detail=_("Another directory group already stands for the role “%(role)s”.")
                % {"role": role_name}
            )
        group.role = role
    else:
        department = department_named(name)
        if ProvisionedGroup.objects.filter(department=department).exists():
            raise UniquenessException(
                detail=_("Another directory group already stands for the department “%(name)s”.")
                % {"name": department.name}
            )
        group.department = department
    group.save()
    if values.member_ids:
        _set_members(group, values.member_ids)
    return group


def update_group(group: ProvisionedGroup, values: GroupValues) -> ProvisionedGroup:
    """Rename (a department group renames its department) and set the members."""
    name = _check_group_name(values.display_name, exclude_pk=group.pk)
    if group.department_id and group.department.name != name:
        if Department.objects.filter(name__iexact=name).exclude(pk=group.department_id).exists():
            raise UniquenessException(
                detail=_("There is already a department “%(name)s”.") % {"name": name}
            )
        group.department.name = name
        group.department.save(update_fields=["name"])
    group.display_name = name
    group.external_id = values.external_id
    group.save()
    _set_members(group, values.member_ids)
    return group


def delete_group(group: ProvisionedGroup) -> None:
    """SCIM DELETE of a group: a role group's members lose the role; a department and its
    people stay (departments carry KPI records and rollout history), only the link goes."""
    if group.role_id:
        group.role.user_set.remove(
            *User.objects.filter(pk__in=selectors.member_ids(groups=[group]).get(group.pk, []))
        )
    group.delete()


# --- tokens ----------------------------------------------------------------------------------


def service_user() -> User:
    """The user SCIM tokens act as: no password, only the provisioning group's permission."""
    user = User.objects.filter(username=SERVICE_USERNAME).first()
    if user is None:
        user = User(username=SERVICE_USERNAME, first_name="SCIM", last_name="provisioning")
        user.set_unusable_password()
        user.save()
    group, _created = Group.objects.get_or_create(name=PROVISIONING_GROUP)
    user.groups.add(group)
    return user


def issue_token(*, name: str, by: User | None) -> tuple[APIToken, str]:
    """A new SCIM token; returns it and its plaintext, which is stored nowhere."""
    with transaction.atomic():
        token, plaintext = APIToken.create_token(user=service_user(), name=name)
        ScimToken.objects.create(token=token)
        log(token, "wagtail.apitoken.create", user=by)
    return token, plaintext


def revoke_token(token: APIToken, *, by: User | None) -> bool:
    """Revoke a SCIM token; False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoke()
    log(token, "wagtail.apitoken.revoke", user=by)
    return True
