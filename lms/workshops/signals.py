"""What workshops tell the rest of the site, and how the learner cache follows them."""

from __future__ import annotations

from django.dispatch import Signal

from courses import learner_cache
from lms.caching import on_writes

# Sent once the attendance of a session is committed (sender: Booking, session=...).
# Attendance is written in bulk, which sends no post_save: who aggregates attended
# workshops (rollout evidence, award points) listens to this instead.
attendance_marked = Signal()


def _booking_written(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        learner_cache.learner_changed(instance.user_id)


def connect() -> None:
    from lms.workshops.models import Booking, WorkshopSession

    # A booking changes its person's pages; a session (its dates, seats, cancellation)
    # changes every learner's view of the workshop.
    on_writes(_booking_written, Booking, uid="learner-cache")
    on_writes(learner_cache.content_changed, WorkshopSession, uid="learner-cache")
