from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.signals import page_published, page_unpublished, post_page_move

from lms.core.caching import on_writes
from lms.core.changes import data_changed
from lms.core.learner_cache import invalidate_learner_on
from lms.guidelines import tallies
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.guidelines.selectors import guideline_documents, outstanding_documents_with_quiz
from lms.guidelines.services import record_published_version
from lms.people.models import Department, User
from lms.quizzes.signals import ResultNote, result_notes


@receiver(page_published)
def record_guideline_version(sender, instance, revision=None, **kwargs):
    if not isinstance(instance, GuidelinePage):
        return
    record_published_version(document=instance, revision=revision)


def _connect_invalidation() -> None:
    """Any change to a document, its versions or its audience invalidates the cached list
    of published documents (lms.guidelines.selectors.published_documents); a sign-off
    changes what its signer's cached pages show."""
    on_writes(
        guideline_documents.bump,
        GuidelinePage,
        GuidelineVersion,
        uid="guidelines-documents",
        signals=(page_published, page_unpublished, post_page_move, post_save, post_delete),
    )
    invalidate_learner_on(SignOff, learner_field="user_id")


def _documents_to_accept(sender, sitting, **kwargs) -> list[ResultNote]:
    """After passing a document's comprehension quiz, the result page leads back to the
    document, to accept it (result_notes is sent only for the learner's own passed attempt)."""
    documents = outstanding_documents_with_quiz(user=sitting.user, quiz_id=sitting.quiz_id)
    if not documents:
        return []
    return [
        ResultNote(
            message=_("You passed the comprehension quiz. You can now accept the document:"),
            links=tuple((state.document.title, state.document.url) for state in documents),
        )
    ]


_connect_invalidation()
result_notes.connect(_documents_to_accept, dispatch_uid="guidelines-documents-to-accept")


# --- The sign-off report's summary (lms.guidelines.tallies), in the write's transaction ---

_COUNTED_FIELDS = frozenset({"department", "department_id", "is_active", "is_guest"})


def _stored_person(user_id: int) -> tallies.PersonState:
    row = (
        User._base_manager.filter(pk=user_id)
        .values_list("department_id", "is_active", "is_guest")
        .first()
    )
    return None if row is None else (row[0], tallies.is_counted(active=row[1], guest=row[2]))


@receiver(pre_save, sender=User, dispatch_uid="guidelines-tally-user-before")
def _person_before_save(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not _COUNTED_FIELDS & set(update_fields):
        instance._tally_before = "unchanged"
    elif instance._state.adding or instance.pk is None:
        instance._tally_before = None
    else:
        instance._tally_before = _stored_person(instance.pk)


@receiver(post_save, sender=User, dispatch_uid="guidelines-tally-user-saved")
def _person_saved(sender, instance, created=False, **kwargs):
    before = getattr(instance, "_tally_before", "unchanged")
    instance._tally_before = "unchanged"
    if before == "unchanged":
        return
    tallies.people_changed(
        [
            (
                instance.pk,
                None if created else before,
                (
                    instance.department_id,
                    tallies.is_counted(active=instance.is_active, guest=instance.is_guest),
                ),
            )
        ]
    )


@receiver(pre_delete, sender=User, dispatch_uid="guidelines-tally-user-before-delete")
def _person_before_delete(sender, instance, **kwargs):
    instance._tally_before = _stored_person(instance.pk)


@receiver(post_delete, sender=User, dispatch_uid="guidelines-tally-user-deleted")
def _person_deleted(sender, instance, **kwargs):
    before = getattr(instance, "_tally_before", "unchanged")
    if before != "unchanged":
        tallies.people_changed([(instance.pk, before, None)])


@receiver(post_save, sender=SignOff, dispatch_uid="guidelines-tally-signoff")
def _signoff_recorded(sender, instance, created=False, **kwargs):
    if created:
        tallies.signoff_added(
            user_id=instance.user_id,
            document_id=instance.document_id,
            signoff_id=instance.pk,
            number=instance.version.number,
        )


@receiver(post_delete, sender=SignOff, dispatch_uid="guidelines-tally-signoff-erased")
def _signoff_erased(sender, instance, **kwargs):
    tallies.signoffs_removed(user_id=instance.user_id, document_id=instance.document_id)


@receiver(post_delete, sender=Department, dispatch_uid="guidelines-tally-department")
def _department_deleted(sender, instance, **kwargs):
    tallies.department_removed(department_id=instance.pk)


def _rebuild_after_bulk_write(sender, **kwargs):
    """People, departments or sign-offs written without model signals: count again."""
    if sender in (User, Department, SignOff):
        tallies.rebuild()


data_changed.connect(_rebuild_after_bulk_write, dispatch_uid="guidelines-tally-data-changed")
