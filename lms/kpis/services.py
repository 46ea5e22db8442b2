"""Issuing and revoking the tokens that CRM and HR systems send KPI records with."""

from __future__ import annotations

from wagtail.log_actions import log
from wagtail.models import APIToken

from lms.kpis.models import IntegrationToken
from lms.people.models import User


def issue_token(*, name: str, user: User, by: User) -> tuple[APIToken, str]:
    """A new API token for a service user, logged as Wagtail's own admin logs it.

    Returns the token and its plaintext, which is not stored anywhere.
    """
    token, plaintext = APIToken.create_token(user=user, name=name)
    log(token, "wagtail.apitoken.create", user=by)
    return token, plaintext


def revoke_token(token: APIToken, *, by: User) -> bool:
    """Revoke ``token``; False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoke()
    log(token, "wagtail.apitoken.revoke", user=by)
    return True


def deactivate_legacy_token(token: IntegrationToken) -> bool:
    """Deactivate a token of the previous release; False if it already was."""
    if not token.active:
        return False
    token.active = False
    token.save(update_fields=["active"])
    return True
