"""mozilla-django-oidc's code exchange and ID-token check, with the endpoints of
lms.sso.provider and the checks it leaves to its users.

The library exchanges the code (with the PKCE verifier), fetches the provider's keys and
verifies the ID token's signature and nonce. It does not check who issued the token nor
for whom: ``verify_token`` adds both (``iss`` must be the configured issuer, ``aud`` must
name our client id), and the userinfo answer must be about the same subject as the ID
token (OpenID Connect Core 5.3.2). The backend is called only by the callback view, never
through ``django.contrib.auth.authenticate``: a failed company sign-in is not a failed
password, and must not count towards django-axes' lockouts.
"""

from __future__ import annotations

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify

from lms.sso import provider


class TokenRefused(SuspiciousOperation):
    """The provider's answer fails a check; ``reason`` names which for the error page."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


UNKNOWN_ISSUER = "unknown_issuer"
WRONG_AUDIENCE = "wrong_audience"
SUBJECT_MISMATCH = "subject_mismatch"


class CompanySignIn(OIDCAuthenticationBackend):
    def __init__(self, endpoints: provider.Endpoints):
        # Not the library's __init__: it reads every endpoint from settings.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()
        self.endpoints = endpoints
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.id_token = ""

    def retrieve_matching_jwk(self, token):
        """The provider's key for this token: by its ``kid``, or, for a token without one
        (allowed when the provider publishes a single signing key), that one key.

        The library's own version fails with a KeyError on a key or token without ``kid``.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRefused("invalid_token", str(error)) from error
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        try:
            keys = response.json()["keys"]
        except (ValueError, KeyError, TypeError) as error:
            raise TokenRefused(
                "invalid_token", "The provider's key set is not valid JSON."
            ) from error
        algorithm = header.get("alg")
        candidates = [
            key
            for key in keys
            if isinstance(key, dict)
            and key.get("use", "sig") == "sig"
            and key.get("alg", algorithm) == algorithm
            and ("kid" not in header or key.get("kid") == header["kid"])
        ]
        if len(candidates) != 1:
            raise TokenRefused(
                "invalid_token", f"No single signing key for kid {header.get('kid')!r}."
            )
        try:
            return jwt.PyJWK(candidates[0])
        except jwt.PyJWTError as error:
            raise TokenRefused("invalid_token", str(error)) from error

    def verify_token(self, token, **kwargs):
        try:
            payload = super().verify_token(token, **kwargs)
        except jwt.ExpiredSignatureError as error:
            raise TokenRefused("expired_token", str(error)) from error
        except jwt.PyJWTError as error:
            raise TokenRefused("invalid_token", str(error)) from error
        if str(payload.get("iss", "")).rstrip("/") != self.endpoints.issuer.rstrip("/"):
            raise TokenRefused(UNKNOWN_ISSUER, f"ID token issued by {payload.get('iss')!r}")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise TokenRefused(WRONG_AUDIENCE, f"ID token for {audience!r}")
        return payload

    def exchange(self, request, *, code: str, nonce: str | None, code_verifier: str | None) -> dict:
        """The verified claims for this authorization code: the ID token's, with userinfo's.

        Raises ``requests.HTTPError`` when the provider refuses the code, ``TokenRefused`` or
        the library's ``SuspiciousOperation`` when its answer fails a check.
        """
        self.request = request
        token_request = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": absolutify(request, reverse("sso:callback")),
        }
        if code_verifier is not None:
            token_request["code_verifier"] = code_verifier
        token_info = self.get_token(token_request)
        id_token = token_info.get("id_token")
        access_token = token_info.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise TokenRefused("invalid_token", "The token response has no ID or access token.")
        claims = self.verify_token(id_token, nonce=nonce)
        userinfo = self.get_userinfo(access_token, id_token, claims)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != claims.get("sub"):
            raise TokenRefused(SUBJECT_MISMATCH, "The userinfo answer is about another subject.")
        self.id_token = id_token
        # The ID token's own claims (iss, sub, aud, nonce) win over userinfo's.
        return {**userinfo, **claims}
