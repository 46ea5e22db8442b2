"""An id beyond the database's integer range matches no row, through relations too.

Django answers ``Department.objects.filter(pk=10**30)`` with no rows (its integer lookups
check the range), but not a lookup through a foreign key, a page's ``pk`` (``page_ptr``, a
one-to-one key) or ``__in``: there SQLite raises OverflowError ("Python int too large to
convert to SQLite INTEGER"), a 500 for any form field or address that names such an id.
``register()``, called when Django starts (lms.core's AppConfig, the lowest app), adds the
same check to those lookups on every backend: out of range is "no such row".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In


def _out_of_range(value: Any, field: Any, connection: Any) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    target = getattr(field, "target_field", field)
    try:
        low, high = connection.ops.integer_field_range(target.get_internal_type())
    except KeyError:  # not an integer column
        return False
    return (low is not None and value < low) or (high is not None and value > high)


class RangeCheckedRelatedExact(RelatedExact):
    def process_rhs(self, compiler, connection):
        if not isinstance(self.lhs, ColPairs) and _out_of_range(
            self.rhs, self.lhs.output_field, connection
        ):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class _RangeCheckedInMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and not isinstance(self.lhs, ColPairs):
            field = self.lhs.output_field
            self.rhs = [value for value in self.rhs if not _out_of_range(value, field, connection)]
        return super().process_rhs(compiler, connection)


class RangeCheckedRelatedIn(_RangeCheckedInMixin, RelatedIn):
    pass


class RangeCheckedIntegerIn(_RangeCheckedInMixin, In):
    pass


def register() -> None:
    ForeignObject.register_lookup(RangeCheckedRelatedExact)
    ForeignObject.register_lookup(RangeCheckedRelatedIn)
    IntegerField.register_lookup(RangeCheckedIntegerIn)
