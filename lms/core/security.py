"""Security headers that depend on where a response comes from."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

# Callables an app above registers (lms.sso: the OpenID provider's sign-out page), each
# returning origins that forms may lead to, e.g. a sign-out form the site answers with a
# redirect to the provider: Chromium applies form-action to redirects after a submit.
_form_action_sources: list[Callable[[], list[str]]] = []


def register_form_action_source(source: Callable[[], list[str]]) -> None:
    if source not in _form_action_sources:
        _form_action_sources.append(source)


def is_admin_path(path_info: str) -> bool:
    """True for the Wagtail admin and everything under it (page previews too)."""
    return path_info.startswith(reverse("wagtailadmin_home"))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp with two policies: the site's strict one (settings.CONTENT_SECURITY_POLICY)
    and the Wagtail admin's (settings.ADMIN_CONTENT_SECURITY_POLICY), which still allows
    what Wagtail 8 itself needs (see the comments in lms/settings/base.py).

    A view's own @csp_update/@csp_replace still apply on top of either policy."""

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and is_admin_path(request.path_info):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        origins = [origin for source in _form_action_sources for origin in source()]
        if origins:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            parts.update = update
        return parts
