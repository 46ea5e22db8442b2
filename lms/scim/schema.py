"""What /scim/v2/ serves, described with scim2-models: the resources, their attributes, and
what the service announces on ServiceProviderConfig, ResourceTypes and Schemas.

The User and Group schemas carry the core URNs of RFC 7643 with the attributes that this
platform stores (a service provider may support a subset, RFC 7643 §2): whatever else a
directory sends (title, phone numbers, addresses...) is ignored, not refused, because
Microsoft Entra ID sends its default attribute mapping whatever the schema says. A person's
``displayName`` is not declared either: the platform shows the name from givenName and
familyName, and a read-only displayName would make Entra's default mapping, which writes it,
fail with 400 mutability (RFC 7644 §3.5.2).
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from django.conf import settings
from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    External,
    Filter,
    Mutability,
    Pagination,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

# The largest page a list or search returns, and the page without "count".
MAX_RESULTS = 200
DEFAULT_PAGE_SIZE = 100

EMAIL_TYPES = ["work", "home", "other"]


class Name(ComplexAttribute):
    given_name: Annotated[str | None, Field(max_length=150)] = None
    """The person's first name (User.first_name)."""

    family_name: Annotated[str | None, Field(max_length=150)] = None
    """The person's last name (User.last_name)."""


class Email(ComplexAttribute):
    value: Annotated[EmailStr | None, Field(max_length=254)] = None
    """The person's e-mail address (User.email); the platform keeps one."""

    type: str | None = Field(None, examples=EMAIL_TYPES)
    """"work", "home" or "other"."""


class User(Resource[Any]):
    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The sign-in name (User.username): letters, digits and @ . + - _, at most 150."""

    name: Name | None = None
    """The person's name."""

    preferred_language: str | None = Field(
        None,
        max_length=35,
        examples=[code for code, _name in settings.LANGUAGES] + ["de-DE", "en-US"],
    )
    """The directory's language tag for the person ("de-DE"); the site's and e-mails'
    language (User.language) follows it when the site offers that language."""

    active: Annotated[bool | None, Required.true] = None
    """False deactivates the person (never deletes: records and sign-offs stay). Every
    person is active or not, so it cannot be removed; a creation without it is active."""

    emails: list[Email] | None = None
    """The person's e-mail address, as a list of one (of several sent, the first)."""


class Manager(ComplexAttribute):
    value: Annotated[str | None, Required.false, CaseExact.true] = None
    """The id of the manager's User resource."""

    ref: Annotated[Reference[User] | None, Required.false] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The URI of the manager's User resource."""


class EnterpriseUser(Extension):
    __schema__ = URN(ENTERPRISE_SCHEMA)

    employee_number: Annotated[str | None, Field(max_length=64)] = None
    """The person's number in the HR system or directory (User.employee_id), unique."""

    department: Annotated[str | None, Field(max_length=100)] = None
    """The department's name; a department the platform does not have yet is created."""

    manager: Manager | None = None
    """The person this user reports to (User.manager)."""


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The id of a member's User resource."""

    ref: Annotated[Reference[Union[User]] | None, Mutability.immutable] = Field(  # noqa: UP007
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The URI of the member's User resource."""

    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    """Always "User": groups have no groups as members."""


class Group(Resource[Any]):
    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true, Uniqueness.server, Field(max_length=100)] = (
        None
    )
    """The group's name: a role's name from LMS_SCIM_GROUP_ROLES makes it a role group,
    anything else a department of that name."""

    members: list[GroupMember] | None = None
    """The people in the department or role."""


USER_TYPE = ResourceType(
    id="User",
    name="User",
    endpoint="/Users",
    description="People of the platform",
    schema_=USER_SCHEMA,
    schema_extensions=[{"schema": ENTERPRISE_SCHEMA, "required": False}],
)
GROUP_TYPE = ResourceType(
    id="Group",
    name="Group",
    endpoint="/Groups",
    description="Departments and roles",
    schema_=GROUP_SCHEMA,
)

BEARER = AuthenticationScheme(
    type=AuthenticationScheme.Type.oauthbearertoken,
    name="Bearer token",
    description=(
        "A SCIM token issued under Settings › SCIM tokens or with manage.py scim_token create"
    ),
    spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
    primary=True,
)

CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    pagination=Pagination(
        index=True,
        cursor=False,
        default_page_size=DEFAULT_PAGE_SIZE,
        max_page_size=MAX_RESULTS,
        default_pagination_method=Pagination.DefaultPaginationMethod.index,
    ),
    authentication_schemes=[BEARER],
)

# What the service tolerates, as Microsoft Entra ID needs it: attributes no schema here
# declares are dropped; a PATCH "remove" carrying a value removes that value (Entra
# removes group members so); a PATCH path filter that matches nothing, such as
# emails[type eq "work"].value on a person without e-mail, adds the entry it describes.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser, Group],
    resource_types=[USER_TYPE, GROUP_TYPE],
    config=CONFIG,
    policy=POLICY,
)
