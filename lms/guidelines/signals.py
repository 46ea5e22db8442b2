from django.dispatch import receiver
from wagtail.signals import page_published

from lms.guidelines.models import GuidelinePage


@receiver(page_published)
def record_guideline_version(sender, instance, revision=None, **kwargs):
    if not isinstance(instance, GuidelinePage):
        return
    from lms.guidelines.services import record_published_version

    record_published_version(document=instance, revision=revision)
