"""The cells of a CSV export computed by the database (lms.core.exports.database_rows).

A whole-company export has tens of thousands of rows of nine cells. Converting each value
in Python (Django's converters, then ours: labels, local time, the formula guard) cost
about 13 µs a row, so the file came out at 70,000 rows a second. Here the SELECT itself
yields the finished cells, in the request's language, and the rows go from the cursor to
the CSV writer as they are:

- text is neutralised like ``exports.safe_cell`` (an apostrophe in front of text that
  starts like a formula, also after leading apostrophes);
- codes become their labels, yes/no its words, numbers stay numbers (decimals get the
  language's separator);
- dates and times are formatted in the language's way, times in local time
  (settings.TIME_ZONE): PostgreSQL with ``AT TIME ZONE`` and ``to_char``; SQLite has no
  time zones, so ``lms_local_time``, a function registered on each SQLite connection,
  converts a stored UTC minute once (memoised: a sign-off campaign has many rows in the
  same minute).

The same formatting as the Python converters, checked cell by cell against them in
tests/test_export_cells.py.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Case, CharField, Expression, Func, TextField, Value, When
from django.db.models.functions import Cast, Replace
from django.db.models.lookups import Exact, IsNull

QUOTE = "'"

# strftime formats of lms.core.exports.DIALECTS and their PostgreSQL to_char twins.
_TO_CHAR = {
    "%d.%m.%Y": "DD.MM.YYYY",
    "%Y-%m-%d": "YYYY-MM-DD",
    "%d.%m.%Y %H:%M": "DD.MM.YYYY HH24:MI",
    "%Y-%m-%d %H:%M": "YYYY-MM-DD HH24:MI",
}


class SafeText(Func):
    """The text, an apostrophe in front where it would start a formula; NULL as ''.

    Text whose first byte is ``A`` or above (letters, digits excluded, and everything
    beyond ASCII) cannot start a formula and is taken as it is, by one comparison of
    bytes (PostgreSQL: in the "C" collation, which compares bytes; a language's collation
    would skip the punctuation). The rest gets the full check of exports.safe_cell: the
    first character after any leading apostrophes."""

    output_field = TextField()

    def _sql(self, compiler, *, collate: str, tab: str, carriage_return: str):
        sql, params = compiler.compile(self.source_expressions[0])
        starts = ", ".join(["%s"] * 4 + [tab, carriage_return])
        return (
            f"CASE WHEN ({sql}){collate} >= 'A' THEN ({sql})"
            f" WHEN substr(ltrim(({sql}), %s), 1, 1) IN ({starts}) THEN %s || ({sql})"
            f" ELSE coalesce(({sql}), '') END",
            (*params, *params, *params, QUOTE, "=", "+", "-", "@", QUOTE, *params, *params),
        )

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover (per vendor)
        raise NotImplementedError(f"SafeText has no SQL for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        return self._sql(compiler, collate="", tab="char(9)", carriage_return="char(13)")

    def as_postgresql(self, compiler, connection, **extra_context):
        return self._sql(compiler, collate=' COLLATE "C"', tab="chr(9)", carriage_return="chr(13)")


def safe_text(expression: Any) -> Expression:
    return SafeText(expression)


def label(expression: Any, labels: Mapping[str, str], *, source: Any = None) -> Expression:
    """A code as its label; an unknown code (ours, never a formula) as itself.

    ``source``: the annotation behind ``expression``; a CASE whose outcomes are all
    constants gets its labels in place of its codes, so the code is not compared again."""
    relabeled = _relabeled(source, lambda code: labels.get(code) or code)
    if relabeled is not None:
        return relabeled
    whens = [
        When(Exact(expression, Value(code)), then=Value(text)) for code, text in labels.items()
    ]
    return Case(*whens, default=expression, output_field=TextField())


def yes_no(
    expression: Any, *, yes: str, no: str, source: Any = None, boolean: bool = False
) -> Expression:
    """Truthy as ``yes``; 0, false and NULL as ``no`` (as exports.YES_NO reads truthiness).
    ``source`` as for label(); ``boolean``: the expression is a boolean, not a number
    (PostgreSQL compares a boolean with false, not with 0)."""
    relabeled = _relabeled(source, lambda value: yes if value else no)
    if relabeled is not None:
        return relabeled
    return Case(
        When(IsNull(expression, True), then=Value(no)),
        When(Exact(expression, False if boolean else 0), then=Value(no)),
        default=Value(yes),
        output_field=TextField(),
    )


def _relabeled(source: Any, outcome: Callable[[Any], str]) -> Case | None:
    if not isinstance(source, Case):
        return None
    results = [when.result for when in source.cases] + [source.default]
    if not all(isinstance(result, Value) for result in results):
        return None
    relabeled = source.copy()
    relabeled.cases = []
    for when in source.cases:
        copied = when.copy()
        copied.result = Value(outcome(when.result.value))
        relabeled.cases.append(copied)
    relabeled.default = Value(outcome(source.default.value))
    relabeled.output_field = TextField()
    return relabeled


def decimal_number(expression: Any, *, decimal: str) -> Expression:
    """A number that is not an integer, as text with the language's decimal separator."""
    if decimal == ".":
        return expression
    return Replace(Cast(expression, CharField()), Value("."), Value(decimal))


class LocalTime(Func):
    """A datetime as text in local time, formatted with a strftime format of DIALECTS."""

    output_field = TextField()

    def __init__(self, expression, *, tzname: str, strftime: str, **extra):
        self.tzname, self.strftime = tzname, strftime
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover (per vendor)
        raise NotImplementedError(f"LocalTime has no SQL for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"lms_local_time({sql}, %s, %s)", (*params, self.tzname, self.strftime)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        pattern = _TO_CHAR[self.strftime]
        return f"to_char(({sql}) AT TIME ZONE %s, %s)", (*params, self.tzname, pattern)


class LocalDate(Func):
    """A date as text, formatted with a strftime format of DIALECTS."""

    output_field = TextField()

    def __init__(self, expression, *, strftime: str, **extra):
        self.strftime = strftime
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover (per vendor)
        raise NotImplementedError(f"LocalDate has no SQL for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime(%s, {sql})", (self.strftime, *params)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, %s)", (*params, _TO_CHAR[self.strftime])


# --- SQLite: local time by a registered function -----------------------------------------


@functools.lru_cache(maxsize=8192)
def _local_minute(utc_minute: str, tzname: str, strftime: str) -> str:
    moment = datetime.datetime.fromisoformat(utc_minute).replace(tzinfo=datetime.UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(tzname)).strftime(strftime)


def _sqlite_local_time(value, tzname, strftime):
    if value is None:
        return None
    # Stored as "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; the formats show minutes only.
    return _local_minute(str(value)[:16], tzname, strftime)


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "lms_local_time", 3, _sqlite_local_time, deterministic=True
        )


def register() -> None:
    connection_created.connect(_register_sqlite_functions, dispatch_uid="lms_export_sql")
