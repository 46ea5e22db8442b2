"""Company sign-in: start (to the provider), callback (back from it), and sign-out.

Every way a sign-in can fail ends on the same page with a reason and a way back, with a
4xx status; nothing is created or changed by a failed sign-in (lms.sso.services).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from lms.sso import provider, services
from lms.sso.backends import CompanySignIn, TokenRefused

logger = logging.getLogger(__name__)

# Sessions restore the person through the role-aware backend, as for a password sign-in.
SESSION_BACKEND = "lms.people.backends.RoleAwareModelBackend"
ID_TOKEN_KEY = "sso_id_token"
# A sign-in started longer ago than this is not finished (the provider's page left open).
STATE_MAX_AGE = 15 * 60


def _messages() -> dict[str, tuple[int, str]]:
    return {
        "off": (404, _("Sign-in with the company account is not set up on this site.")),
        "unavailable": (
            503,
            _(
                "The company sign-in service cannot be reached right now. Please try again in a few minutes."
            ),
        ),
        "access_denied": (
            403,
            _("The sign-in was cancelled or not allowed at the company sign-in service."),
        ),
        "provider_error": (400, _("The company sign-in service reported an error.")),
        "state": (
            400,
            _(
                "This sign-in was not started here, was already used or has expired. "
                "Please start again."
            ),
        ),
        "code": (
            400,
            _("The sign-in code has expired or was already used. Please start again."),
        ),
        "unknown_issuer": (
            400,
            _("The answer did not come from this site's company sign-in service."),
        ),
        "invalid_token": (400, _("The answer of the company sign-in service failed its checks.")),
        services.INACTIVE: (
            403,
            _(
                "This account is deactivated. Please contact your HR department or the platform's administrators."
            ),
        ),
        services.ALREADY_LINKED: (
            409,
            _(
                "The account for this e-mail address or employee ID is already linked to "
                "another company account. Please contact the platform's administrators."
            ),
        ),
        services.AMBIGUOUS: (
            409,
            _(
                "Several accounts have this e-mail address, so none was linked. Please "
                "contact the platform's administrators."
            ),
        ),
        services.NO_SUBJECT: (400, _("The company sign-in service did not say who you are.")),
    }


_TOKEN_REASONS = {
    "unknown_issuer": "unknown_issuer",
    "wrong_audience": "invalid_token",
    "subject_mismatch": "invalid_token",
    "invalid_token": "invalid_token",
    "expired_token": "code",
}


def failed(request, reason: str, detail: str = ""):
    status, message = _messages()[reason]
    logger.warning("Company sign-in refused (%s): %s", reason, detail or message)
    return render(
        request,
        "sso/failed.html",
        {"message": message, "reason": reason, "provider_name": provider.display_name()},
        status=status,
    )


class StartView(OIDCAuthenticationRequestView):
    """To the provider's login, with state, nonce and a PKCE challenge kept in the session."""

    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it reads the endpoint from settings, ours from discovery.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    @staticmethod
    def get_settings(attr, *args):
        values = {
            "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:callback",
            "OIDC_RP_SCOPES": settings.OIDC_SCOPES,
            "OIDC_USE_PKCE": True,
            "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
            "OIDC_USE_NONCE": True,
        }
        if attr in values:
            return values[attr]
        return OIDCAuthenticationRequestView.get_settings(attr, *args)

    def get(self, request):
        if not provider.enabled():
            return failed(request, "off")
        try:
            endpoints = provider.endpoints()
        except provider.DiscoveryError as error:
            return failed(request, "unavailable", str(error))
        self.OIDC_OP_AUTH_ENDPOINT = endpoints.authorization
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request):
        # The provider's pages in the language the person reads this site in.
        return {"ui_locales": request.LANGUAGE_CODE}


start = never_cache(require_GET(StartView.as_view()))


def _pop_state(request) -> dict | None:
    states = request.session.get("oidc_states")
    state = request.GET.get("state", "")
    if not isinstance(states, dict) or state not in states:
        return None
    entry = states.pop(state)
    request.session.modified = True
    if time.time() - entry.get("added_on", 0) > STATE_MAX_AGE:
        return None
    return entry


@never_cache
@require_GET
def callback(request):
    if not provider.enabled():
        return failed(request, "off")
    entry = _pop_state(request)
    if request.GET.get("error"):
        # The provider sent the person back without a code (consent denied, ...).
        error = request.GET["error"]
        reason = (
            "access_denied" if error in ("access_denied", "consent_required") else "provider_error"
        )
        return failed(request, reason, f"{error}: {request.GET.get('error_description', '')}"[:500])
    code = request.GET.get("code", "")
    if entry is None or not code:
        return failed(request, "state")
    try:
        endpoints = provider.endpoints()
        backend = CompanySignIn(endpoints)
        claims = backend.exchange(
            request, code=code, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
    except provider.DiscoveryError as error:
        return failed(request, "unavailable", str(error))
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else 0
        if 400 <= status < 500:
            return failed(request, "code", str(error)[:500])
        return failed(request, "unavailable", str(error)[:500])
    except requests.RequestException as error:
        return failed(request, "unavailable", str(error)[:500])
    except TokenRefused as error:
        return failed(request, _TOKEN_REASONS.get(error.reason, "invalid_token"), str(error))
    except SuspiciousOperation as error:
        return failed(request, "invalid_token", str(error))
    try:
        user = services.sign_in(issuer=endpoints.issuer, claims=claims)
    except services.SignInRefused as refused:
        return failed(request, refused.reason, refused.detail)
    next_url = request.session.pop("oidc_login_next", None) or resolve_url(
        settings.LOGIN_REDIRECT_URL
    )
    auth.login(request, user, backend=SESSION_BACKEND)
    request.session[ID_TOKEN_KEY] = backend.id_token
    return HttpResponseRedirect(next_url)


@require_POST
def logout(request):
    """Sign out here and, after a company sign-in, at the provider too (RP-initiated logout)."""
    id_token = request.session.get(ID_TOKEN_KEY, "")
    auth.logout(request)
    target = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if id_token and provider.enabled():
        try:
            end_session = provider.endpoints().end_session
        except provider.DiscoveryError as error:
            logger.warning("Signed out here only: %s", error)
            end_session = ""
        if end_session:
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "client_id": settings.OIDC_CLIENT_ID,
                    "post_logout_redirect_uri": request.build_absolute_uri(target),
                }
            )
            separator = "&" if "?" in end_session else "?"
            return HttpResponseRedirect(f"{end_session}{separator}{query}")
    return HttpResponseRedirect(target)
