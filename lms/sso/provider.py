"""The company's OpenID provider, as configured by the environment (lms/settings/base.py).

Single sign-on is on when ``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` are set. The provider's
endpoints come from its discovery document (``<issuer>/.well-known/openid-configuration``),
read once per process and kept for an hour; an endpoint set explicitly in the settings
(``OIDC_OP_*``) wins. The discovery document must name the configured issuer: a document
that names another is refused, so a wrong URL cannot send people's tokens elsewhere.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DISCOVERY_TTL = 3600.0


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ISSUER", "") and getattr(settings, "OIDC_CLIENT_ID", ""))


def display_name() -> str:
    """The name on the "Sign in with …" button (``OIDC_PROVIDER_NAME``)."""
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or ""


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization: str
    token: str
    userinfo: str
    jwks: str
    end_session: str  # "" when the provider offers no RP-initiated logout


class DiscoveryError(Exception):
    """The provider's discovery document could not be read or does not fit the settings."""


_lock = threading.Lock()
_cache: dict[str, tuple[float, dict]] = {}


def _discovery(issuer: str) -> dict:
    url = getattr(settings, "OIDC_DISCOVERY_URL", "") or (
        issuer.rstrip("/") + "/.well-known/openid-configuration"
    )
    with _lock:
        cached = _cache.get(url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
            return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise DiscoveryError(
            f"The discovery document at {url} could not be read: {error}"
        ) from error
    if not isinstance(document, dict):
        raise DiscoveryError(f"The discovery document at {url} is not a JSON object.")
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise DiscoveryError(
            f"The discovery document at {url} names the issuer {document.get('issuer')!r}, "
            f"not OIDC_ISSUER {issuer!r}."
        )
    with _lock:
        _cache[url] = (time.monotonic(), document)
    return document


def forget_discovery() -> None:
    with _lock:
        _cache.clear()


def endpoints() -> Endpoints:
    """The provider's endpoints; raises DiscoveryError when they cannot be known."""
    if not enabled():
        raise ImproperlyConfigured(
            "Single sign-on is not configured (OIDC_ISSUER, OIDC_CLIENT_ID)."
        )
    issuer = settings.OIDC_ISSUER
    explicit = {
        "authorization": getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", ""),
        "token": getattr(settings, "OIDC_OP_TOKEN_ENDPOINT", ""),
        "userinfo": getattr(settings, "OIDC_OP_USER_ENDPOINT", ""),
        "jwks": getattr(settings, "OIDC_OP_JWKS_ENDPOINT", ""),
        "end_session": getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", ""),
    }
    document: dict = {}
    if not all(explicit[name] for name in ("authorization", "token", "userinfo", "jwks")):
        document = _discovery(issuer)
    names = {
        "authorization": "authorization_endpoint",
        "token": "token_endpoint",
        "userinfo": "userinfo_endpoint",
        "jwks": "jwks_uri",
        "end_session": "end_session_endpoint",
    }
    values = {name: explicit[name] or document.get(key, "") for name, key in names.items()}
    missing = [
        names[name] for name in ("authorization", "token", "userinfo", "jwks") if not values[name]
    ]
    if missing:
        raise DiscoveryError(f"The provider names no {', '.join(missing)}.")
    return Endpoints(issuer=issuer, **values)


def sign_out_origins() -> list[str]:
    """Where the sign-out form may lead: the provider's origin (its end-session page),
    known from the settings alone, without asking the provider."""
    if not enabled():
        return []
    origins = []
    for url in (settings.OIDC_ISSUER, getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", "")):
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))
