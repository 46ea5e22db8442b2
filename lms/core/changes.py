"""A lower layer says "these rows changed"; the aggregators above it listen.

Aggregates (the rollout board, the award leaderboard, KPI figures, the home page's
highlights) are computed from many apps' tables and cached (lms.core.caching). The apps
whose rows they read sit below them and must not import them. A write that sends Django's
model signals reaches the aggregators' own receivers (each connects to the models below it
with lms.core.caching.on_writes); a write that sends none (QuerySet.update, bulk_create,
bulk_update) is announced here instead, by the service that makes it:

    Enrollment.objects.filter(...).update(completed_at=now)
    changes.rows_changed(Enrollment)

`data_changed` is then sent once the current transaction has committed (at once outside
one), with the model as sender, so no aggregate is recomputed from uncommitted rows. An
aggregator subscribes in its signals.py:

    data_changed.connect(receiver, dispatch_uid="rollout-data-changed")

A service that knows whose rows it wrote says so (`rows_changed(Enrollment,
user_ids=[...])`): `rows_written` is then sent at once, inside the writer's transaction,
with those ids, for aggregators that keep summary rows and must change them in the same
transaction as the write (the rollout board's tallies).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent with sender=<the model class whose rows changed>, after the commit.
data_changed = Signal()
# Sent with sender=<the model class> and user_ids=[...], at once (inside the transaction).
rows_written = Signal()


def rows_changed(model: type, *, user_ids: Iterable[int] = ()) -> None:
    """Tell the aggregators that rows of `model` changed without a model signal; with
    `user_ids`, whose rows they are."""
    user_ids = sorted(set(user_ids))
    if user_ids:
        rows_written.send(sender=model, user_ids=user_ids)
    transaction.on_commit(lambda: data_changed.send(sender=model))
