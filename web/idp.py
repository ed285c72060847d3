"""The embedded local OpenID Connect identity provider (development, demos and tests).

Mounted at ``/idp`` when no external issuer is configured (``settings.embedded_idp``);
production refuses to start with it (see ``web.settings``).  Built on Authlib's
server side, adapted to Starlette in ``web.idp_server``; this module holds the routes,
the sign-in form (CSRF-protected, throttled) and the discovery documents.

- Grant: authorization code, with PKCE (S256 only) and the OpenID Connect code flow
  extension (``id_token``).  No refresh tokens: sign in again after an hour.
- Clients (fixed): the confidential portal client ``settings.oidc.client_id``
  (redirect ``{public_url}/auth/callback``), and the public command-line client
  ``samband-cli``, which must use PKCE and may redirect to any loopback
  ``http://127.0.0.1:<port>/...`` or ``http://[::1]:<port>/...`` (RFC 8252 §7.3).
- Users: directory actors with ``oidc_subject`` set; the username is the subject and
  every demo user's password is ``settings.demo_password``.
- Access tokens: JWTs in the RFC 9068 profile (``typ: at+jwt``; iss, sub, aud, exp, iat,
  jti, scope, client_id), signed ES256 with a key kept at
  ``{data_dir}/idp-signing-key.pem`` and published at ``/idp/jwks``.
- Authorization codes live in the database (``web.idp_models``), hashed, single use.

Never log passwords, codes or tokens: only client ids and actor ids.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authlib.common.security import is_secure_transport
from authlib.oauth2.rfc6749 import OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from web.idp_server import (
    SCOPES,
    SIGNING_ALG,
    HttpRequestData,
    LocalAuthorizationServer,
    find_user,
    load_or_create_signing_key,
    user_info,
)
from web.settings import Settings

log = logging.getLogger("samband.idp")

# Sign-in throttling, per (username, client address).
MAX_FAILURES = 10
FAILURE_WINDOW = 300.0
CSRF_SESSION_KEY = "idp_csrf"
TEMPLATE_DIR = Path(__file__).parent / "templates"
# The login page may not be framed (click-jacking) and runs no script at all.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


# --- sign-in throttling ---------------------------------------------------------------


@dataclass
class SignInLimiter:
    """At most ``max_failures`` failed sign-ins per (username, client address) in
    ``window`` seconds.  Kept in memory, per process: enough for the embedded IdP,
    which runs as one process and is not for production."""

    max_failures: int = MAX_FAILURES
    window: float = FAILURE_WINDOW
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def is_blocked(self, key: tuple[str, str], *, now: float) -> bool:
        with self._lock:
            return len(self._recent(key, now)) >= self.max_failures

    def record_failure(self, key: tuple[str, str], *, now: float) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # bound memory: forget quiet keys
                for k in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
                    del self._failures[k]
            self._recent(key, now).append(now)

    def reset(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


# --- routes ---------------------------------------------------------------------------


def build_router(settings: Settings) -> APIRouter:
    """The IdP's routes, to be mounted at ``/idp``.

    Raises:
        RuntimeError: the issuer is neither https nor loopback http (Authlib refuses it).
        ValueError: the signing key file holds something unusable.
    """
    issuer = settings.issuer
    if not is_secure_transport(issuer):
        raise RuntimeError(
            f"the embedded identity provider needs an https or loopback public_url, not {settings.public_url}"
        )
    # Authlib logs issued tokens and PKCE verifiers at DEBUG: never let those through.
    logging.getLogger("authlib").setLevel(logging.INFO)
    templates = Jinja2Templates(directory=TEMPLATE_DIR)
    key = load_or_create_signing_key(settings.data_dir / "idp-signing-key.pem")
    server = LocalAuthorizationServer(settings, key)
    limiter = SignInLimiter()
    router = APIRouter(tags=["identity provider"], include_in_schema=False)
    public_url = settings.public_url.rstrip("/")

    async def read(request: Request, *, with_form: bool) -> HttpRequestData:
        form = []
        if with_form:  # files are not OAuth parameters: text fields only
            form = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
        query = f"?{request.url.query}" if request.url.query else ""
        state = request.app.state
        return HttpRequestData(
            method=request.method,
            # The public address, not the Host header: it is what clients were given.
            uri=f"{public_url}{request.url.path}{query}",
            headers=request.headers,
            args=list(request.query_params.multi_items()),
            form=form,
            engine=state.write_engine if request.method == "POST" else state.engine,
        )

    def csrf_token(request: Request) -> str:
        token = request.session.get(CSRF_SESSION_KEY)
        if not token:
            token = request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
        return token

    def login_page(
        request: Request, grant: Any, *, status: int = 200, error: str = "", username: str = ""
    ) -> HTMLResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        context = {
            "client_name": grant.request.client.name,
            "action": f"{request.url.path}{query}",
            "csrf_token": csrf_token(request),
            "error": error,
            "username": username,
        }
        headers = dict(PAGE_HEADERS)
        if status == 429:
            headers["Retry-After"] = str(int(FAILURE_WINDOW))
        return templates.TemplateResponse(request, "idp/login.html", context, status_code=status, headers=headers)

    def refuse(request: Request, error: OAuth2Error, http: HttpRequestData) -> Response:
        if error.redirect_uri:  # validated against the client: tell the client
            return server.handle_error_response(server.create_oauth2_request(http), error)
        plain = {"unsupported_response_type": "the link must ask for response_type=code"}
        context = {"error": error.description or plain.get(error.error, error.error)}
        return templates.TemplateResponse(request, "idp/error.html", context, status_code=400, headers=PAGE_HEADERS)

    @router.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [SIGNING_ALG],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "preferred_username",
            ],
        }

    @router.get("/jwks")
    async def jwks() -> JSONResponse:
        public = server.key.as_dict(private=False, use="sig", alg=SIGNING_ALG)
        return JSONResponse({"keys": [public]}, headers={"Cache-Control": "public, max-age=300"})

    @router.get("/authorize")
    async def authorize_form(request: Request) -> Response:
        http = await read(request, with_form=False)
        try:
            grant = await run_in_threadpool(server.get_consent_grant, http)
        except OAuth2Error as error:
            return refuse(request, error, http)
        return login_page(request, grant)

    @router.post("/authorize")
    async def authorize_submit(request: Request) -> Response:
        # The OAuth parameters come from the query string; the credentials, from the
        # form body, never enter Authlib's request.
        http = await read(request, with_form=False)
        try:
            grant = await run_in_threadpool(server.get_consent_grant, http)
        except OAuth2Error as error:
            return refuse(request, error, http)
        form = await request.form()
        username = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        sent_token = str(form.get("csrf_token") or "")
        expected = request.session.get(CSRF_SESSION_KEY) or ""
        if not expected or not hmac.compare_digest(sent_token.encode(), expected.encode()):
            message = "This sign-in form has expired or was not opened here. Please sign in again."
            return login_page(request, grant, status=400, error=message, username=username)
        key = (username.casefold(), request.client.host if request.client else "")
        if limiter.is_blocked(key, now=time.monotonic()):
            log.warning("idp:sign-in:throttled client_id=%s", grant.request.client.client_id)
            minutes = int(FAILURE_WINDOW // 60)
            message = f"Too many failed sign-in attempts for this user. Wait {minutes} minutes, then try again."
            return login_page(request, grant, status=429, error=message, username=username)
        # Compare the password whether or not the user exists, so both cost the same.
        password_ok = hmac.compare_digest(password.encode(), settings.demo_password.get_secret_value().encode())
        user = await run_in_threadpool(find_user, request.app.state.engine, username) if username else None
        if user is None or not password_ok:
            limiter.record_failure(key, now=time.monotonic())
            log.info("idp:sign-in:failure client_id=%s", grant.request.client.client_id)
            return login_page(request, grant, status=401, error="Wrong username or password.", username=username)
        limiter.reset(key)
        log.info("idp:sign-in:success client_id=%s actor_id=%s", grant.request.client.client_id, user.actor_id)
        return await run_in_threadpool(server.create_authorization_response, grant.request, user, grant)

    @router.post("/token")
    async def token(request: Request) -> Response:
        http = await read(request, with_form=True)
        return await run_in_threadpool(server.create_token_response, http)

    @router.api_route("/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        claims = server.verify_access_token(value.strip()) if scheme.lower() == "bearer" else None
        scopes = scope_to_list(claims.get("scope") or "") if claims else []
        user = await run_in_threadpool(find_user, request.app.state.engine, claims["sub"]) if claims else None
        if user is None or "openid" not in scopes:
            return JSONResponse(
                {"error": "invalid_token", "error_description": "send a valid access token with scope openid"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return JSONResponse(dict(user_info(user, claims["scope"])), headers={"Cache-Control": "no-store"})

    return router
