"""Signing in to samband from a program: getting an access token for ``SambandClient``.

- ``login``: the embedded demo IdP, whose sign-in form is filled in with a username and
  password (authorization code + PKCE S256, public client ``samband-cli``); for the
  demo and tests.
- ``login_with_browser`` and ``login_with_device``: any OpenID provider found by
  discovery (ID-porten, HelseID, NAV's, ...): authorization code + PKCE on a loopback
  redirect (RFC 8252), or the device authorization grant (RFC 8628).  These are
  ``samband-client login --issuer``; see docs/client.md.

Imports: ``httpx`` and the standard library only (clients use it).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import time
from html.parser import HTMLParser
from collections.abc import Callable
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


# --- any OpenID provider: discovery, code + PKCE on a loopback redirect, device grant ----

LOOPBACK_PATH = "/callback"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPE = "openid profile"


def _is_loopback_http(url: httpx.URL) -> bool:
    return url.scheme == "http" and url.host in ("127.0.0.1", "::1", "localhost")


def discover(issuer: str, *, timeout: float = 15.0) -> dict:
    """The provider's OpenID configuration (``/.well-known/openid-configuration``).

    Raises:
        SignInFailed: not https (loopback http aside), unreachable, not JSON, or the
            document names another issuer.
    """
    issuer = issuer.rstrip("/")
    url = httpx.URL(issuer)
    if url.scheme != "https" and not _is_loopback_http(url):
        raise SignInFailed(0, f"the issuer must be an https address (or http on 127.0.0.1 for testing): {issuer}")
    where = f"{issuer}/.well-known/openid-configuration"
    try:
        response = httpx.get(where, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise SignInFailed(0, f"could not reach the identity provider at {where}: {exc}") from None
    if response.status_code != 200:
        raise SignInFailed(response.status_code, f"no OpenID configuration at {where} (check --issuer)")
    try:
        config = response.json()
    except ValueError:
        raise SignInFailed(response.status_code, f"{where} is not JSON: is {issuer} an OpenID provider?") from None
    if str(config.get("issuer", "")).rstrip("/") != issuer:
        raise SignInFailed(response.status_code,
                           f"{where} names the issuer {config.get('issuer')!r}, not {issuer!r}: check --issuer")
    if "token_endpoint" not in config:
        raise SignInFailed(response.status_code, f"{where} names no token endpoint")
    return config


def can_use_browser(config: dict) -> bool:
    """Whether the provider offers the authorization-code flow."""
    return ("authorization_endpoint" in config and "code" in config.get("response_types_supported", ["code"])
            and "authorization_code" in config.get("grant_types_supported", ["authorization_code"]))


class _Callback:
    """A one-shot HTTP listener on ``127.0.0.1`` on a free port (RFC 8252 §7.3): it
    answers the browser's redirect to ``/callback`` once and keeps its query."""

    def __init__(self) -> None:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                parts = urlsplit(self.path)
                if parts.path != LOOPBACK_PATH:
                    self.send_error(404)
                    return
                owner.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                ok = "code" in owner.query
                body = ("<!doctype html><html lang=\"nb\"><meta charset=\"utf-8\"><title>samband-client</title>"
                        + ("<p>Du er logget inn i samband-client. Du kan lukke dette vinduet.</p>"
                           "<p lang=\"en\">You are signed in to samband-client. You may close this window.</p>" if ok else
                           "<p>Innloggingen ble ikke fullført. Se terminalen.</p>"
                           "<p lang=\"en\">The sign-in did not complete. See the terminal.</p>")).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (the standard library's name)
                pass

        self.query: dict[str, str] | None = None
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_port}{LOOPBACK_PATH}"

    def wait(self, timeout: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        try:
            while self.query is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SignInFailed(0, f"no answer from the browser within {timeout:.0f} seconds: "
                                          "run login again (and finish signing in within the time), or use --device")
                self.server.timeout = left
                self.server.handle_request()
        finally:
            self.server.server_close()
        return self.query


def _token_error(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    return str(body.get("error", "")), str(body.get("error_description", "") or body.get("error", ""))


def _id_token_nonce(id_token: str) -> str | None:
    try:
        payload = id_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("nonce")
    except (IndexError, ValueError, AttributeError):
        return None


def login_with_browser(issuer: str, *, client_id: str = CLI_CLIENT_ID, scope: str = DEFAULT_SCOPE,
                       resource: str | None = None, show: Callable[[str], None], timeout: float = 300.0,
                       config: dict | None = None) -> dict:
    """Authorization code + PKCE (S256) with a loopback redirect (RFC 8252): ``show`` is
    given the authorization URL (open it in a browser); returns the token response.

    Raises:
        SignInFailed: the provider refused, the state came back changed, or no answer in time.
    """
    config = config or discover(issuer)
    if not can_use_browser(config):
        raise SignInFailed(0, "this provider offers no browser sign-in (authorization code): use --device")
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    callback = _Callback()
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": callback.redirect_uri,
              "scope": scope, "state": state, "nonce": nonce, "code_challenge": challenge,
              "code_challenge_method": "S256"}
    if resource:
        params["resource"] = resource
    if "offline_access" in scope.split():
        params["prompt"] = "consent"  # OpenID Connect Core §11: a refresh token is asked with prompt=consent
    show(str(httpx.URL(config["authorization_endpoint"], params=params)))
    query = callback.wait(timeout)
    if query.get("state") != state:
        raise SignInFailed(400, "the state came back changed: the answer was not for this sign-in (run login again)")
    if "code" not in query:
        raise SignInFailed(400, f"the identity provider refused: {query.get('error_description') or query.get('error', '?')}")
    data = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": callback.redirect_uri,
            "client_id": client_id, "code_verifier": verifier}
    if resource:
        data["resource"] = resource
    response = httpx.post(config["token_endpoint"], data=data, timeout=30.0)
    if response.status_code != 200:
        raise SignInFailed(response.status_code, f"the token endpoint refused the code: {_token_error(response)[1]}")
    tokens = response.json()
    if "id_token" in tokens and _id_token_nonce(tokens["id_token"]) not in (None, nonce):
        raise SignInFailed(400, "the ID token's nonce does not match this sign-in")
    return tokens


def login_with_device(issuer: str, *, client_id: str = CLI_CLIENT_ID, scope: str = DEFAULT_SCOPE,
                      resource: str | None = None, show: Callable[[dict], None], config: dict | None = None,
                      sleep: Callable[[float], None] | None = None) -> dict:
    """The device authorization grant (RFC 8628): ``show`` is given the provider's answer
    (``verification_uri``, ``user_code``, maybe ``verification_uri_complete``); polls the
    token endpoint at the interval it asks for and returns the token response.

    Raises:
        SignInFailed: no device endpoint, the code expired, or the person said no.
    """
    sleep = sleep or time.sleep
    config = config or discover(issuer)
    endpoint = config.get("device_authorization_endpoint")
    if not endpoint:
        raise SignInFailed(0, "this provider does not offer device sign-in (no device_authorization_endpoint): "
                              "leave out --device to sign in with a browser")
    data = {"client_id": client_id, "scope": scope}
    if resource:
        data["resource"] = resource
    response = httpx.post(endpoint, data=data, timeout=30.0)
    if response.status_code != 200:
        raise SignInFailed(response.status_code, f"the provider refused device sign-in: {_token_error(response)[1]}")
    grant = response.json()
    show(grant)
    interval = float(grant.get("interval", 5))
    deadline = time.monotonic() + float(grant.get("expires_in", 600))
    poll = {"grant_type": DEVICE_GRANT, "device_code": grant["device_code"], "client_id": client_id}
    if resource:
        poll["resource"] = resource
    while True:
        if time.monotonic() > deadline:
            raise SignInFailed(400, "the code expired before it was approved: run login again")
        sleep(interval)
        response = httpx.post(config["token_endpoint"], data=poll, timeout=30.0)
        if response.status_code == 200:
            return response.json()
        error, description = _token_error(response)
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5  # RFC 8628 §3.5
            continue
        if error == "expired_token":
            raise SignInFailed(response.status_code, "the code expired before it was approved: run login again")
        if error == "access_denied":
            raise SignInFailed(response.status_code, "the sign-in was refused at the identity provider")
        raise SignInFailed(response.status_code, f"the identity provider refused: {description or error}")
