"""What workshops tell the rest of the site, and how the learner cache follows them."""

from __future__ import annotations

from django.dispatch import Signal

from lms.core.learner_cache import invalidate_content_on, invalidate_learner_on
from lms.workshops.models import Booking, WorkshopSession

# Sent after the commit that moves a booking up from the waiting list, with
# booking=<Booking> (now booked, promoted_at set).
booking_promoted = Signal()


def connect() -> None:
    # A booking changes its person's pages; a session (its dates, seats, cancellation)
    # changes every learner's view of the workshop.
    invalidate_learner_on(Booking, learner_field="user_id")
    invalidate_content_on(WorkshopSession)
