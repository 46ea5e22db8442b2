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
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from lms.people import selectors

# Set by the login forms once they show the lockout as their error.
SHOWN_ON_FORM = "lms_lockout_shown"


# django-axes stores the username of a failed sign-in in a column of 255 characters and
# cuts every other value it stores, but not this one: a longer username (it names nobody,
# usernames have at most 150) would end the sign-in in a database error on PostgreSQL.
AXES_USERNAME_LENGTH = 255


def sign_in_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """The username django-axes counts a sign-in under (AXES_USERNAME_CALLABLE): the one
    given, as axes reads it, cut to the length its table holds."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    elif request is not None:
        username = getattr(request, "data", request.POST).get(field)
    else:
        username = None
    return None if username is None else str(username)[:AXES_USERNAME_LENGTH]


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
