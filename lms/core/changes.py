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
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# Sent with sender=<the model class whose rows changed>, after the commit.
data_changed = Signal()


def rows_changed(model: type) -> None:
    """Tell the aggregators that rows of `model` changed without a model signal."""
    transaction.on_commit(lambda: data_changed.send(sender=model))
