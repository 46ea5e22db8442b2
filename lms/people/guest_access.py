"""What a signed-in guest may open: nothing, unless the app that owns a page allows it.

Guests (``User.is_guest``: customers' people in a bootcamp) are denied every URL by
``lms.people.middleware.GuestAccessMiddleware`` with a 404, so that a new internal page
is closed to them without anyone remembering to close it. An app whose pages are meant
for guests says so from its ``AppConfig.ready()``::

    from lms.people import guest_access
    guest_access.allow("notifications:profile")     # one URL name
    guest_access.allow_namespace("runs")             # every URL of a namespace

and must then check in its views *which* guest may see *what* (their own runs only).

Wagtail pages (the catch-all ``wagtail_serve``) are denied unless the page says it is for
this guest: a page model opts in with a method ``guest_may_view(self, request) -> bool``
(True lets the guest in; anything else, or no such method, is a 404). No page type of
the product opts in today. The site root sends a guest to their start page
(``guest_home``), which lists what the apps registered with ``register_start_entries``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import ResolverMatch

# A page model's opt-in for guests.
PAGE_OPT_IN = "guest_may_view"

_names: set[str] = set()
_namespaces: set[str] = set()


def allow(*url_names: str) -> None:
    """Open these URL names (with their namespace: "notifications:profile") to guests."""
    for name in url_names:
        if not name or name.endswith(":"):
            raise ValueError(f"Not a URL name: {name!r} (a namespace: allow_namespace)")
        _names.add(name)


def allow_namespace(namespace: str) -> None:
    """Open every URL of a namespace (and the namespaces inside it) to guests."""
    namespace = namespace.strip(":")
    if not namespace:
        raise ValueError("An empty namespace would open every URL")
    _namespaces.add(namespace)


def allowed_names() -> frozenset[str]:
    return frozenset(_names)


def allowed_namespaces() -> frozenset[str]:
    return frozenset(_namespaces)


def is_allowed(match: ResolverMatch) -> bool:
    """Whether a guest may reach the view this URL resolved to."""
    if match.url_name and match.view_name in _names:
        return True
    namespace = match.namespace
    return bool(namespace) and any(
        namespace == allowed or namespace.startswith(allowed + ":") for allowed in _namespaces
    )


def page_allows_guest(page, request: HttpRequest) -> bool:
    """Whether this Wagtail page lets this guest in (its ``guest_may_view`` says True)."""
    check = getattr(page, PAGE_OPT_IN, None)
    return callable(check) and check(request) is True


# --- the guest's start page --------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    email: str = ""


@dataclass(frozen=True)
class StartEntry:
    """One thing a guest takes part in (a bootcamp run), shown on their start page."""

    title: str
    url: str
    detail: str = ""
    contacts: tuple[Contact, ...] = field(default_factory=tuple)


StartEntries = Callable[[HttpRequest], Iterable[StartEntry]]
_start_providers: list[StartEntries] = []


def register_start_entries(provider: StartEntries) -> None:
    """``provider(request)`` lists the guest's entries for the start page (from ready())."""
    if provider not in _start_providers:
        _start_providers.append(provider)


def start_entries(request: HttpRequest) -> list[StartEntry]:
    return [entry for provider in _start_providers for entry in provider(request)]
