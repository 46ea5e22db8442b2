"""Changes to people's accounts.

One language per person: ``User.language`` is the source of truth for the site, for our
emails and for the Wagtail admin. Wagtail reads its own copy,
``UserProfile.preferred_language`` (for the admin pages and for its notification emails,
which are sent outside any request), so that copy is kept equal to ``User.language``:
saving a user copies the language to the profile (lms/people/signals.py), and when the
language is changed in Wagtail's account settings the change is copied back to the user
before the profile is saved. Whichever side is written last wins, and both then agree.
"""

from __future__ import annotations

import logging

from axes.utils import reset as reset_failed_logins
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.people import roles
from lms.people.models import CustomerOrganisation, Department, User

logger = logging.getLogger(__name__)


def site_languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def set_language(*, user: User, language: str) -> bool:
    """Remember the person's language for the site, emails and the admin.

    Returns whether anything changed; an unknown language code changes nothing.
    """
    if language not in site_languages() or user.language == language:
        return False
    user.language = language
    # The post_save signal copies it to the Wagtail profile.
    user.save(update_fields=["language"])
    return True


def update_account(*, user: User, first_name: str, last_name: str, language: str) -> list[str]:
    """A person's own name and language (AccountForm's cleaned values); returns the fields
    that changed, and saves only those."""
    if language not in site_languages():
        raise ValueError(f"Unknown language {language!r}")
    values = {"first_name": first_name, "last_name": last_name, "language": language}
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, values[name])
    if changed:
        # The post_save signal copies a new language to the Wagtail profile.
        user.save(update_fields=changed)
    return changed


def department_named(*, name: str, source: str, match_slug: bool = False) -> Department:
    """The department of this name (whatever its case; runs of spaces count as one), or
    with ``match_slug`` the one whose slug the name gives; created if there is none, with a
    slug of its own. ``source`` says who asked ("scim", "company sign-in") for the log."""
    name = " ".join(name.split())
    department = Department.objects.filter(name__iexact=name).first()
    if department is None and match_slug:
        department = Department.objects.filter(slug=slugify(name)).first()
    if department is not None:
        return department
    base = slugify(name)[:90] or "department"
    slug, number = base, 1
    while Department.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    department = Department.objects.create(name=name[:100], slug=slug)
    logger.info("Department %r created (%s).", department.name, source)
    return department


def set_active(*, user: User, active: bool, source: str) -> bool:
    """Deactivate a leaver (``active=False``) or bring them back; returns whether it changed.

    Nobody is deleted: every record, sign-off and certificate stays. An inactive person cannot
    sign in (Django's backends refuse them) and a session they still hold ends at its next
    request (``RoleAwareModelBackend.get_user``). The User save reaches the apps above, which
    leave inactive people out of team views, assignments, reminders and leaderboards, keep
    their summaries (rollout board, sign-off report) and give a leaver's coming workshop
    seats to the waiting list, all in this one transaction: a receiver that fails leaves
    the person as they were. ``source`` says who did it ("admin", "scim", "hr import", ...)
    for the log.
    """
    if user.is_active == active:
        return False
    with transaction.atomic():
        user.is_active = active
        try:
            user.save(update_fields=["is_active"])
        except BaseException:
            user.is_active = not active
            raise
    logger.info(
        "%s %r (%s).", "Reactivated" if active else "Deactivated", user.get_username(), source
    )
    return True


def copy_language_to_admin_profile(*, user: User) -> None:
    """Give the person's Wagtail profile (if Wagtail created one yet) the account language."""
    from wagtail.users.models import UserProfile

    UserProfile.objects.filter(user_id=user.pk).exclude(preferred_language=user.language).update(
        preferred_language=user.language
    )


def take_language_from_admin_profile(*, profile) -> None:
    """Before a Wagtail profile is saved: its language becomes the account's, or follows it.

    A language chosen in Wagtail's account settings becomes the account language. Anything
    else (a new profile, "use server language", a language the site does not offer) gets
    the account language, so the profile never disagrees with the account.
    """
    user = profile.user
    if profile.preferred_language in site_languages():
        if profile.preferred_language != user.language:
            user.language = profile.preferred_language
            # An update, not save(): saving the user would write the profile again.
            User.objects.filter(pk=user.pk).update(language=user.language)
    else:
        profile.preferred_language = user.language


def unlock_sign_in(*, username: str, ip_address: str | None, unlocked_by: User) -> int:
    """Forget the failed sign-ins of a username from one address (from every address when
    `ip_address` is None), which ends its lockout. Returns the number of rows removed."""
    if not username:
        # django-axes would read an empty username as "any username".
        raise ValueError("unlock_sign_in needs a username")
    removed = reset_failed_logins(username=username, ip=ip_address or None)
    logger.info(
        "Sign-in of %r from %s unlocked by %r (%d failure records removed).",
        username,
        ip_address or "every address",
        unlocked_by.get_username(),
        removed,
    )
    return removed


def create_guest(
    *,
    organisation: CustomerOrganisation,
    email: str,
    first_name: str = "",
    last_name: str = "",
    username: str = "",
    language: str = "",
    password: str | None = None,
) -> User:
    """An external participant of ``organisation``: a guest account in the Guests group.

    The username is the e-mail address unless given. Without ``password`` the account has
    none it can sign in with yet (an invitation sets it). Raises
    django.core.exceptions.ValidationError for an address or username already taken, an
    unknown language, or a guest the constraints refuse (nothing is stored then).
    """
    email = email.strip()
    validate_email(email)
    username = (username or email).strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            _("An account with the username “%(username)s” exists already."),
            code="username_taken",
            params={"username": username},
        )
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _("An account with the e-mail address “%(email)s” exists already."),
            code="email_taken",
            params={"email": email},
        )
    language = language or settings.LANGUAGE_CODE
    if language not in site_languages():
        raise ValidationError(
            _("Unknown language “%(language)s”."), code="language", params={"language": language}
        )
    guest = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=language,
        is_guest=True,
        customer_organisation=organisation,
    )
    if password is None:
        guest.set_unusable_password()
    else:
        guest.set_password(password)
    guest.full_clean(exclude=["password"])
    with transaction.atomic():
        guest.save()
        guest.groups.add(Group.objects.get(name=roles.GUESTS))
    logger.info("Created guest %r of %r.", guest.get_username(), organisation.name)
    return guest
