from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.signals import page_published, page_unpublished, post_page_move

from lms.core.caching import on_writes
from lms.core.learner_cache import invalidate_learner_on
from lms.guidelines.models import GuidelinePage, GuidelineVersion, SignOff
from lms.guidelines.selectors import guideline_documents, outstanding_documents_with_quiz
from lms.guidelines.services import record_published_version
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
