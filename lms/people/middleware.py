from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from wagtail.models import Page

from lms.people import guest_access


class UserLanguageMiddleware:
    """Logged-in people see the site in the language saved on their account.

    Runs after LocaleMiddleware and AuthenticationMiddleware; visitors keep the
    language from the cookie or the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # The admin too: Wagtail prefers the profile's copy of this language (kept equal by
        # lms.people.services) and falls back to the active one where there is no profile yet.
        if user is not None and user.is_authenticated:
            language = user.language
            if language and language != request.LANGUAGE_CODE:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class GuestAccessMiddleware:
    """Default deny for guests: every URL a signed-in guest asks for is a 404 unless its app
    allowed it (lms.people.guest_access). A 404, not a 403: a guest does not learn which
    internal pages exist. Wagtail pages need the page's own opt-in; the site root sends a
    guest to their start page.

    After AuthenticationMiddleware (and UserLanguageMiddleware, which loaded the user:
    for employees and visitors this costs no query).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "is_guest", False):
            return None
        match = request.resolver_match
        if match is not None and guest_access.is_allowed(match):
            return None
        if match is not None and match.view_name == "wagtail_serve":
            path = view_args[0] if view_args else view_kwargs.get("path", "")
            if not path.strip("/"):
                return redirect("guest_home")
            # Routed once: Wagtail's serve view reuses the result kept on the request.
            page = Page.find_for_request(request, path)
            if page is not None and guest_access.page_allows_guest(page, request):
                return None
        raise Http404
