"""One shape for a learner's rows from several apps, so a page can read them all in one
query (a UNION ALL) while each app keeps its own selector.

An app's selector turns its queryset into rows with `rows(queryset, kind=..., pk=...,
...)`; the columns it does not name are NULL. The page above unions them with
`union_of(...)` and reads `LearnerRow`s; `PreparedUnion` builds and compiles that
query once per process, since building it with the ORM cost more than running it.
This module knows no app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    Aggregate,
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
from django.db.models.functions import Cast

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
            # Typed: PostgreSQL takes a bare NULL in the first branch for text.
            values[f"row_{name}"] = Cast(Value(None), output_field=output_field)
        elif isinstance(source, str):
            values[f"row_{name}"] = F(source)
        else:
            values[f"row_{name}"] = source
    return queryset.order_by().annotate(**values).values_list(*values)


class IdList(Aggregate):
    """The ids of a group as one text value, comma-separated (`id_set` reads it back): a
    learner's hundred completions as one row of the UNION rather than a hundred rows of
    every column, each converted by the database driver and the ORM."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"  # SQLite's separator is ","
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra_context,
        )


def id_set(text: str | None) -> set[int]:
    """The ids of an `IdList` value."""
    return {int(part) for part in text.split(",")} if text else set()


def content_token_row(queryset: QuerySet) -> QuerySet:
    """A one-row queryset (any table with a row per learner, e.g. the user) carrying
    the content token (lms/core/content_version.py) in the `pk` column."""
    return rows(queryset, kind="content", pk=token_value())


def union_of(*querysets: QuerySet) -> list[LearnerRow]:
    """All rows of the querysets, in one query."""
    first, *rest = querysets
    return [LearnerRow(*row) for row in first.union(*rest, all=True)]


# A user id no row has: the prepared query is compiled for it, then run for the learner.
SENTINEL_USER_ID = -982_451_653


class PreparedUnion:
    """`union_of(*build(user_id))`, compiled once per process and database.

    `build` returns the querysets for a user id; it is called once with a sentinel id,
    and every parameter equal to the sentinel is the learner's id when it runs.
    """

    def __init__(self, build: Callable[[int], list[QuerySet]]) -> None:
        self.build = build
        self._compiled: dict[str, tuple] = {}

    def _compile(self, using: str) -> tuple:
        first, *rest = self.build(SENTINEL_USER_ID)
        compiler = first.union(*rest, all=True).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        positions = [i for i, param in enumerate(params) if param == SENTINEL_USER_ID]
        if not positions:
            raise ValueError("The querysets do not filter on the user id.")
        return sql, tuple(params), positions, compiler, compiler.get_converters(fields)

    def __call__(self, *, user_id: int, using: str = DEFAULT_DB_ALIAS) -> list[LearnerRow]:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, template, positions, compiler, converters = compiled
        params = list(template)
        for position in positions:
            params[position] = user_id
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            results = cursor.fetchall()
        if converters:
            results = compiler.apply_converters(results, converters)
        return [LearnerRow(*row) for row in results]
