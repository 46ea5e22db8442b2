import os
from ipaddress import ip_address
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, env_bool

# Host names that are never the address people reach the site at (RFC 2606, RFC 6761).
PLACEHOLDER_HOSTS = {"localhost", "example.com", "example.net", "example.org"}
PLACEHOLDER_SUFFIXES = (
    ".localhost",
    ".example",
    ".invalid",
    ".test",
    ".example.com",
    ".example.net",
    ".example.org",
)


def check_public_base_url(value: str) -> str:
    """The URL as given, or ImproperlyConfigured if it cannot be the site's public address."""
    problem = None
    try:
        parts = urlsplit(value.strip())
        scheme, host = parts.scheme, (parts.hostname or "").lower().rstrip(".")
    except ValueError:  # e.g. an unclosed [IPv6 address
        scheme, host = "", ""
    if not value.strip():
        problem = "it is not set"
    elif scheme not in {"http", "https"} or not host:
        problem = f"{value!r} is not an http(s) URL with a host name"
    elif host in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES):
        problem = f"{host!r} is a local or placeholder name"
    else:
        try:
            address = ip_address(host)
        except ValueError:
            address = None
        if address is not None and (address.is_loopback or address.is_unspecified):
            problem = f"{host!r} is this machine, not an address others can reach"
    if problem:
        raise ImproperlyConfigured(
            f"Set WAGTAILADMIN_BASE_URL to the address people reach the site at, e.g. "
            f"https://lms.example-company.de ({problem}). Password reset links, reminder "
            f"e-mails and the admin's links are built from it."
        )
    return value.strip().rstrip("/")


DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set the SECRET_KEY environment variable to a long random value; production "
        "refuses to start without one or with the development key. Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# Links in e-mails (password reset, reminders) and the admin's own absolute URLs are built
# from WAGTAILADMIN_BASE_URL; the development default points at 127.0.0.1.
WAGTAILADMIN_BASE_URL = check_public_base_url(os.environ.get("WAGTAILADMIN_BASE_URL", ""))

# WhiteNoise serves the hashed, compressed static files straight from the app servers.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind the load balancer every request is HTTPS. HTTPS=false is only for serving on
# 127.0.0.1 without TLS (the load test); it turns off redirects, secure cookies and HSTS.
HTTPS = env_bool("HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's live preview shows the page in a same-origin iframe, so DENY would break it.
X_FRAME_OPTIONS = "SAMEORIGIN"

SILENCED_SYSTEM_CHECKS = [
    "security.W019",  # X_FRAME_OPTIONS is SAMEORIGIN on purpose, see above.
    "security.W021",  # HSTS preload is a commitment for the whole domain; opt in with
    # SECURE_HSTS_PRELOAD=true once every subdomain serves HTTPS.
]
