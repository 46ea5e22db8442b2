from django.conf import settings

from lms.sso import provider


def company_sign_in(request) -> dict:
    """``company_sign_in``: the "Sign in with …" button's name, or None when SSO is off;
    ``password_login``: whether local passwords are on for everyone (and for a signed-in
    guest, who always has one: customers are not in the company's directory)."""
    user = getattr(request, "user", None)
    guest = user is not None and user.is_authenticated and user.is_guest
    return {
        "company_sign_in": {"name": provider.display_name()} if provider.enabled() else None,
        "password_login": settings.LMS_PASSWORD_LOGIN or guest,
    }
