"""Getting access tokens the way real clients do, plus hand-made tokens for the
failure cases.

``login()`` runs the real authorization-code + PKCE flow of the public client
``samband-cli`` against a running server's embedded IdP; ``portal_login()`` runs the
browser flow through ``/login`` and ``/auth/callback``.  ``mint_access_token()`` signs a
token with the server's own IdP key, with any claim changed, so tests can check that
the API refuses wrong audiences, expired tokens and the like.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from messaging.signin import (  # noqa: F401  (re-exported for the tests)
    CLI_CLIENT_ID,
    CLI_REDIRECT_URI,
    SignInFailed,
    cli_authorization,
    code_from,
    login,
    parse_login_page,
    pkce_pair,
    redeem,
    submit_credentials,
)
from web.settings import Settings

def csrf_token_of(html: str) -> str:
    """The CSRF token a portal page carries (in its ``<meta name="csrf-token">``)."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "every portal page carries the CSRF token"
    return match.group(1)


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
