"""The SCIM endpoint, /scim/v2/...: one Django view in front of scim2-server.

The view reads the request (at most 1 MB of body), authenticates the bearer token, applies
the rate limits and hands the request to scim2-server's handler, whose storage is
lms.scim.storage; every answer, errors included, is SCIM JSON (application/scim+json) in
the error schema of RFC 7644 §3.12. CSRF does not apply: no cookie is read, only the token.

Tokens: Wagtail API tokens marked as SCIM tokens (lms.scim.models.ScimToken) whose service
user holds ``scim.provision``. No, an unknown, a revoked or a non-SCIM token (a KPI token)
gets 401; a token whose user lost the permission 403. Like the KPI API, a client address
that sent unknown tokens more than API_FAILED_AUTH_RATE times gets 429 for every request
until its window ends, and a token sending more than SCIM_TOKEN_RATE requests gets 429.
/ServiceProviderConfig needs no token (RFC 7643 §5).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    ForbiddenException,
    InvalidSyntaxException,
    PayloadTooLargeException,
    SCIMException,
    UnauthorizedException,
)
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.routing import Operation
from scim2_server.service import ScimService
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from lms.core import throttling
from lms.core.input_safety import MalformedInput, load_json
from lms.scim import entra, selectors
from lms.scim.schema import PROVIDER
from lms.scim.storage import DjangoStorage

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024


class LmsScimService(ScimService):
    def patch_response(self, base_url, resource, response_parameters) -> ScimResponse:
        """200 with the resource, which RFC 7644 §3.5.2 allows for every PATCH and which
        Entra ID and Okta read back, rather than the 204 scim2-server answers by default."""
        return self.resource_response(
            self.publish(base_url, resource),
            Context.RESOURCE_REPLACEMENT_RESPONSE,
            response_parameters,
        )


SERVICE = LmsScimService(PROVIDER)
HANDLER = ScimHandler(SERVICE, DjangoStorage())


class Throttled(Exception):
    def __init__(self, message: str, seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.seconds = seconds


def _bearer_token(request: HttpRequest) -> str:
    scheme, _space, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _failed_auth_limit(request: HttpRequest, *, count: bool) -> None:
    seconds = throttling.retry_after(
        request,
        group="scim-failed-auth",
        key=throttling.client_ip(request) or "unknown",
        rate=settings.API_FAILED_AUTH_RATE,
        count=count,
    )
    if seconds:
        raise Throttled(
            ngettext(
                "Too many requests with an unknown or revoked token came from this address. "
                "Try again in %(seconds)s second.",
                "Too many requests with an unknown or revoked token came from this address. "
                "Try again in %(seconds)s seconds.",
                seconds,
            )
            % {"seconds": seconds},
            seconds,
        )


def _token_limit(request: HttpRequest, token: APIToken) -> None:
    seconds = throttling.retry_after(
        request,
        group="scim-token",
        key=str(token.pk),
        rate=settings.SCIM_TOKEN_RATE,
        count=True,
    )
    if seconds:
        raise Throttled(
            ngettext(
                "This token sent too many requests. Try again in %(seconds)s second.",
                "This token sent too many requests. Try again in %(seconds)s seconds.",
                seconds,
            )
            % {"seconds": seconds},
            seconds,
        )


def authenticate(request: HttpRequest) -> APIToken:
    """The request's SCIM token, or an UnauthorizedException/ForbiddenException/Throttled."""
    _failed_auth_limit(request, count=False)
    raw = _bearer_token(request)
    if not raw:
        raise UnauthorizedException(
            detail=_("Send a SCIM token in the header “Authorization: Bearer <token>”.")
        )
    # Refuses revoked tokens and inactive users, notes the last use, sets request.user.
    token = BearerTokenAuth().authenticate(request, raw)
    if token is None or not selectors.token_is_scim(token):
        _failed_auth_limit(request, count=True)
        raise UnauthorizedException(detail=_("This token is unknown, revoked or no SCIM token."))
    if not selectors.may_provision(token.user):
        raise ForbiddenException(detail=_("This token's user may not provision people."))
    _token_limit(request, token)
    return token


def _scim_request(request: HttpRequest, path: str, body: bytes) -> ScimRequest:
    base_url = request.build_absolute_uri(reverse("scim_root")).rstrip("/")
    headers = dict(request.headers.items())
    return ScimRequest(
        method=request.method or "GET",
        base_url=base_url,
        path="/" + path.removesuffix(".scim"),
        query={key: request.GET.get(key, "") for key in request.GET},
        headers=headers,
        body=body,
    )


def _response(response: ScimResponse) -> HttpResponse:
    response.headers.setdefault("Cache-Control", "no-store")
    body = b"" if response.body is None else json.dumps(response.body).encode()
    http = HttpResponse(body, status=response.status.value)
    for name, value in response.headers.items():
        http[name] = value
    if response.body is None:
        del http["Content-Type"]
    return http


def _error(status: HTTPStatus, detail: str) -> ScimResponse:
    body = Error(status=status.value, detail=detail).model_dump()
    return ScimResponse(status, body)


def _read_body(request: HttpRequest) -> bytes | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


@csrf_exempt
def scim(request: HttpRequest, path: str = "") -> HttpResponse:
    body = _read_body(request)
    scim_request = _scim_request(request, path, body or b"")
    try:
        target = SERVICE.match(scim_request)
        operation = target.operation
        if operation is not Operation.service_provider_config:
            scim_request.subject = authenticate(request)
        if body is None:
            raise PayloadTooLargeException(
                detail=_("The body is larger than %(size)s MB.")
                % {"size": MAX_BODY_BYTES // (1024 * 1024)}
            )
        if request.method in ("POST", "PUT", "PATCH") and scim_request.body.strip():
            try:
                # NUL, lone surrogates, deep nesting, endless numbers: 400, before any parser.
                load_json(scim_request.body)
            except MalformedInput as error:
                raise InvalidSyntaxException(detail=error.message) from None
        if operation is Operation.patch:
            scim_request.body = entra.normalize_patch(scim_request.body)
        if operation is Operation.create and str(target.endpoint).strip("/") == "Users":
            scim_request.body = entra.default_active(scim_request.body)
        response = HANDLER.handle(scim_request)
    except Throttled as refusal:
        response = _error(HTTPStatus.TOO_MANY_REQUESTS, refusal.message)
        response.headers["Retry-After"] = str(refusal.seconds)
    except SCIMException as exception:
        logger.info("SCIM %s %s: %s %s", request.method, path, exception.status, exception)
        response = SERVICE.error_response(exception)
    except Exception as exception:  # a bug: logged with its traceback, answered in SCIM
        logger.exception("SCIM %s %s failed", request.method, path)
        response = SERVICE.error_response(exception)
    return _response(response)
