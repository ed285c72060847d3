"""An independent OpenID provider on loopback for the tests: npm ``oidc-provider``.

``tests/oidc/provider.mjs`` (pinned by ``tests/oidc/package-lock.json``; ``scripts/bootstrap``
runs ``npm ci`` there) serves one of four profiles — ``idporten`` (pairwise ``sub``,
``pid``, ``acr`` chosen on its sign-in form), ``helseid`` (``helseid://`` claims released
by ``helseid://`` scopes, security level chosen on the form), ``nav`` (``NAVident``) and
``generic`` — with JWT access tokens for a resource indicator, PKCE, RP-initiated logout
and the device authorization grant.

    with start_provider("idporten", accounts=[{"id": "hansen", "claims": {"pid": "…"}}],
                        clients=[{"client_id": "portal", "client_secret": "s",
                                  "redirect_uris": [...]}]) as idp:
        idp.issuer   # http://127.0.0.1:<port>

Its sign-in form (``#login`` account id or national id, ``#password`` — ``test`` unless
the account says otherwise — and ``#level``) is what a browser test fills in;
:func:`sign_in_form` does the same over plain HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import selectors
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
STARTUP_TIMEOUT = 60.0  # generous for a loaded 2-core machine; the wait ends when it answers
PASSWORD = "test"
PROFILES = ("idporten", "helseid", "nav", "generic")


class ProviderError(RuntimeError):
    pass


@dataclass
class Provider:
    """A running provider: ``issuer``, its ``discovery`` document, ``stop()``."""

    profile: str
    issuer: str
    process: subprocess.Popen[bytes]
    log_path: Path
    config_path: Path
    discovery: dict[str, Any] = field(default_factory=dict)

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if self.process.stdout:
            self.process.stdout.close()
        self.config_path.unlink(missing_ok=True)
        self.log_path.unlink(missing_ok=True)

    def log(self) -> str:
        """What the provider wrote on stderr so far (for a failing test's message)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def endpoint(self, name: str) -> str:
        return self.discovery[name]


def _wait_for_ready_line(process: subprocess.Popen[bytes], deadline: float) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffered = b""
    try:
        while b"\n" not in buffered:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProviderError("the OpenID provider did not start in time")
            if not selector.select(timeout=remaining):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:  # the process ended before it was ready
                raise ProviderError(f"the OpenID provider exited with {process.wait()}")
            buffered += chunk
    finally:
        selector.close()
    line = buffered.split(b"\n", 1)[0].decode()
    if not line.startswith("READY "):
        raise ProviderError(f"unexpected first line from the OpenID provider: {line!r}")
    return line.split(" ", 1)[1].strip()


def start_provider(
    profile: str,
    *,
    accounts: list[dict[str, Any]],
    clients: list[dict[str, Any]],
    port: int = 0,
    resources: dict[str, dict[str, Any]] | None = None,
    default_resource: str | None = None,
    scopes: list[str] | None = None,
    access_token_ttl: int = 600,
) -> Provider:
    """Start ``tests/oidc/provider.mjs`` with this profile; return once discovery answers.

    ``resources`` maps a resource indicator to ``{"audience": …, "scope": …}``; without it
    every absolute URI is accepted and becomes the access token's ``aud``.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        raise ProviderError("tests/oidc/node_modules is missing: run scripts/bootstrap")
    config = {
        "profile": profile,
        "port": port,
        "accounts": accounts,
        "clients": clients,
        "resources": resources,
        "default_resource": default_resource,
        "scopes": scopes or [],
        "access_token_ttl": access_token_ttl,
    }
    handle, name = tempfile.mkstemp(prefix=f"oidc-{profile}-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(config, out)
    config_path = Path(name)
    log_path = config_path.with_suffix(".log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["node", str(OIDC_DIR / "provider.mjs"), str(config_path)],
            cwd=OIDC_DIR,
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "NODE_ENV": "test"},
        )
    provider = Provider(profile, "", process, log_path, config_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        provider.issuer = _wait_for_ready_line(process, deadline)
        # It listens before it prints; discovery answering proves the provider is built.
        response = httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=STARTUP_TIMEOUT)
        response.raise_for_status()
        provider.discovery = response.json()
    except BaseException as exc:
        log = provider.log()
        provider.stop()
        if isinstance(exc, ProviderError):
            raise ProviderError(f"{exc}\n{log}") from None
        raise
    return provider


@pytest.fixture
def oidc_provider() -> Iterator[Any]:
    """A factory fixture: ``oidc_provider("idporten", accounts=…, clients=…)``; every
    provider it started is stopped after the test."""
    started: list[Provider] = []

    def start(profile: str, **kwargs: Any) -> Provider:
        provider = start_provider(profile, **kwargs)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()


# --- driving the provider over plain HTTP (what a browser does, for API tests) ----------


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _form_action(html: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"', html)
    if not match:
        raise ProviderError(f"no sign-in form on the provider's page:\n{html[:2000]}")
    return unescape(match.group(1))


def sign_in_form(
    client: httpx.Client, url: str, *, login: str, level: str | None = None, password: str = PASSWORD
) -> httpx.Response:
    """Follow ``url`` (an authorization request, at the provider or at a relying party
    that redirects there) to the provider's sign-in form, submit it, and follow the
    redirects back to whoever asked (which must be listening).

    Returns the final response (the relying party's page, or the provider's own page if
    it showed the form again or refused)."""
    response = client.get(url, follow_redirects=True)
    if 'name="login"' not in response.text:
        return response  # already signed in at the provider (or it refused): nothing to fill
    action = urljoin(str(response.url), _form_action(response.text))
    fields = {"login": login, "password": password}
    if level is None:
        selected = re.search(r'<option value="([^"]+)" selected', response.text)
        level = unescape(selected.group(1)) if selected else ""
    fields["level"] = level
    return client.post(action, data=fields, follow_redirects=True)


def authorization_code(
    provider: Provider,
    *,
    client_id: str,
    redirect_uri: str,
    login: str,
    level: str | None = None,
    scope: str = "openid profile",
    resource: str | None = None,
    extra: dict[str, str] | None = None,
    http: httpx.Client | None = None,
) -> tuple[str, str]:
    """Run the front half of the code flow with PKCE: returns ``(code, verifier)``.

    Redirects to ``redirect_uri`` are not followed (nothing need listen there)."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": scope,
        "state": state,
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **({"resource": resource} if resource else {}),
        **(extra or {}),
    }
    own = http is None
    client = http or httpx.Client(timeout=60)
    try:
        response = client.get(provider.endpoint("authorization_endpoint"), params=params)
        response = _follow_until(client, response, redirect_uri)
        if "<form" in response.text and 'name="login"' in response.text:
            action = urljoin(str(response.url), _form_action(response.text))
            if level is None:
                selected = re.search(r'<option value="([^"]+)" selected', response.text)
                level = unescape(selected.group(1)) if selected else ""
            response = client.post(action, data={"login": login, "password": PASSWORD, "level": level})
            response = _follow_until(client, response, redirect_uri)
        location = response.headers.get("location", "")
        if not location.startswith(redirect_uri):
            raise ProviderError(f"the provider did not redirect back: {response.status_code} {response.text[:1000]}")
        query = parse_qs(urlparse(location).query)
        if "error" in query:
            raise ProviderError(f"the provider answered {query}")
        assert query["state"] == [state]
        return query["code"][0], verifier
    finally:
        if own:
            client.close()


def _follow_until(client: httpx.Client, response: httpx.Response, stop_prefix: str) -> httpx.Response:
    for _ in range(20):
        location = response.headers.get("location")
        if not response.is_redirect or not location:
            return response
        target = urljoin(str(response.url), location)
        if target.startswith(stop_prefix):
            response.headers["location"] = target
            return response
        response = client.get(target)
    raise ProviderError("too many redirects at the provider")


def exchange_code(
    provider: Provider,
    *,
    code: str,
    verifier: str,
    client_id: str,
    redirect_uri: str,
    client_secret: str | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """The token request (client_secret_basic for a confidential client)."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        **({"resource": resource} if resource else {}),
    }
    auth = (client_id, client_secret) if client_secret else None
    if auth is None:
        data["client_id"] = client_id
    response = httpx.post(provider.endpoint("token_endpoint"), data=data, auth=auth, timeout=60)
    if response.status_code != 200:
        raise ProviderError(f"token request refused: {response.status_code} {response.text}")
    return response.json()


def access_token(
    provider: Provider,
    *,
    client: dict[str, Any],
    login: str,
    resource: str,
    level: str | None = None,
    scope: str = "openid profile",
) -> dict[str, Any]:
    """A whole code flow for ``login`` at ``client``: the token response."""
    redirect_uri = client["redirect_uris"][0]
    code, verifier = authorization_code(
        provider,
        client_id=client["client_id"],
        redirect_uri=redirect_uri,
        login=login,
        level=level,
        scope=scope,
        resource=resource,
    )
    return exchange_code(
        provider,
        code=code,
        verifier=verifier,
        client_id=client["client_id"],
        client_secret=client.get("client_secret"),
        redirect_uri=redirect_uri,
        resource=resource,
    )


def unverified_claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (for assertions on what the provider issued)."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def unverified_header(jwt: str) -> dict[str, Any]:
    header = jwt.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
