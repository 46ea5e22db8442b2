"""scim2-server's storage over the Django models: resources in, people and groups out.

scim2-server validates the requests, applies PUT and PATCH to the stored resource and
builds the responses; this storage turns a resource into ``PersonValues``/``GroupValues``
for lms.scim.services, and people and groups back into resources. References are given
relative to the SCIM root ("Users/42"); the service makes them URLs.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from scim2_models import (
    Context,
    InvalidValueException,
    Meta,
    NotFoundException,
    NotImplementedException,
    Resource,
    ResourceType,
    ResponseParameters,
    SearchRequest,
)
from scim2_server.storage import ScimStorage, SearchPage

from lms.core.input_safety import whole_number
from lms.people.models import User
from lms.scim import filters, selectors, services
from lms.scim.models import ProvisionedGroup
from lms.scim.schema import ENTERPRISE_SCHEMA, PROVIDER, EnterpriseUser


def _version(resource: Resource[Any]) -> str:
    body = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    body.pop("meta", None)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:20]}"'


def _pk(resource_id: Any, resource_type: ResourceType) -> int:
    pk = whole_number(str(resource_id or ""))
    if pk is None:
        raise _not_found(resource_type, str(resource_id)[:100])
    return pk


def _not_found(resource_type: ResourceType, pk: Any) -> NotFoundException:
    return NotFoundException(
        detail=_("%(type)s “%(id)s” not found") % {"type": resource_type.name, "id": pk}
    )


# --- people ---------------------------------------------------------------------------------


def user_resource(user: User) -> Resource[Any]:
    model = PROVIDER.model_for("User")
    scim = getattr(user, "scim", None) if _has_scim(user) else None
    enterprise = {}
    if user.employee_id:
        enterprise["employeeNumber"] = user.employee_id
    if user.department_id:
        enterprise["department"] = user.department.name
    if user.manager_id:
        enterprise["manager"] = {"value": str(user.manager_id), "$ref": f"Users/{user.manager_id}"}
    payload: dict[str, Any] = {
        "id": str(user.pk),
        "userName": user.username,
        "active": user.is_active,
    }
    name = {
        key: value
        for key, value in (("givenName", user.first_name), ("familyName", user.last_name))
        if value
    }
    if name:
        payload["name"] = name
    if user.email:
        email: dict[str, Any] = {"value": user.email}
        if scim is not None and scim.email_type:
            email["type"] = scim.email_type
        payload["emails"] = [email]
    if scim is not None and scim.external_id:
        payload["externalId"] = scim.external_id
    if scim is not None and scim.preferred_language:
        payload["preferredLanguage"] = scim.preferred_language
    schemas = [str(model.__schema__)]
    if enterprise:
        payload[ENTERPRISE_SCHEMA] = enterprise
        schemas.append(ENTERPRISE_SCHEMA)
    payload["schemas"] = schemas
    with PROVIDER:
        resource = model.model_validate(payload)
    modified = user.date_joined
    if scim is not None and scim.modified and scim.modified > modified:
        modified = scim.modified
    resource.meta = Meta(
        resource_type="User",
        created=user.date_joined,
        last_modified=modified,
        version=_version(resource),
    )
    return resource


def _has_scim(user: User) -> bool:
    try:
        user.scim  # noqa: B018 - loaded by select_related, or one query
    except User.scim.RelatedObjectDoesNotExist:
        return False
    return True


def person_values(resource: Resource[Any]) -> services.PersonValues:
    enterprise = resource[EnterpriseUser]
    email, email_type = "", ""
    if resource.emails:
        chosen = next((item for item in resource.emails if item.value), None)
        if chosen is not None and chosen.value:
            email, email_type = str(chosen.value), str(chosen.type or "")
    manager_id = None
    if enterprise is not None and enterprise.manager is not None and enterprise.manager.value:
        text = str(enterprise.manager.value)
        manager_id = whole_number(text)
        if manager_id is None:
            raise InvalidValueException(
                detail=_("The manager “%(id)s” is not a provisioned User.") % {"id": text[:100]}
            )
    return services.PersonValues(
        username=(resource.user_name or "").strip(),
        first_name=(resource.name.given_name or "") if resource.name else "",
        last_name=(resource.name.family_name or "") if resource.name else "",
        email=email,
        email_type=email_type[:20],
        active=resource.active,
        preferred_language=(resource.preferred_language or "").strip()[:35],
        external_id=(resource.external_id or "")[:255],
        employee_id=((enterprise.employee_number or "") if enterprise else "").strip(),
        department=((enterprise.department or "") if enterprise else "").strip(),
        manager_id=manager_id,
    )


# --- groups ---------------------------------------------------------------------------------


def group_resource(group: ProvisionedGroup, member_ids: list[int]) -> Resource[Any]:
    model = PROVIDER.model_for("Group")
    payload: dict[str, Any] = {
        "schemas": [str(model.__schema__)],
        "id": str(group.pk),
        "displayName": group.display_name,
    }
    if group.external_id:
        payload["externalId"] = group.external_id
    if member_ids:
        payload["members"] = [
            {"value": str(pk), "$ref": f"Users/{pk}", "type": "User"} for pk in sorted(member_ids)
        ]
    with PROVIDER:
        resource = model.model_validate(payload)
    resource.meta = Meta(
        resource_type="Group",
        created=group.created,
        last_modified=group.modified,
        version=_version(resource),
    )
    return resource


def group_values(resource: Resource[Any]) -> services.GroupValues:
    member_ids = set()
    if resource.members is not None:
        for member in resource.members:
            text = str(member.value or "")
            pk = whole_number(text)
            if member.type not in (None, "User") or pk is None:
                raise InvalidValueException(
                    detail=_("Members are Users, given by their id: “%(id)s” is none.")
                    % {"id": text[:100]}
                )
            member_ids.add(pk)
    return services.GroupValues(
        display_name=resource.display_name or "",
        external_id=(resource.external_id or "")[:255],
        member_ids=member_ids,
    )


class DjangoStorage(ScimStorage):
    """People (``lms.people.models.User``) and groups (``ProvisionedGroup``) as resources."""

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        pk = _pk(resource_id, resource_type)
        if resource_type.name == "User":
            user = selectors.scim_user(pk=pk)
            if user is None:
                raise _not_found(resource_type, pk)
            return user_resource(user)
        group = selectors.scim_group(pk=pk)
        if group is None:
            raise _not_found(resource_type, pk)
        return group_resource(group, selectors.member_ids(groups=[group]).get(group.pk, []))

    def search(
        self,
        resource_types: list[ResourceType],
        search_request: SearchRequest[Any],
        *,
        position: Any = None,
    ) -> SearchPage:
        if len(resource_types) != 1:
            raise NotImplementedException(
                detail=_("Search /Users or /Groups; a search at the root is not supported.")
            )
        start = search_request.start_index_0 or 0
        count = search_request.count
        if resource_types[0].name == "User":
            people = selectors.scim_users().filter(filters.user_query(search_request.filter))
            total = people.count()
            page = [] if count == 0 else list(people[start : start + count])
            return SearchPage(total, [user_resource(user) for user in page])
        groups = (
            selectors.scim_groups().filter(filters.group_query(search_request.filter)).distinct()
        )
        total = groups.count()
        found = [] if count == 0 else list(groups[start : start + count])
        members = selectors.member_ids(groups=found) if found else {}
        return SearchPage(
            total, [group_resource(group, members.get(group.pk, [])) for group in found]
        )

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        if resource_type.name == "User":
            user = services.create_person(person_values(resource))
            return self.get(resource_type, str(user.pk))
        group = services.create_group(group_values(resource))
        return self.get(resource_type, str(group.pk))

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource[Any],
        *,
        expected_version: str | None = None,
    ) -> Resource[Any]:
        pk = _pk(resource.id, resource_type)
        if resource_type.name == "User":
            user = selectors.scim_user(pk=pk)
            if user is None:
                raise _not_found(resource_type, pk)
            services.update_person(user, person_values(resource))
        else:
            group = selectors.scim_group(pk=pk)
            if group is None:
                raise _not_found(resource_type, pk)
            services.update_group(group, group_values(resource))
        return self.get(resource_type, str(pk))

    def delete(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        expected_version: str | None = None,
    ) -> None:
        pk = _pk(resource_id, resource_type)
        if resource_type.name == "User":
            user = selectors.scim_user(pk=pk)
            if user is None:
                raise _not_found(resource_type, pk)
            services.remove_person(user)
            return
        group = selectors.scim_group(pk=pk)
        if group is None:
            raise _not_found(resource_type, pk)
        services.delete_group(group)

    @contextmanager
    def operation(self):
        """One transaction per SCIM operation: a refused request stores nothing."""
        with transaction.atomic():
            yield
