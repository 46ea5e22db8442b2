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
        # The admin follows the language set in the Wagtail account settings.
        if user is not None and user.is_authenticated and not request.path.startswith("/admin/"):
            language = user.language
            if language and language != request.LANGUAGE_CODE:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
