from django.utils import translation


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
