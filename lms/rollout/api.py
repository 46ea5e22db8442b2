"""The write-only KPI endpoint for CRM and HR systems: ``POST /api/kpis/``.

Clients authenticate with ``Authorization: Bearer <token>``, a token issued in the admin
(Rollout › Integration tokens); only its SHA-256 hash is stored, so the lookup is by hash.
The body is JSON: a list of records or ``{"records": [...]}`` (see lms/rollout/kpis.py). All
records are stored, or none.

Rate limits (lms/core/throttling.py, settings API_FAILED_AUTH_RATE and API_TOKEN_RATE): a client
address that named unknown or deactivated tokens too often gets 429 for all its requests
until its window ends, whatever token it sends, so guessing tokens learns nothing; a valid
token that sends too many requests gets 429 too. Both carry Retry-After.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from lms.core import throttling
from lms.rollout.kpis import KpiImportError, import_kpi_records, parse_kpi_json
from lms.rollout.models import IntegrationToken

MAX_BODY_BYTES = 1024 * 1024


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _space, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _too_many_requests(message: str, seconds: int) -> JsonResponse:
    response = _error(429, message % {"seconds": seconds}, retry_after=seconds)
    response["Retry-After"] = str(seconds)
    return response


def _failed_auth_limit(request: HttpRequest, *, count: bool) -> JsonResponse | None:
    seconds = throttling.retry_after(
        request,
        group="api-kpis-failed-auth",
        key=throttling.client_ip(request) or "unknown",
        rate=settings.API_FAILED_AUTH_RATE,
        count=count,
    )
    if not seconds:
        return None
    return _too_many_requests(
        ngettext(
            "Too many requests with an unknown or deactivated token came from this address. "
            "Try again in %(seconds)s second.",
            "Too many requests with an unknown or deactivated token came from this address. "
            "Try again in %(seconds)s seconds.",
            seconds,
        ),
        seconds,
    )


def _token_limit(request: HttpRequest, *, token: IntegrationToken) -> JsonResponse | None:
    seconds = throttling.retry_after(
        request,
        group="api-kpis-token",
        key=str(token.pk),
        rate=settings.API_TOKEN_RATE,
        count=True,
    )
    if not seconds:
        return None
    return _too_many_requests(
        ngettext(
            "This token sent too many requests. Try again in %(seconds)s second.",
            "This token sent too many requests. Try again in %(seconds)s seconds.",
            seconds,
        ),
        seconds,
    )


def _unauthorized() -> JsonResponse:
    response = _error(
        401, _("Send the integration token in the header “Authorization: Bearer <token>”.")
    )
    response["WWW-Authenticate"] = 'Bearer realm="kpis"'
    return response


@csrf_exempt
def kpis(request: HttpRequest) -> JsonResponse | HttpResponseNotAllowed:
    if request.method != "POST":
        # Tokens can only write; there is nothing to read here.
        return HttpResponseNotAllowed(["POST"])
    if limited := _failed_auth_limit(request, count=False):
        return limited
    raw = _bearer_token(request)
    if not raw:
        return _unauthorized()
    token = IntegrationToken.objects.filter(token_hash=IntegrationToken.hash(raw)).first()
    if token is None or not token.active:
        if limited := _failed_auth_limit(request, count=True):
            return limited
        return _error(403, _("This token is unknown or has been deactivated."))
    if limited := _token_limit(request, token=token):
        return limited
    IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())

    too_large = _error(
        413,
        _("The body is larger than %(size)s MB; send the records in smaller batches.")
        % {"size": MAX_BODY_BYTES // (1024 * 1024)},
    )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return too_large
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return too_large

    try:
        records = parse_kpi_json(body)
        summary = import_kpi_records(records=records, source=token.name)
    except KpiImportError as error:
        return _error(400, error.headline, errors=[problem.as_dict() for problem in error.errors])
    return JsonResponse({"created": summary.created, "unchanged": summary.unchanged})
