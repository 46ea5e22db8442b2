"""Settings mistakes that would lock people out, reported by ``manage.py check``."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from lms.people import roles
from lms.sso import provider

KNOWN_ROLES = {*roles.ALL_GROUPS, roles.LEADERSHIP, roles.GUIDELINE_APPROVERS}


@register("sso")
def company_sign_in_settings(app_configs=None, **kwargs):
    problems = []
    unknown = sorted(set(settings.LMS_OIDC_GROUP_ROLES.values()) - KNOWN_ROLES)
    if unknown:
        problems.append(
            Error(
                f"LMS_OIDC_GROUP_ROLES names roles that do not exist: {', '.join(unknown)}.",
                hint=f"Use one of: {', '.join(sorted(KNOWN_ROLES))}.",
                id="sso.E001",
            )
        )
    if not settings.LMS_PASSWORD_LOGIN and not provider.enabled():
        problems.append(
            Error(
                "LMS_PASSWORD_LOGIN is off but single sign-on is not configured: only "
                "LMS_PASSWORD_LOGIN_USERS could sign in.",
                hint="Set OIDC_ISSUER and OIDC_CLIENT_ID, or leave LMS_PASSWORD_LOGIN on.",
                id="sso.E002",
            )
        )
    if not settings.LMS_PASSWORD_LOGIN and not settings.LMS_PASSWORD_LOGIN_USERS:
        problems.append(
            Warning(
                "Local passwords are off and LMS_PASSWORD_LOGIN_USERS is empty: nobody can "
                "sign in when the company's sign-in service is down.",
                hint="Name a break-glass administrator in LMS_PASSWORD_LOGIN_USERS.",
                id="sso.W001",
            )
        )
    if provider.enabled() and not settings.OIDC_CLIENT_SECRET:
        problems.append(Error("OIDC_CLIENT_ID is set without OIDC_CLIENT_SECRET.", id="sso.E003"))
    return problems


@register("sso", deploy=True)
def company_sign_in_over_https(app_configs=None, **kwargs):
    if provider.enabled() and not settings.OIDC_ISSUER.startswith("https://"):
        return [
            Warning(
                "OIDC_ISSUER is not an https:// address: codes, tokens and the client secret "
                "would cross the network unencrypted.",
                hint="Use the provider's https:// issuer URL.",
                id="sso.W002",
            )
        ]
    return []
