"""Security headers that depend on where a response comes from."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse


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
        return parts
