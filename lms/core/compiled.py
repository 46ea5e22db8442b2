"""Fixed-shape ORM queries whose SQL is compiled once per process and database.

A page that runs the same query on every request but for a few values (a period's dates,
a course id) pays the ORM's building and compiling of it each time, and for small
queries that costs more than running them. `CompiledQueries` builds such a query once
with placeholder values, compiles it for the database alias (and its vendor), remembers
where each placeholder ended up among the parameters, and from then on runs the SQL with
the caller's values. The rows come back as the ORM would give them: model instances with
their `select_related` relations, or `values_list` tuples, after the database's
converters. What changes the SQL's shape (a list's length, a LIMIT) belongs in the key.

This module knows no app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# Placeholders no real value equals: ids, counts and dates of no row. The number is
# positive and within 32 bits: Django drops a condition whose value is out of the
# field's range (a negative number against a positive field) from the SQL altogether.
_SENTINEL_INT = 982_451_653
_SENTINEL_DATE = date(1001, 1, 1)
_SENTINEL_DATETIME = datetime(1001, 1, 1, 1, 1, 1)


class _Param:
    def __init__(self, index: int, field: Field) -> None:
        self.field = field
        internal = field.get_internal_type()
        # One apart per parameter: a day, a second (whatever the number of parameters).
        if internal == "DateTimeField":
            self.placeholder: Any = _SENTINEL_DATETIME + timedelta(seconds=index)
        elif internal == "DateField":
            self.placeholder = _SENTINEL_DATE + timedelta(days=index)
        elif internal == "TimeField":
            self.placeholder = (_SENTINEL_DATETIME + timedelta(seconds=index)).time()
        else:
            self.placeholder = _SENTINEL_INT + index

    def prepared(self, value: Any, connection) -> Any:
        return self.field.get_db_prep_value(value, connection, prepared=False)


class _Compiled:
    def __init__(self, queryset: QuerySet, params: dict[str, _Param], using: str) -> None:
        connection = connections[using]
        compiler = queryset.query.get_compiler(using=using)
        sql, template = compiler.as_sql()
        self.sql = sql
        self.template = tuple(template)
        self.positions: dict[str, list[int]] = {}
        for name, param in params.items():
            mark = param.prepared(param.placeholder, connection)
            positions = [i for i, value in enumerate(template) if value == mark]
            if not positions:
                raise ValueError(f"The query does not use the parameter {name!r}.")
            self.positions[name] = positions
        self.compiler = compiler
        self.iterable = queryset._iterable_class
        if self.iterable not in (ModelIterable, ValuesListIterable):
            raise ValueError("Only model and values_list() querysets can be compiled.")
        if self.iterable is ModelIterable:
            klass_info = compiler.klass_info
            start = klass_info["select_fields"][0]
            end = klass_info["select_fields"][-1] + 1
            self.model = klass_info["model"]
            self.model_slice = (start, end)
            self.init_list = [column[0].target.attname for column in compiler.select[start:end]]
            self.annotations = list(compiler.annotation_col_map.items())
            self.populators = get_related_populators(klass_info, compiler.select, using)

    def run(self, values: dict[str, Any], params: dict[str, _Param], using: str) -> list:
        connection = connections[using]
        args = list(self.template)
        for name, positions in self.positions.items():
            prepared = params[name].prepared(values[name], connection)
            for position in positions:
                args[position] = prepared
        with connection.cursor() as cursor:
            cursor.execute(self.sql, args)
            rows = cursor.fetchall()
        results = self.compiler.results_iter([rows])
        if self.iterable is ValuesListIterable:
            return [tuple(row) for row in results]
        start, end = self.model_slice
        objects = []
        for row in results:
            instance = self.model.from_db(using, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            objects.append(instance)
        return objects


class CompiledQueries:
    """Queries of one caller, each built by `build(**placeholders)` once per key, database
    alias and vendor, then run with the values of each call.

    `params` names the values the query filters on and their field (which turns a value
    into the database's parameter, as the ORM would): `{"starts_on": (DateField(), day)}`.
    A list of values (`{"members": (IntegerField(), ids)}`, for an `__in`) is one
    parameter per item; `build` gets a list of placeholders, and the list's length is part
    of the key. Everything else the query depends on must be in the key (or fixed).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def run(
        self,
        key: Hashable,
        build: Callable[..., QuerySet],
        *,
        params: dict[str, tuple[Field, Any]],
        using: str = DEFAULT_DB_ALIAS,
    ) -> list:
        # A list is a parameter per item, named "name[index]".
        shape: list[tuple[str, int | None]] = []
        flat: dict[str, tuple[Field, Any]] = {}
        for name, (field, value) in params.items():
            if isinstance(value, list | tuple):
                shape.append((name, len(value)))
                flat.update({f"{name}[{i}]": (field, item) for i, item in enumerate(value)})
            else:
                shape.append((name, None))
                flat[name] = (field, value)
        specs = {
            name: _Param(index, field) for index, (name, (field, _)) in enumerate(flat.items())
        }
        full_key = (key, using, connections[using].vendor, tuple(shape))
        compiled = self._compiled.get(full_key)
        if compiled is None:
            placeholders = {
                name: specs[name].placeholder
                if length is None
                else [specs[f"{name}[{i}]"].placeholder for i in range(length)]
                for name, length in shape
            }
            compiled = _Compiled(build(**placeholders).using(using), specs, using)
            with self._lock:
                self._compiled[full_key] = compiled
        return compiled.run({name: value for name, (_, value) in flat.items()}, specs, using)

    def forget(self) -> None:
        self._compiled.clear()
