"""Which claim of the provider fills which field of a person (``LMS_OIDC_CLAIMS``).

The defaults are the standard OpenID Connect claims where there is one (``email``,
``given_name``, ``family_name``, ``name``, ``locale``, ``preferred_username``) and the names
most directories use for the rest; a deployment renames any of them, e.g.
``LMS_OIDC_CLAIMS="employee_id=employeeid,groups=roles"`` (README: "Company sign-in and
provisioning"). A claim the provider does not send leaves the field as it is.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_CLAIMS = {
    "username": "preferred_username",
    "email": "email",
    "first_name": "given_name",
    "last_name": "family_name",
    "name": "name",
    "language": "locale",
    "employee_id": "employee_id",
    "department": "department",
    # The manager's employee ID or e-mail address.
    "manager": "manager",
    "groups": "groups",
}


def claim_names() -> dict[str, str]:
    return {**DEFAULT_CLAIMS, **getattr(settings, "LMS_OIDC_CLAIMS", {})}


def text(claims: dict, field: str) -> str:
    """The claim for ``field`` as stripped text; "" when missing or not a string or number."""
    value = claims.get(claim_names()[field])
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def groups(claims: dict) -> set[str]:
    """The person's directory groups: a list of names or ids (or one string)."""
    value = claims.get(claim_names()["groups"])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return set()
    return {
        str(item).strip() for item in value if isinstance(item, str | int) and str(item).strip()
    }


def group_roles() -> dict[str, str]:
    """Directory group → platform role (``LMS_OIDC_GROUP_ROLES``)."""
    return dict(getattr(settings, "LMS_OIDC_GROUP_ROLES", {}))
