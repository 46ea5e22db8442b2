"""System check: LMS_SCIM_GROUP_ROLES names only roles the platform has."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

from lms.people import roles

KNOWN_ROLES = (*roles.ALL_GROUPS, roles.LEADERSHIP, roles.GUIDELINE_APPROVERS)


def check_group_roles(app_configs=None, **kwargs) -> list[Error]:
    mapping = getattr(settings, "LMS_SCIM_GROUP_ROLES", {})
    errors = []
    for group, role in mapping.items():
        if role not in KNOWN_ROLES:
            errors.append(
                Error(
                    f"LMS_SCIM_GROUP_ROLES maps the directory group {group!r} to {role!r}, "
                    "which is no role of the platform.",
                    hint=f"Use one of: {', '.join(KNOWN_ROLES)}.",
                    id="scim.E001",
                )
            )
    folded = [group.casefold() for group in mapping]
    if len(set(folded)) != len(folded):
        errors.append(
            Error(
                "LMS_SCIM_GROUP_ROLES names a directory group twice (names are compared "
                "whatever their case).",
                id="scim.E002",
            )
        )
    return errors
