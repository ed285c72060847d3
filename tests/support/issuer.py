"""A small OpenID provider on loopback, for the relying-party side of sign-in.

Real HTTP and real signatures (ES256, its own key): discovery, JWKS, an authorization
endpoint that signs in whichever account the test names (no form: the tests here are
about what samband does with the answer), a token endpoint that checks the code, the
redirect URI and the PKCE verifier, and an end-session endpoint.  Every authorize and
token request is recorded so a test can check what samband sent (scopes, ``resource``,
``acr_values``, ``ui_locales``).  ``mint()`` signs access tokens with any claims for the
bearer tests.  The certified provider (npm ``oidc-provider``) is in tests/oidc.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

STARTUP_TIMEOUT = 60.0


@dataclass
class Issuer:
    """``issuer`` is its URL.  ``sign_in_as(claims)`` chooses who the next authorize
    request signs in; ``pairwise`` makes ``sub`` differ per client, as ID-porten's."""

    issuer: str = ""
    audience: str = "samband-api"
    pairwise: bool = False
    # Claims released only at the userinfo endpoint, not in the ID token.
    userinfo_only: frozenset[str] = frozenset()
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256"))
    next_claims: dict[str, Any] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    end_session_requests: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key.ensure_kid()

    def sign_in_as(self, account: str, **claims: Any) -> None:
        self.next_claims = {"account": account, **claims}

    def subject(self, account: str, client_id: str) -> str:
        if not self.pairwise:
            return account
        return base64.urlsafe_b64encode(hashlib.sha256(f"{client_id}:{account}".encode()).digest()).decode()

    def _sign(self, body: dict[str, Any], typ: str = "JWT") -> str:
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode({"typ": typ, "alg": "ES256", "kid": self.key.kid}, body, self.key, ["ES256"])

    def mint(self, account: str, *, client_id: str = "samband-cli", **claims: Any) -> str:
        """An RFC 9068 access token for ``account``; a claim given as None is left out."""
        now = int(time.time())
        body = {"iss": self.issuer, "sub": self.subject(account, client_id), "aud": self.audience,
                "exp": now + 600, "iat": now, "jti": secrets.token_urlsafe(8), "client_id": client_id}
        body.update(claims)
        return self._sign(body, "at+jwt")

    # --- endpoints --------------------------------------------------------------------

    async def discovery(self, _request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise" if self.pairwise else "public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
        })

    async def jwks(self, _request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"query": query, "claims": dict(self.next_claims)}
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.token_requests.append(form)
        grant = self._codes.pop(str(form.get("code")), None)
        if grant is None or form.get("redirect_uri") != grant["query"]["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["query"]["code_challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        claims = dict(grant["claims"])
        account = claims.pop("account")
        client_id = grant["query"]["client_id"]
        now = int(time.time())
        subject = self.subject(account, client_id)
        in_id_token = {k: v for k, v in claims.items() if k not in self.userinfo_only}
        id_token = self._sign({"iss": self.issuer, "sub": subject, "aud": client_id, "exp": now + 600, "iat": now,
                               "nonce": grant["query"].get("nonce"), **in_id_token})
        access_token = self.mint(account, client_id=client_id, **claims)
        return JSONResponse({"access_token": access_token, "id_token": id_token, "token_type": "Bearer",
                             "expires_in": 600, "scope": grant["query"].get("scope", "")})

    async def userinfo(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            claims = jwt.decode(token, self.key, algorithms=["ES256"]).claims
        except Exception:  # noqa: BLE001 - any bad token is the same 401 here
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        if scheme.lower() != "bearer" or claims.get("exp", 0) < time.time():
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        drop = {"iss", "aud", "exp", "iat", "jti", "client_id", "nbf"}
        return JSONResponse({k: v for k, v in claims.items() if k not in drop})

    async def end_session(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.end_session_requests.append(query)
        target = query.get("post_logout_redirect_uri")
        if not target:
            return Response("signed out", media_type="text/plain")
        return RedirectResponse(f"{target}?{urlencode({'state': query.get('state', '')})}", status_code=302)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/session/end", self.end_session),
            Route("/userinfo", self.userinfo),
        ])


@contextlib.contextmanager
def running_issuer(**options: Any) -> Iterator[Issuer]:
    """An ``Issuer`` served by uvicorn on ``127.0.0.1:<free port>`` until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    issuer = Issuer(**options)
    issuer.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(issuer.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test issuer did not start")
            time.sleep(0.01)
        yield issuer
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()
