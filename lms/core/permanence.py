"""Permanent records: rows the database itself refuses to change or delete.

Sign-offs and the guideline versions they point to are evidence in labour-law disputes,
so the rule is held by database triggers (lms/guidelines/migrations/0005), not only by
the ORM: on PostgreSQL and SQLite alike, UPDATE of a sign-off and of a version's content
is always refused, and DELETE (and TRUNCATE on PostgreSQL) is refused unless the same
transaction holds an erasure permit, a row in the table below.

`erasure_permit` is the only way to grant one. It is for the two lawful ways such a row
goes away: erasing a person once the law requires it (an explicit, logged step naming
the reason, e.g. lms.guidelines.services.erase_signoffs) and resetting a whole database
(`manage.py flush`, which the test suite also runs after each transactional test). The
permit lives only inside its transaction: it is deleted before the transaction commits
and rolls back with it, and on PostgreSQL the triggers also check that it was granted by
the current transaction, so a permit can never be left standing for later statements.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

PERMIT_TABLE = "lms_erasure_permit"

logger = logging.getLogger(__name__)


@contextmanager
def erasure_permit(*, reason: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let the statements in the block delete permanent records; `reason` is logged."""
    reason = reason.strip()
    if not reason:
        raise ValueError("An erasure permit needs a reason.")
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (reason) VALUES (%s) RETURNING id", [reason])
        (permit_id,) = cursor.fetchone()
        logger.warning("Erasure permit %s granted: %s", permit_id, reason)
        yield
        cursor.execute(f"DELETE FROM {PERMIT_TABLE} WHERE id = %s", [permit_id])


def permit_table_exists(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """False before the migration that creates the table (and its triggers) has run."""
    return PERMIT_TABLE in connections[using].introspection.table_names()
