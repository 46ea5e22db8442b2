"""CSV downloads, streamed: a company-wide export has tens of thousands of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils.cache import add_never_cache_headers

ROWS_PER_CHUNK = 1000


def _chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    buffer = io.StringIO()
    # Excel opens UTF-8 with umlauts correctly only with a byte order mark.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
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
