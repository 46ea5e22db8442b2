"""CSV downloads, streamed: a company-wide export has tens of thousands of rows.

Every CSV the project writes goes through this module (tests/test_export_safety.py
checks that no other module calls csv.writer), because a spreadsheet runs any cell
that starts like a formula. Names, titles and notes come from imports and from
people's own account pages, so a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with an apostrophe in front (OWASP's
advice on CSV injection): Excel and LibreOffice then show it as text.

Numbers stay numbers: an int, float or Decimal our code writes is not text and is
written as it is, so a real ``-3`` stays a number a spreadsheet can add up. Text that
merely looks like a number (``"-3"``) is neutralised like any other text: write
numbers as numbers.

The apostrophe is reversible: a text cell that already starts with apostrophes
followed by one of those characters gets one more, and ``restore_cell`` takes one
away, so a file exported for editing (quiz questions) imports again unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from django.http import StreamingHttpResponse
from django.utils.cache import add_never_cache_headers

ROWS_PER_CHUNK = 1000

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def _formula_like(text: str) -> bool:
    first = text[:1]
    if first == QUOTE:
        first = text.lstrip(QUOTE)[:1]
    return first in FORMULA_STARTS


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cannot run it: numbers unchanged, text neutralised."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    return QUOTE + text if _formula_like(text) else text


# Text that starts otherwise is written as it is; checked inline, as a company-wide
# export has a few hundred thousand cells.
_MAY_NEED_QUOTE = FORMULA_STARTS | {QUOTE}


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [
        value if value.__class__ is str and value[:1] not in _MAY_NEED_QUOTE else safe_cell(value)
        for value in row
    ]


def restore_cell(text: str) -> str:
    """Undo safe_cell on a cell read back from one of our files."""
    if text[:1] == QUOTE and _formula_like(text):
        return text[1:]
    return text


class SafeWriter:
    """A csv.writer whose cells cannot start a formula; the only CSV writer to use."""

    def __init__(self, file: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(map(safe_row, rows))


def _chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    buffer = io.StringIO()
    # Excel opens UTF-8 with umlauts correctly only with a byte order mark.
    buffer.write("\ufeff")
    writer = SafeWriter(buffer)
    writer.writerow(header)
    rows = iter(rows)
    while batch := list(islice(rows, ROWS_PER_CHUNK)):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header alone: there were no rows
        yield buffer.getvalue()


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A CSV attachment written while it is sent; `rows` is read lazily, chunk by chunk.

    Personal data: no browser or proxy keeps a copy (Cache-Control: no-store, private)."""
    response = StreamingHttpResponse(_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response
