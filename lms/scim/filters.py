"""SCIM filters (RFC 7644 §3.4.2.2) as database queries.

scim2-models parses and validates a filter against the schema; this module turns its
syntax tree into a ``Q`` over the people or the groups, so that a search counts and pages
in the database. Every attribute the schemas declare can be filtered on, except ``$ref``
sub-attributes; such a filter, one on an attribute no schema declares, and an ordering
comparison on a string are refused with 400 invalidFilter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from lms.core.input_safety import whole_number
from lms.scim.schema import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA


@dataclass(frozen=True)
class Column:
    lookup: str
    kind: str = "str"  # "str", "bool", "date", "id"
    case_exact: bool = False
    # A string column where "" means absent ("pr" is then "not empty").
    blank_is_absent: bool = True


USER_COLUMNS = {
    f"{USER_SCHEMA}:id": Column("pk", kind="id"),
    f"{USER_SCHEMA}:externalId": Column("scim__external_id", case_exact=True),
    f"{USER_SCHEMA}:userName": Column("username"),
    f"{USER_SCHEMA}:name.givenName": Column("first_name"),
    f"{USER_SCHEMA}:name.familyName": Column("last_name"),
    f"{USER_SCHEMA}:preferredLanguage": Column("language"),
    f"{USER_SCHEMA}:active": Column("is_active", kind="bool"),
    f"{USER_SCHEMA}:emails.value": Column("email"),
    f"{USER_SCHEMA}:emails.type": Column("scim__email_type"),
    f"{USER_SCHEMA}:meta.created": Column("date_joined", kind="date"),
    f"{USER_SCHEMA}:meta.lastModified": Column("scim__modified", kind="date"),
    f"{ENTERPRISE_SCHEMA}:employeeNumber": Column("employee_id"),
    f"{ENTERPRISE_SCHEMA}:department": Column("department__name"),
    f"{ENTERPRISE_SCHEMA}:manager.value": Column("manager_id", kind="id"),
}

GROUP_COLUMNS = {
    f"{GROUP_SCHEMA}:id": Column("pk", kind="id"),
    f"{GROUP_SCHEMA}:externalId": Column("external_id", case_exact=True),
    f"{GROUP_SCHEMA}:displayName": Column("display_name"),
    f"{GROUP_SCHEMA}:meta.created": Column("created", kind="date"),
    f"{GROUP_SCHEMA}:meta.lastModified": Column("modified", kind="date"),
    # Members of a department or of a role: two lookups, either matches.
    f"{GROUP_SCHEMA}:members.value": Column("department__members__pk|role__user__pk", kind="id"),
}

_STRING_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
_ORDER_LOOKUPS = {
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


def _refuse(expression: Any) -> InvalidFilterException:
    return InvalidFilterException(
        detail=_("This filter is not supported here: %(filter)s") % {"filter": expression}
    )


class _Translator:
    def __init__(self, scim_filter: ScimFilter[Any], columns: dict[str, Column]) -> None:
        self.filter = scim_filter
        self.columns = {urn.casefold(): column for urn, column in columns.items()}

    def column(self, attr_path: AttrPath, expression: Any) -> Column:
        binding = self.filter.resolve_comparison(attr_path, strict=True)
        column = self.columns.get(str(binding.urn).casefold()) if binding else None
        if column is None:
            raise _refuse(expression)
        return column

    def visit(self, node: Any) -> Q:
        if isinstance(node, LogicalExpr):
            queries = [self.visit(term) for term in node.terms]
            combined = queries[0]
            for query in queries[1:]:
                combined = combined & query if node.op == LogicalOperator.and_ else combined | query
            return combined
        if isinstance(node, Not):
            return ~self.visit(node.expr)
        if isinstance(node, ValuePath):
            return self.visit(_qualified(node.val_filter, node.attr_path))
        if isinstance(node, Present):
            return self.present(self.column(node.attr_path, node), node)
        if isinstance(node, Comparison):
            return self.compare(self.column(node.attr_path, node), node)
        raise _refuse(node)

    @staticmethod
    def _each(column: Column, lookup: str, value: Any) -> Q:
        query = Q()
        for field in column.lookup.split("|"):
            query |= Q(**{f"{field}__{lookup}": value})
        return query

    def present(self, column: Column, node: Present) -> Q:
        query = self._each(column, "isnull", False)
        if column.kind == "str" and column.blank_is_absent:
            query &= ~self._each(column, "exact", "")
        return query

    def compare(self, column: Column, node: Comparison) -> Q:
        op, value = node.op, node.value
        if op == CompareOperator.ne:
            return ~self.compare(column, Comparison(node.attr_path, CompareOperator.eq, value))
        if column.kind == "bool":
            if op != CompareOperator.eq or not isinstance(value, bool):
                raise _refuse(node)
            return self._each(column, "exact", value)
        if column.kind == "id":
            if op != CompareOperator.eq:
                raise _refuse(node)
            number = whole_number(str(value))
            # An id that is no number matches nobody (not an error: RFC 7644 §3.4.2).
            return Q(pk__in=[]) if number is None else self._each(column, "exact", number)
        if column.kind == "date":
            if op not in _ORDER_LOOKUPS and op != CompareOperator.eq:
                raise _refuse(node)
            moment = value if isinstance(value, datetime) else _datetime(value, node)
            return self._each(column, _ORDER_LOOKUPS.get(op, "exact"), moment)
        if op in _ORDER_LOOKUPS or not isinstance(value, str):
            raise _refuse(node)
        if not _storable(value):
            # A NUL or a lone surrogate (written as \u0000 in the filter) is in no stored
            # value, and PostgreSQL would refuse to compare it.
            return Q(pk__in=[])
        lookup = _STRING_LOOKUPS[op]
        if not column.case_exact:
            lookup = f"i{lookup}"
        return self._each(column, lookup, value)


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _datetime(value: Any, node: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _refuse(node) from None


def _qualified(node: Any, outer: AttrPath) -> Any:
    """The filter inside ``emails[...]`` with its attributes as ``emails.<name>``."""
    if isinstance(node, LogicalExpr):
        return LogicalExpr(node.op, tuple(_qualified(term, outer) for term in node.terms))
    if isinstance(node, Not):
        return Not(_qualified(node.expr, outer))
    if isinstance(node, Comparison | Present):
        path = AttrPath(outer.attr, node.attr_path.attr, uri=outer.uri)
        if isinstance(node, Present):
            return Present(path)
        return Comparison(path, node.op, node.value)
    raise _refuse(node)


def user_query(scim_filter: ScimFilter[Any] | None) -> Q:
    return (
        Q()
        if scim_filter is None
        else _Translator(scim_filter, USER_COLUMNS).visit(scim_filter.ast)
    )


def group_query(scim_filter: ScimFilter[Any] | None) -> Q:
    return (
        Q()
        if scim_filter is None
        else _Translator(scim_filter, GROUP_COLUMNS).visit(scim_filter.ast)
    )
