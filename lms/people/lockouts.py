"""Sign-in lockouts: django-axes counts the failures, this module tells the person.

django-axes (configured by the AXES_* settings) records every failed sign-in in the
database by username and client address, and its backend, first in
AUTHENTICATION_BACKENDS, refuses a locked-out pair before the password is checked. Both
login forms (the site's and the admin's, lms/people/forms.py) then show `lockout_message`
as their error, and AxesMiddleware hands the response to `lockout_response`, which turns
it into a 429 with Retry-After.
"""

from __future__ import annotations

import math

from axes.helpers import get_client_username
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from lms.people import selectors

# Set by the login forms once they show the lockout as their error.
SHOWN_ON_FORM = "lms_lockout_shown"


def lockout_message(*, seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts: this account is locked on this network for "
        "%(minutes)s more minute, even with the right password. Try again later, or ask "
        "an administrator to unlock it.",
        "Too many failed sign-in attempts: this account is locked on this network for "
        "%(minutes)s more minutes, even with the right password. Try again later, or ask "
        "an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def seconds_left(request: HttpRequest, *, username: str | None) -> int:
    return selectors.lockout_seconds_left(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page with its lockout error, as a 429."""
    seconds = seconds_left(request, username=get_client_username(request, credentials))
    # Under ASGI django-axes 8.3.1 passes the credentials where the response belongs.
    if isinstance(original_response, HttpResponse) and getattr(request, SHOWN_ON_FORM, False):
        response = original_response
        response.status_code = 429
    else:
        # A sign-in through some other form: a page of its own rather than its error.
        response = render(
            request, "429.html", {"message": lockout_message(seconds=seconds)}, status=429
        )
    response["Retry-After"] = str(seconds)
    return response
