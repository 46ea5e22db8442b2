"""The write-only KPI endpoint for CRM and HR systems: ``POST /api/kpis/``, on django-ninja.

Clients authenticate with ``Authorization: Bearer <token>``: a Wagtail API token
(``wagtail.models.APIToken``, Settings › API tokens, or KPIs › Integration tokens) whose user
holds the permission ``kpis.submit_kpis`` (the group "KPI integrations" has it), or, for one
release, an integration token issued before (lms/kpis/models.py IntegrationToken). No token
gets 401; an unknown or revoked token, an inactive user's token or a token whose user lacks
the permission 403 (as in the previous release). The body is JSON: a list of records or ``{"records": [...]}`` (see
lms/kpis/importers.py). All records are stored, or none.

Rate limits (lms/core/throttling.py, settings API_FAILED_AUTH_RATE and API_TOKEN_RATE): a client
address that named unknown or revoked tokens too often gets 429 for all its requests until
its window ends, whatever token it sends, so guessing tokens learns nothing; a valid token
that sends too many requests gets 429 too. Both carry Retry-After.

The OpenAPI schema is at ``/api/openapi.json`` and the interactive documentation (Swagger
UI, served from django-ninja's own static files, nothing from other hosts) at ``/api/docs``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI, Schema
from ninja.openapi.docs import Swagger
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from lms.core import throttling
from lms.kpis.importers import (
    COLUMNS,
    MAX_SOURCE,
    KpiImportError,
    import_kpi_table,
    json_table,
)
from lms.kpis.models import SUBMIT_PERMISSION, IntegrationToken, Metric
from lms.scim import selectors as scim_selectors

MAX_BODY_BYTES = 1024 * 1024


class ApiError(Exception):
    """Ends a request with ``response``; raised where a check fails, answered by the API."""

    def __init__(self, response: JsonResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _space, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _too_many_requests(message: str, seconds: int) -> ApiError:
    response = _error(429, message % {"seconds": seconds}, retry_after=seconds)
    response["Retry-After"] = str(seconds)
    return ApiError(response)


def _check_failed_auth_limit(request: HttpRequest, *, count: bool) -> None:
    seconds = throttling.retry_after(
        request,
        group="api-kpis-failed-auth",
        key=throttling.client_ip(request) or "unknown",
        rate=settings.API_FAILED_AUTH_RATE,
        count=count,
    )
    if seconds:
        raise _too_many_requests(
            ngettext(
                "Too many requests with an unknown or deactivated token came from this address. "
                "Try again in %(seconds)s second.",
                "Too many requests with an unknown or deactivated token came from this address. "
                "Try again in %(seconds)s seconds.",
                seconds,
            ),
            seconds,
        )


def _check_token_limit(request: HttpRequest, *, key: str) -> None:
    seconds = throttling.retry_after(
        request, group="api-kpis-token", key=key, rate=settings.API_TOKEN_RATE, count=True
    )
    if seconds:
        raise _too_many_requests(
            ngettext(
                "This token sent too many requests. Try again in %(seconds)s second.",
                "This token sent too many requests. Try again in %(seconds)s seconds.",
                seconds,
            ),
            seconds,
        )


def _unauthorized(message: str) -> ApiError:
    response = _error(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="kpis"'
    return ApiError(response)


def _legacy_token(raw: str) -> IntegrationToken | None:
    return IntegrationToken.objects.filter(
        token_hash=IntegrationToken.hash(raw), active=True
    ).first()


class KpiTokenAuth(BearerTokenAuth):
    """Wagtail's bearer authentication against APIToken, with the KPI API's own answers.

    Returns the APIToken (or the legacy IntegrationToken), which ninja puts in
    ``request.auth``; every refusal is an ApiError with the JSON body existing clients know.
    """

    def __call__(self, request: HttpRequest) -> APIToken | IntegrationToken:
        _check_failed_auth_limit(request, count=False)
        raw = _bearer_token(request)
        if not raw:
            raise _unauthorized(
                _("Send the integration token in the header “Authorization: Bearer <token>”."),
            )
        # Sets request.user, refuses revoked tokens and inactive users, notes the last use.
        token = self.authenticate(request, raw) or _legacy_token(raw)
        if token is None:
            _check_failed_auth_limit(request, count=True)
            # 403, as this API always answered (clients of the previous release rely on it).
            raise ApiError(_error(403, _("This token is unknown or has been deactivated.")))
        if isinstance(token, APIToken):
            # A SCIM token opens /scim/v2/ only, whatever its user may do.
            if scim_selectors.token_is_scim(token):
                raise ApiError(_error(403, _("A SCIM token cannot send KPI records.")))
            if not token.user.has_perm(SUBMIT_PERMISSION):
                raise ApiError(_error(403, _("This token's user may not send KPI records.")))
            _check_token_limit(request, key=f"apitoken-{token.pk}")
        else:
            _check_token_limit(request, key=str(token.pk))
            IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token


class KpiApi(NinjaAPI):
    """Mounted without a URL namespace, so that ``reverse("api_kpis")`` stays as it was."""

    def get_root_path(self, path_params: dict[str, Any]) -> str:
        return reverse("api-root", kwargs=path_params)


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's static files, with no validator badge from outside."""

    def get_openapi_url(self, api: NinjaAPI, path_params: dict[str, Any]) -> str:
        return reverse("openapi-json", kwargs=path_params)


# --- the schema ---------------------------------------------------------------------------------


class Created(Schema):
    created: int
    unchanged: int


class Problem(Schema):
    position: str
    field: str
    message: str


class ImportFailed(Schema):
    error: str
    errors: list[Problem]


class Refused(Schema):
    error: str


class Throttled(Schema):
    error: str
    retry_after: int


_RECORD = {
    "type": "object",
    "properties": {
        "external_id": {"type": "string", "maxLength": 100},
        "department": {"type": "string", "description": "The department's slug or name."},
        "month": {"type": "string", "pattern": r"^\d{4}-\d{2}(-01)?$", "example": "2025-03"},
        "metric": {"type": "string", "enum": list(Metric.values)},
        "value": {"type": "integer", "minimum": 0, "maximum": 2_147_483_647},
        "employee": {
            "type": "string",
            "description": "The username a lead is attributed to (leads only).",
        },
    },
    "required": [column for column in COLUMNS if column != "employee"],
    "additionalProperties": False,
}
_RECORDS = {"type": "array", "items": _RECORD}
REQUEST_BODY = {
    "required": True,
    "description": "At most 1 MB: a list of records, or an object with a “records” list.",
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    _RECORDS,
                    {
                        "type": "object",
                        "properties": {"records": _RECORDS},
                        "required": ["records"],
                        "additionalProperties": False,
                    },
                ]
            }
        }
    },
}

api = KpiApi(
    title="Bootcamp LMS KPI API",
    version="1.0.0",
    description=(
        "CRM and HR systems send monthly KPI figures (awareness, leads, applications). "
        "Authenticate with a Wagtail API token of a user who holds the permission "
        "“Can send KPI records through the API”."
    ),
    urls_namespace="kpis_api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=LocalSwagger(settings={"validatorUrl": None}),
    auth=KpiTokenAuth(),
)


@api.exception_handler(ApiError)
def _refused(request: HttpRequest, error: ApiError) -> JsonResponse:
    return error.response


@api.post(
    "/kpis/",
    url_name="api_kpis",
    operation_id="submit_kpis",
    summary="Send KPI records",
    description=(
        "Stores every new record, or none: 400 lists every problem by record and field. "
        "A record whose external id is stored with the same values counts as unchanged."
    ),
    response={
        200: Created,
        400: ImportFailed,
        401: Refused,
        403: Refused,
        413: Refused,
        429: Throttled,
    },
    openapi_extra={"requestBody": REQUEST_BODY},
)
def submit_kpis(request: HttpRequest) -> JsonResponse:
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
        table = json_table(body)
        summary = import_kpi_table(table=table, source=request.auth.name[:MAX_SOURCE])
    except KpiImportError as error:
        return _error(400, error.headline, errors=[problem.as_dict() for problem in error.errors])
    return JsonResponse({"created": summary.created, "unchanged": summary.unchanged})
