"""Getting access tokens the way real clients do, plus hand-made tokens for the
failure cases.

``login()`` runs the real authorization-code + PKCE flow of the public client
``samband-cli`` against a running server's embedded IdP; ``portal_login()`` runs the
browser flow through ``/login`` and ``/auth/callback``.  ``mint_access_token()`` signs a
token with the server's own IdP key, with any claim changed, so tests can check that
the API refuses wrong audiences, expired tokens and the like.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from web.settings import Settings

CLI_CLIENT_ID = "samband-cli"
# The code is read from the Location header; nothing needs to listen here.
CLI_REDIRECT_URI = "http://127.0.0.1:9/callback"


class SignInFailed(Exception):
    """The IdP did not issue a code or a token.  ``message`` is what the person saw."""

    def __init__(self, status_code: int, message: str):
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.error = ""
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        self._in_error = a.get("role") == "alert"

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data.strip()

    def handle_endtag(self, tag: str) -> None:
        self._in_error = False


def parse_login_page(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    return parser


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def submit_credentials(client: httpx.Client, authorize_url: str, username: str, password: str) -> httpx.Response:
    """GET the sign-in page at ``authorize_url``, fill it in, POST it; the response is
    not followed (a 302 carries the code)."""
    page = client.get(authorize_url)
    if page.status_code != 200:
        raise SignInFailed(page.status_code, parse_login_page(page.text).error or page.text)
    form = parse_login_page(page.text)
    if form.action is None:
        raise SignInFailed(page.status_code, "no sign-in form on the page")
    data = {**form.fields, "username": username, "password": password}
    return client.post(urljoin(str(page.url), form.action), data=data)


def code_from(response: httpx.Response, state: str) -> str:
    if response.status_code != 302:
        raise SignInFailed(response.status_code, parse_login_page(response.text).error or response.text)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    if query.get("state") != [state]:
        raise SignInFailed(response.status_code, "the state came back changed")
    if "code" not in query:
        raise SignInFailed(response.status_code, query.get("error_description", query.get("error", ["?"]))[0])
    return query["code"][0]


def login(base_url: str, username: str, password: str = "demo") -> str:
    """Sign in as ``username`` through the embedded IdP (client ``samband-cli``,
    authorization code + PKCE S256) and return the access token.

    Raises:
        SignInFailed: the IdP refused (wrong password, throttled, ...).
    """
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=10.0) as client:
        authorize_url, state, verifier = cli_authorization(base_url)
        code = code_from(submit_credentials(client, authorize_url, username, password), state)
        response = redeem(client, code, verifier)
    if response.status_code != 200:
        raise SignInFailed(response.status_code, response.json().get("error_description", response.text))
    return response.json()["access_token"]


def cli_authorization(base_url: str, **overrides: str | None) -> tuple[str, str, str]:
    """``(authorize_url, state, code_verifier)`` for the public client; ``overrides``
    change query parameters (``None`` leaves one out)."""
    verifier, challenge = pkce_pair()
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLI_CLIENT_ID,
        "redirect_uri": CLI_REDIRECT_URI,
        "scope": "openid profile",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    query = {k: v for k, v in params.items() if v is not None}
    url = httpx.URL(f"{base_url}/idp/authorize", params=query)
    return str(url), str(params["state"]), verifier


def redeem(client: httpx.Client, code: str, verifier: str) -> httpx.Response:
    """POST the code to the token endpoint as the public client."""
    return client.post(
        "/idp/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLI_REDIRECT_URI,
            "client_id": CLI_CLIENT_ID,
            "code_verifier": verifier,
        },
    )


def portal_login(client: httpx.Client, base_url: str, username: str, password: str = "demo") -> httpx.Response:
    """Sign in through the portal as a browser would: ``/login`` → IdP form →
    ``/auth/callback``.  Afterwards ``client`` holds the session cookie.  Returns the
    callback's response (303 to ``/`` on success).

    Raises:
        SignInFailed: the IdP refused.
    """
    start = client.get(f"{base_url}/login", follow_redirects=False)
    if start.status_code != 302:
        raise SignInFailed(start.status_code, start.text)
    authorize_url = start.headers["location"]
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    submitted = submit_credentials(client, authorize_url, username, password)
    code_from(submitted, state)  # refuses unless a code and the right state came back
    return client.get(submitted.headers["location"], follow_redirects=False)


def _signing_key(settings: Settings) -> ECKey:
    key = ECKey.import_key((settings.data_dir / "idp-signing-key.pem").read_bytes())
    key.ensure_kid()
    return key


def mint_access_token(settings: Settings, subject: str, *, key: ECKey | None = None, **claims: Any) -> str:
    """An access token signed like the embedded IdP's own (or with ``key``), with
    ``claims`` overriding the defaults; a claim given as ``None`` is left out."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": settings.issuer,
        "sub": subject,
        "aud": settings.oidc.audience,
        "exp": now + 600,
        "iat": now,
        "jti": secrets.token_urlsafe(8),
        "client_id": CLI_CLIENT_ID,
        "scope": "openid profile",
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    key = key or _signing_key(settings)
    key.ensure_kid()
    return jwt.encode({"typ": "at+jwt", "alg": "ES256", "kid": key.kid}, body, key, ["ES256"])
