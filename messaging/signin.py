"""Signing in to samband's embedded identity provider from a program.

The authorization-code flow with PKCE (S256) of the public client ``samband-cli``,
filling in the IdP's sign-in form with a username and password.  This is for the
embedded demo IdP and for tests; against a real issuer (ID-porten, HelseID) a program
gets its token the way that issuer prescribes and passes it to ``SambandClient``.

Imports: ``httpx`` and the standard library only (clients use it).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

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
