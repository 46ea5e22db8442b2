"""What Microsoft Entra ID sends that scim2-models does not read as it is.

scim2-models already takes Entra's capitalised ``"op": "Replace"``, boolean strings
(``"False"``), ``emails[type eq "work"].value`` paths and PATCH operations without a path
whose value is a dict of attribute paths. What is left is the manager: Entra sends the
enterprise ``manager`` as the manager's id alone (``"value": "42"``), where RFC 7643 §4.3
has a complex attribute (``{"value": "42"}``); an empty string removes the manager.
"""

from __future__ import annotations

import json
from typing import Any

from lms.scim.schema import ENTERPRISE_SCHEMA

MANAGER = f"{ENTERPRISE_SCHEMA}:manager".casefold()


def _manager(value: Any) -> Any:
    if isinstance(value, str):
        return {"value": value} if value.strip() else None
    return value


def normalize_patch(body: bytes) -> bytes:
    """The PATCH body with a bare manager id made a complex value; anything else unchanged."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body  # scim2-server answers invalidSyntax
    if not isinstance(payload, dict):
        return body
    operations = next(
        (value for key, value in payload.items() if key.casefold() == "operations"), None
    )
    if not isinstance(operations, list):
        return body
    changed = False
    for operation in operations:
        if not isinstance(operation, dict):
            continue
        path = operation.get("path")
        if isinstance(path, str) and path.casefold() == MANAGER and "value" in operation:
            new = _manager(operation["value"])
            if new is None:
                operation["op"] = "remove"
                operation.pop("value")
            else:
                operation["value"] = new
            changed = True
        elif path is None and isinstance(operation.get("value"), dict):
            for key in list(operation["value"]):
                if key.casefold() == MANAGER:
                    operation["value"][key] = _manager(operation["value"][key])
                    changed = True
    return json.dumps(payload).encode() if changed else body


def default_active(body: bytes) -> bytes:
    """A User creation without "active" creates an active person (the schema has it
    required, since a person is always active or not, and most directories send it)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    if not isinstance(payload, dict) or any(key.casefold() == "active" for key in payload):
        return body
    payload["active"] = True
    return json.dumps(payload).encode()
