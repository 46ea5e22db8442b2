"""The Wagtail profile's language equal to the account language (see services.py); guests kept
out of every role."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext
from wagtail.users.models import UserProfile

from lms.core.learner_cache import invalidate_learner_on
from lms.people import roles, services
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


@receiver(m2m_changed, sender=User.groups.through)
def keep_guests_out_of_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """A guest is in no group but Guests, whoever adds them (the database refuses it too,
    people migration 0008: this names the rule before the write)."""
    if action != "pre_add" or not pk_set:
        return
    if reverse:
        # group.user_set.add(...): instance is the group, pk_set the people.
        if (
            instance.name != roles.GUESTS
            and User.objects.filter(pk__in=pk_set, is_guest=True).exists()
        ):
            raise ValidationError(_guest_role_refusal(), code="guest_role")
        return
    if (
        instance.is_guest
        and Group.objects.filter(pk__in=pk_set).exclude(name=roles.GUESTS).exists()
    ):
        raise ValidationError(_guest_role_refusal(), code="guest_role")


@receiver(m2m_changed, sender=User.user_permissions.through)
def keep_permissions_from_guests(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    guests = (
        User.objects.filter(pk__in=pk_set, is_guest=True).exists() if reverse else instance.is_guest
    )
    if guests:
        raise ValidationError(_guest_role_refusal(), code="guest_role")


def _guest_role_refusal() -> str:
    return gettext("A guest holds no role: they can only be in the group “%(group)s”.") % {
        "group": roles.GUESTS
    }
