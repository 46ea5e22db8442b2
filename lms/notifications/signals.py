"""Where notifications come from: the lower apps' signals, connected here."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse

from lms.assignments.events import assignments_created
from lms.assignments.models import Assignment
from lms.guidelines.events import version_published
from lms.guidelines.selectors import employees_in_scope
from lms.notifications.models import Kind
from lms.notifications.services import Event, notify, notify_many
from lms.quizzes.signals import essay_marked
from lms.workshops.signals import booking_promoted


def assignment_event(assignment: Assignment) -> Event:
    item = assignment.item
    return Event(
        recipient=assignment.assignee,
        key=str(assignment.pk),
        params={"title": item.title, "due": assignment.due_date.isoformat()},
        url=item.url or "",
    )


@receiver(post_save, sender=Assignment, dispatch_uid="notifications-assignment-saved")
def assignment_saved(sender, instance: Assignment, created: bool, raw: bool = False, **kwargs):
    # Assignments made one by one (the admin, imports); assign() creates in bulk.
    if created and not raw:
        notify_many(kind=Kind.ASSIGNMENT_RECEIVED, events=[assignment_event(instance)])


@receiver(assignments_created, dispatch_uid="notifications-assignments-created")
def assignments_made(sender, field: str, item_id: int, assignee_ids: list[int], **kwargs):
    assignments = Assignment.objects.filter(
        **{f"{field}_id": item_id}, assignee_id__in=assignee_ids
    ).select_related("assignee", field)
    notify_many(
        kind=Kind.ASSIGNMENT_RECEIVED,
        events=[assignment_event(assignment) for assignment in assignments],
    )


@receiver(essay_marked, dispatch_uid="notifications-essay-marked")
def essay_was_marked(sender, sitting, answer, marker, **kwargs):
    # A later re-marking is news again; the same marking sent twice is not.
    marked_at = answer.marked_at.isoformat() if answer.marked_at else ""
    notify(
        kind=Kind.ESSAY_MARKED,
        recipient=sitting.user,
        key=f"{answer.pk}:{marked_at}",
        params={"title": sitting.quiz.title},
        url=reverse("quizzes:result", args=[sitting.pk]),
    )


@receiver(booking_promoted, dispatch_uid="notifications-booking-promoted")
def booking_was_promoted(sender, booking, **kwargs):
    session = booking.session
    promoted_at = booking.promoted_at.isoformat() if booking.promoted_at else ""
    notify(
        kind=Kind.BOOKING_PROMOTED,
        recipient=booking.user,
        key=f"{booking.pk}:{promoted_at}",
        params={"title": session.workshop.title, "start": session.starts_at.isoformat()},
        url=session.workshop.url or "",
    )


@receiver(version_published, dispatch_uid="notifications-guideline-version")
def guideline_version_published(sender, version, **kwargs):
    document = version.document
    url = document.url or ""
    params = {"title": document.title, "number": version.number}
    notify_many(
        kind=Kind.GUIDELINE_VERSION,
        events=[
            Event(recipient=person, key=str(version.pk), params=params, url=url)
            for person in employees_in_scope(document=document)
        ],
    )
