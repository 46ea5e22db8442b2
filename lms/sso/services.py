"""A sign-in by the company's OpenID provider: find, link or create the person, then bring
their account in line with the provider's claims (lms/sso/claims.py).

People are found by the provider's issuer and stable subject id (``ExternalIdentity``). At a
person's first sign-in the identity is linked, once, to a person imported before (by
employee ID, or else by e-mail address when exactly one active account has it) or a new
person is created. Everything happens in one transaction: a refused sign-in creates,
links and changes nothing.
"""

from __future__ import annotations

import logging
import re

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from lms.people import roles
from lms.people.importers import split_name
from lms.people.models import User
from lms.people.services import department_named, site_languages
from lms.sso import claims as claim_map
from lms.sso.models import ExternalIdentity

logger = logging.getLogger(__name__)

# Reasons a sign-in is refused; the callback view shows a page for each.
INACTIVE = "inactive"
ALREADY_LINKED = "already_linked"
AMBIGUOUS = "ambiguous"
NO_SUBJECT = "no_subject"


class SignInRefused(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


def sign_in(*, issuer: str, claims: dict) -> User:
    """The person these verified claims of ``issuer`` sign in as; raises SignInRefused."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise SignInRefused(NO_SUBJECT)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _sign_in(issuer=issuer, subject=subject, claims=claims)
        except IntegrityError:
            # Two first sign-ins of the same person at once: the other one linked or
            # created the account; the second attempt finds it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _sign_in(*, issuer: str, subject: str, claims: dict) -> User:
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if not user.is_active:
            raise SignInRefused(INACTIVE)
    else:
        user = _imported_person(issuer=issuer, claims=claims)
        if user is None:
            user = _new_person(claims)
        elif not user.is_active:
            raise SignInRefused(INACTIVE)
        ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        logger.info("Company sign-in %s %s linked to %r.", issuer, subject, user.username)
    _update_person(user, claims)
    return user


def _imported_person(*, issuer: str, claims: dict) -> User | None:
    """A person who exists without this identity: by employee ID, else by e-mail. Never a
    guest (a customer's account): the directory's people are employees."""
    employee_id = claim_map.text(claims, "employee_id")
    email = claim_map.text(claims, "email")
    employees = User.objects.filter(is_guest=False)
    person = None
    if employee_id:
        person = employees.filter(employee_id=employee_id).first()
    # An address the provider says it has not verified links nobody.
    if person is None and email and claims.get("email_verified") is not False:
        matches = list(employees.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            raise SignInRefused(AMBIGUOUS, email)
        person = matches[0] if matches else None
    if person is not None and ExternalIdentity.objects.filter(issuer=issuer, user=person).exists():
        # Linked once, to another account at the provider: never moved silently.
        raise SignInRefused(ALREADY_LINKED, person.username)
    return person


_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")


def _new_username(claims: dict) -> str:
    wanted = claim_map.text(claims, "username") or claim_map.text(claims, "email")
    base = _NOT_IN_USERNAME.sub("", wanted)[:140] or "person"
    username, number = base, 1
    while User.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def _new_person(claims: dict) -> User:
    user = User(username=_new_username(claims))
    user.set_unusable_password()
    user.save()
    user.groups.add(*Group.objects.filter(name=roles.EMPLOYEES))
    logger.info("Company sign-in created %r.", user.username)
    return user


def _language(claims: dict) -> str:
    locale = claim_map.text(claims, "language").replace("_", "-").lower()
    for code in (locale, locale.split("-")[0]):
        if code in site_languages():
            return code
    return ""


def _manager(user: User, reference: str) -> User | None:
    manager = User.objects.filter(employee_id=reference).first()
    if manager is None and "@" in reference:
        matches = list(User.objects.filter(email__iexact=reference)[:2])
        manager = matches[0] if len(matches) == 1 else None
    if manager is None or manager.pk == user.pk:
        return None
    # Refuse a reporting loop: the new manager must not report to this person.
    seen, above = {user.pk}, manager
    while above is not None:
        if above.pk in seen:
            logger.warning(
                "Manager %r of %r would close a reporting loop.", reference, user.username
            )
            return None
        seen.add(above.pk)
        above = above.manager
    return manager


def _update_person(user: User, claims: dict) -> None:
    values: dict[str, object] = {}
    first, last = claim_map.text(claims, "first_name"), claim_map.text(claims, "last_name")
    if not (first or last) and claim_map.text(claims, "name"):
        first, last = split_name(claim_map.text(claims, "name"))
    if first:
        values["first_name"] = first[:150]
    if last:
        values["last_name"] = last[:150]
    if email := claim_map.text(claims, "email"):
        values["email"] = email[:254]
    if language := _language(claims):
        values["language"] = language
    employee_id = claim_map.text(claims, "employee_id")[:64]
    if employee_id and employee_id != user.employee_id:
        if User.objects.filter(employee_id=employee_id).exclude(pk=user.pk).exists():
            logger.warning(
                "Employee ID %r of %r belongs to another person.", employee_id, user.username
            )
        else:
            values["employee_id"] = employee_id
    if department := claim_map.text(claims, "department"):
        values["department"] = department_named(
            name=department, source="company sign-in", match_slug=True
        )
    reference = claim_map.text(claims, "manager")
    if reference and (manager := _manager(user, reference)) is not None:
        values["manager"] = manager
    changed = []
    for field, value in values.items():
        current = getattr(user, field)
        if current != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    _update_roles(user, claims)


def _update_roles(user: User, claims: dict) -> None:
    """Roles the directory manages follow its groups; others are left as they are."""
    mapping = claim_map.group_roles()
    if not mapping or claim_map.claim_names()["groups"] not in claims:
        # No groups claim at all (not configured, or Entra ID's "overage" for people in
        # more than 200 groups) says nothing about the roles: they stay as they are.
        return
    managed = set(mapping.values())
    wanted = {mapping[group] for group in claim_map.groups(claims) if group in mapping}
    have = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    if add := wanted - have:
        user.groups.add(*Group.objects.filter(name__in=add))
    if remove := (managed & have) - wanted:
        user.groups.remove(*Group.objects.filter(name__in=remove))
    if add or remove:
        user.known_roles = None
        logger.info(
            "Company sign-in: roles of %r +%s -%s.", user.username, sorted(add), sorted(remove)
        )
