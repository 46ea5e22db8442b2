"""One shape for a learner's rows from several apps, so a page can read them all in one
query (a UNION ALL) while each app keeps its own selector.

An app's selector turns its queryset into rows with `rows(queryset, kind=..., pk=...,
...)`; the columns it does not name are NULL. The page above unions them with
`union_of(...)` and reads `LearnerRow`s. This module knows no app.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Expression,
    F,
    QuerySet,
    TextField,
    Value,
)

from lms.core.content_version import token_value

COLUMNS = {
    "kind": CharField(),
    "pk": BigIntegerField(),
    "page": BigIntegerField(),
    "other": BigIntegerField(),
    "at": DateTimeField(),
    "until": DateTimeField(),
    "day": DateField(),
    "flag": BooleanField(),
    "text": TextField(),
    "first_name": CharField(),
    "last_name": CharField(),
    "username": CharField(),
}


class LearnerRow(NamedTuple):
    kind: str
    pk: int | None
    page: int | None
    other: int | None
    at: Any
    until: Any
    day: Any
    flag: bool | None
    text: str | None
    first_name: str | None
    last_name: str | None
    username: str | None


def rows(queryset: QuerySet, *, kind: str, **columns: str | Expression) -> QuerySet:
    """`queryset` as rows of COLUMNS: each named column from a field path or an
    expression, the others NULL."""
    unknown = set(columns) - set(COLUMNS) | ({"kind"} & set(columns))
    if unknown:
        raise ValueError(f"Unknown or reserved columns: {sorted(unknown)}")
    values: dict[str, Expression] = {}
    for name, output_field in COLUMNS.items():
        if name == "kind":
            values[f"row_{name}"] = Value(kind, output_field=output_field)
            continue
        source = columns.get(name)
        if source is None:
            values[f"row_{name}"] = Value(None, output_field=output_field)
        elif isinstance(source, str):
            values[f"row_{name}"] = F(source)
        else:
            values[f"row_{name}"] = source
    return queryset.order_by().annotate(**values).values_list(*values)


def content_token_row(queryset: QuerySet) -> QuerySet:
    """A one-row queryset (any table with a row per learner, e.g. the user) carrying
    the content token (lms/core/content_version.py) in the `pk` column."""
    return rows(queryset, kind="content", pk=token_value())


def union_of(*querysets: QuerySet) -> list[LearnerRow]:
    """All rows of the querysets, in one query."""
    first, *rest = querysets
    return [LearnerRow(*row) for row in first.union(*rest, all=True)]
