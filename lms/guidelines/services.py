"""Write-side rules for guideline versions and sign-offs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lms.core.permanence import erasure_permit
from lms.guidelines.events import version_published
from lms.guidelines.models import (
    GuidelineApproval,
    GuidelinePage,
    GuidelinePublishRefused,
    GuidelineVersion,
    SignOff,
)
from lms.guidelines.selectors import current_version, in_scope
from lms.quizzes.selectors import has_passed

if TYPE_CHECKING:
    from wagtail.models import Revision

    from lms.people.models import User


class SignOffRefused(Exception):
    """The sign-off cannot be recorded; the message says why."""


def publish_initial_text(*, document: GuidelinePage, note: str) -> Revision:
    """Publish the first text of a document that was never published, without review.

    The one documented way around the approval workflow, for documents the system
    installs (seed_bootcamp, benchmark data, tests): it records a system approval with
    the note, so the history says how the text went live. Any later change of the
    document goes through the approval workflow; this refuses to publish it."""
    if not note.strip():
        raise ValueError("A system publish needs a note saying why it skips the review.")
    with transaction.atomic():
        if (
            document.first_published_at
            or GuidelineVersion.objects.filter(document=document).exists()
        ):
            raise GuidelinePublishRefused(
                _(
                    "This document has been published before: changes go through the approval workflow."
                )
            )
        revision = document.save_revision(log_action=False)
        GuidelineApproval.objects.create(
            document=document,
            revision=revision,
            via=GuidelineApproval.Via.SYSTEM,
            note=note.strip(),
        )
        revision.publish(skip_permission_checks=True)
    return revision


def record_published_version(
    *, document: GuidelinePage, revision: Revision | None = None
) -> GuidelineVersion | None:
    """Start a new version on the first publish and on every material change."""
    with transaction.atomic():
        latest = (
            GuidelineVersion.objects.select_for_update()
            .filter(document=document)
            .order_by("-number")
            .first()
        )
        created = None
        if latest is None or document.material_change:
            created = GuidelineVersion.objects.create(
                document=document,
                number=(latest.number + 1) if latest else 1,
                revision=revision,
                content_hash=document.content_hash(),
                snapshot={"title": document.title, "body": document.body.get_prep_value()},
                change_summary=document.change_summary.strip() if latest else "",
                published_by=getattr(revision, "user", None),
            )
            transaction.on_commit(
                partial(version_published.send, sender=GuidelineVersion, version=created)
            )
        if document.material_change or document.change_summary:
            # The flag belongs to this publication only; the next edit starts unticked.
            GuidelinePage.objects.filter(pk=document.pk).update(
                material_change=False, change_summary=""
            )
    return created


def sign(
    *,
    user: User,
    document: GuidelinePage,
    version_id: int,
    recorded_by: User | None = None,
    note: str = "",
) -> tuple[SignOff, bool]:
    """Record that the user accepts the current version. Signing twice records once."""
    if not document.live:
        raise SignOffRefused(_("This document is not published."))
    if not in_scope(document=document, user=user):
        raise SignOffRefused(_("This document does not apply to your department."))
    version = current_version(document=document)
    if version is None or version.pk != version_id:
        raise SignOffRefused(
            _("A newer version of this document has been published. Please read it and sign again.")
        )
    needs_quiz = recorded_by is None and document.quiz_id
    if needs_quiz and not has_passed(user=user, quiz_id=document.quiz_id):
        # A quiz that cannot be taken (a draft, archived) keeps the gate shut.
        if not document.quiz.is_available:
            raise SignOffRefused(
                _(
                    "The comprehension quiz for this document is not available at the moment. "
                    "You can accept the document once it is available again."
                )
            )
        raise SignOffRefused(_("Pass the comprehension quiz before you sign."))
    if recorded_by is not None and not note.strip():
        raise SignOffRefused(_("Write a note saying how the employee accepted the document."))
    existing = SignOff.objects.filter(user=user, version=version).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            signoff = SignOff.objects.create(
                user=user,
                document=document,
                version=version,
                revision_id=document.live_revision_id,
                content_hash=document.content_hash(),
                recorded_by=recorded_by,
                note=note.strip(),
            )
    except IntegrityError:
        return SignOff.objects.get(user=user, version=version), False
    return signoff, True


def erase_signoffs(*, user: User, reason: str) -> int:
    """Delete every sign-off of one person: the only way a sign-off is ever deleted.

    For an erasure the law requires (e.g. GDPR Art. 17 once the retention period for
    labour-law evidence has passed), run by an administrator, never as a cascade. The
    reason is logged with the erasure permit. Returns the number of sign-offs deleted.
    Versions stay: they hold the published text, not personal data.
    """
    with erasure_permit(reason=f"sign-offs of user {user.pk}: {reason}"):
        deleted, _per_model = SignOff._base_manager.filter(user=user).delete()
    return deleted
