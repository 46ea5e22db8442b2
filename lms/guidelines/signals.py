from django.dispatch import receiver
from wagtail.signals import page_published

from lms.guidelines.models import GuidelinePage


@receiver(page_published)
def record_guideline_version(sender, instance, revision=None, **kwargs):
    if not isinstance(instance, GuidelinePage):
        return
    from lms.guidelines.services import record_published_version

    record_published_version(document=instance, revision=revision)


def _connect_invalidation() -> None:
    """Any change to a document, its versions or its audience invalidates the cached list
    of published documents (lms.guidelines.selectors.published_documents)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_unpublished, post_page_move

    from lms.caching import on_writes
    from lms.guidelines.models import GuidelineVersion
    from lms.guidelines.selectors import guideline_documents

    on_writes(
        guideline_documents.bump,
        GuidelinePage,
        GuidelineVersion,
        uid="guidelines-documents",
        signals=(page_published, page_unpublished, post_page_move, post_save, post_delete),
    )


_connect_invalidation()
