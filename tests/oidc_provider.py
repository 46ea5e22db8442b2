"""A real OpenID provider on 127.0.0.1 for the sign-in tests: oidc-provider-mock (Authlib
behind Flask) served by werkzeug in a thread of the test process.

It signs its ID tokens with its own RSA key, publishes discovery and keys, checks the
client's redirect URI and the code at its token endpoint, and ends sessions at its
end-session endpoint. Its Authlib grant is registered without the PKCE extension, so it
does not check the verifier itself; ``Recorder`` keeps the requests it was sent, and the
tests check the challenge and verifier by RFC 7636 instead.
"""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import oidc_provider_mock
import requests
import werkzeug.serving


class Recorder:
    """WSGI middleware that remembers each request's path and form or query values."""

    def __init__(self, app):
        self.app = app
        self.requests: list[tuple[str, dict[str, str]]] = []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # The provider reads the body again.
        environ["wsgi.input"] = io.BytesIO(body)
        values = {
            key: items[-1] for key, items in parse_qs(environ.get("QUERY_STRING", "")).items()
        }
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            values.update({key: items[-1] for key, items in parse_qs(body.decode()).items()})
        self.requests.append((environ.get("PATH_INFO", ""), values))
        return self.app(environ, start_response)

    def last(self, path: str) -> dict[str, str]:
        return next(values for seen, values in reversed(self.requests) if seen == path)


class Provider:
    def __init__(self, server, recorder: Recorder):
        self.server = server
        self.recorder = recorder
        self.url = f"http://127.0.0.1:{server.server_port}"

    def set_user(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def authorize(self, authorize_url: str, *, sub: str = "", deny: bool = False) -> str:
        """The person at the provider's page: allows (as ``sub``) or denies; returns where
        the provider sends the browser back (our callback with code and state)."""
        data = {"action": "deny"} if deny else {"sub": sub}
        response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def redeem(self, code: str, redirect_uri: str) -> requests.Response:
        """Use a code at the token endpoint directly (as an attacker who caught it would)."""
        return requests.post(
            f"{self.url}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": "lms",
                "client_secret": "lms-secret",
            },
            timeout=5,
        )


@contextmanager
def running_provider():
    recorder = Recorder(oidc_provider_mock.app())
    server = werkzeug.serving.make_server("127.0.0.1", 0, recorder, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Provider(server, recorder)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
