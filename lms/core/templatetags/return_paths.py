"""Where a form or a link sends the visitor back to: this page's address."""

from django import template
from django.http import HttpRequest

register = template.Library()

# Longer than any address of the site's own filters and pages; browsers and proxies often
# stop at about 2,000 characters.
MAX_RETURN_PATH = 2000


@register.filter
def return_path(request: HttpRequest) -> str:
    """The page's path with its query string, to come back to after a form or the sign-in
    (language switch, log in, mark as read, remind). Only the path when the whole is longer
    than MAX_RETURN_PATH: a page repeats it once per form, and a query string of a
    megabyte would otherwise come back a megabyte per form (twenty times on a list of
    twenty notifications)."""
    full = request.get_full_path()
    return full if len(full) <= MAX_RETURN_PATH else request.path
