"""A token of the course content, changed in the same transaction as every content write.

Pages a learner reads often (the dashboard) build what they show from two parts: the
learner's own rows, read fresh in one query, and the content (course titles and URLs,
modules, recommendations), kept in each process's memory under this token. The token is
read inside the learner's query (`token_value()` as one of its columns), so another
process's content change shows at the next request: nothing is read from a cache without
a version the page read from the database anyway.

Which writes change the content: `lms.core.learner_cache.content_changed` calls `bump()`
(pages published, unpublished, moved, saved or deleted; the models apps register with
`invalidate_content_on`).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import TypeVar

from django.db.models import BigIntegerField, Subquery

from lms.core.models import ContentVersion

T = TypeVar("T")

ROW_ID = 1
# Per process: {name: (token, value)}; a lock only so two threads do not build the same.
_memory: dict[str, tuple[int, object]] = {}
_lock = threading.Lock()


def bump(*args, **kwargs) -> None:
    """A new token, in the current transaction (a signal receiver)."""
    token = secrets.randbits(62)
    if not ContentVersion.objects.filter(pk=ROW_ID).update(token=token):
        ContentVersion.objects.update_or_create(pk=ROW_ID, defaults={"token": token})


def token_value() -> Subquery:
    """The token as an expression, to select as a column of a query the page makes."""
    return Subquery(
        ContentVersion.objects.filter(pk=ROW_ID).values("token")[:1],
        output_field=BigIntegerField(),
    )


def current_token() -> int | None:
    """The token as it is now (the start-up's warm-up; pages read it in their query)."""
    return ContentVersion.objects.filter(pk=ROW_ID).values_list("token", flat=True).first()


def remembered(name: str, *, token: int | None, compute: Callable[[], T]) -> T:
    """`compute()`, kept in this process while the content token is `token`."""
    if token is None:  # no row yet: nothing to validate against
        return compute()
    entry = _memory.get(name)
    if entry is not None and entry[0] == token:
        return entry[1]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _memory[name] = (token, value)
    return value


# Per process: the HTML fragments of the current token, {key: html}; dropped whole when a
# request reads another token. In this process's memory rather than the cache: a card per
# course and language would crowd the memory cache's entries (and its version keys) out.
_fragments: dict[str, str] = {}
_fragments_token: list[int | None] = [None]
MAX_FRAGMENTS = 2_000


def fragment(key: str, *, token: int | None, compute: Callable[[], str]) -> str:
    """A piece of HTML that depends on the content only (never on who reads it), kept in
    this process under `token` as the page read it: a new token (a publish) drops every
    earlier fragment. `key` names everything else it depends on: what it shows, the
    language, the site."""
    if token is None:
        return compute()
    if _fragments_token[0] != token:
        with _lock:
            _fragments.clear()
            _fragments_token[0] = token
    html = _fragments.get(key)
    if html is None:
        html = compute()
        with _lock:
            if _fragments_token[0] == token and len(_fragments) < MAX_FRAGMENTS:
                _fragments[key] = html
    return html


def forget() -> None:
    """Drop what this process kept (tests; a rolled-back test restores an old token)."""
    _memory.clear()
    _fragments.clear()
    _fragments_token[0] = None
