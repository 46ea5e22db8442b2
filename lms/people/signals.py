"""Keep the Wagtail profile's language equal to the account language (see services.py)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from wagtail.users.models import UserProfile

from lms.core.learner_cache import invalidate_learner_on
from lms.people import services
from lms.people.models import User

# The account (name, department, ...) shows on the learner's cached pages.
invalidate_learner_on(User, learner_field="pk")


@receiver(post_save, sender=User)
def copy_language_to_admin_profile(sender, instance, raw=False, update_fields=None, **kwargs):
    # Logins save only last_login; skip the extra query when the language cannot have changed.
    if raw or (update_fields is not None and "language" not in update_fields):
        return
    services.copy_language_to_admin_profile(user=instance)


@receiver(pre_save, sender=UserProfile)
def take_language_from_admin_profile(sender, instance, raw=False, **kwargs):
    if raw:
        return
    services.take_language_from_admin_profile(profile=instance)
