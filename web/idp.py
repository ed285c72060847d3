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
- A sign-in session of its own, like a real IdP: after a successful sign-in the
  browser holds a signed ``samband_idp`` cookie (path ``/idp``), and ``/authorize``
  signs that person straight in again until it ends (12 hours, ``prompt=login``
  asks anyway).  ``/idp/end_session`` (OpenID Connect RP-Initiated Logout 1.0, in the
  discovery document) ends it: with a valid ``id_token_hint`` at once, otherwise after
  the person confirms; it sends the browser to ``post_logout_redirect_uri`` only when
  that is registered for the client (exact match) and a hint or ``client_id`` names the
  client.  Ended sessions are remembered in memory (the embedded IdP is one process).

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
from urllib.parse import urlencode

from authlib.common.security import is_secure_transport
from authlib.oauth2.rfc6749 import OAuth2Error
from authlib.oauth2.rfc6749.util import scope_to_list
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from web.idp_server import (
    SCOPES,
    SIGNING_ALG,
    HttpRequestData,
    IdpUser,
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
SESSION_COOKIE = "samband_idp"
SESSION_SECONDS = 12 * 3600
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


# --- the IdP's own sign-in session ----------------------------------------------------


@dataclass
class IdpSessions:
    """The embedded IdP's sign-in sessions: a signed cookie naming the subject and a
    random session id; ended ids are kept (in memory) until the cookie would expire."""

    serializer: URLSafeTimedSerializer
    secure: bool
    _ended: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, request: Request) -> dict[str, Any] | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self.serializer.loads(raw, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str) or not isinstance(data.get("sub"), str):
            return None
        with self._lock:
            if data["sid"] in self._ended:
                return None
        return data

    def start(self, response: Response, subject: str) -> None:
        value = self.serializer.dumps({"sid": secrets.token_urlsafe(16), "sub": subject})
        response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_SECONDS, path="/idp", httponly=True,
                            samesite="lax", secure=self.secure)

    def end(self, request: Request, response: Response) -> None:
        data = self.read(request)
        if data is not None:
            now = time.monotonic()
            with self._lock:
                for sid in [k for k, until in self._ended.items() if until <= now]:
                    del self._ended[sid]
                self._ended[data["sid"]] = now + SESSION_SECONDS
        response.delete_cookie(SESSION_COOKIE, path="/idp", httponly=True, samesite="lax", secure=self.secure)


# --- routes ---------------------------------------------------------------------------


def public_url_is_https(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


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
    idp_sessions = IdpSessions(
        URLSafeTimedSerializer(settings.session_secret.get_secret_value(), salt="samband-idp-session"),
        secure=public_url_is_https(settings),
    )
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
            "end_session_endpoint": f"{issuer}/end_session",
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

    async def remembered_user(request: Request) -> IdpUser | None:
        data = idp_sessions.read(request)
        if data is None:
            return None
        return await run_in_threadpool(find_user, request.app.state.engine, data["sub"])

    @router.get("/authorize")
    async def authorize_form(request: Request) -> Response:
        http = await read(request, with_form=False)
        user = await remembered_user(request)
        try:
            grant = await run_in_threadpool(server.get_consent_grant, http, user)
        except OAuth2Error as error:
            return refuse(request, error, http)
        if user is not None and grant.prompt != "login":
            # Signed in here already: straight back to the client, as a real IdP does.
            log.info("idp:sign-in:remembered client_id=%s actor_id=%s", grant.request.client.client_id, user.actor_id)
            return await run_in_threadpool(server.create_authorization_response, grant.request, user, grant)
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
        response = await run_in_threadpool(server.create_authorization_response, grant.request, user, grant)
        idp_sessions.start(response, user.subject)
        return response

    def logout_page(request: Request, *, done: bool, status: int = 200, error: str = "") -> HTMLResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        context = {"done": done, "error": error, "action": f"{request.url.path}{query}",
                   "csrf_token": csrf_token(request)}
        return templates.TemplateResponse(request, "idp/logout.html", context, status_code=status, headers=PAGE_HEADERS)

    @router.api_route("/end_session", methods=["GET", "POST"])
    async def end_session(request: Request) -> Response:
        """OpenID Connect RP-Initiated Logout 1.0: end this IdP's sign-in session."""
        params = request.query_params
        hint = params.get("id_token_hint") or ""
        claims = server.verify_id_token_hint(hint) if hint else None
        if hint and claims is None:
            return logout_page(request, done=False, status=400, error="The sign-out link carries an ID token "
                               "this identity provider did not issue. Go back to the application and sign out again.")
        audience = claims.get("aud") if claims else None
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        client_id = params.get("client_id") or (audiences[0] if audiences else "")
        if claims is not None and client_id not in audiences:
            return logout_page(request, done=False, status=400,
                               error="The sign-out link names another application than its ID token.")
        client = server.query_client(client_id) if client_id else None
        redirect_to = params.get("post_logout_redirect_uri") or ""
        if redirect_to and (client is None or not client.check_post_logout_redirect_uri(redirect_to)):
            # Never sent anywhere unregistered (an open redirect otherwise).
            return logout_page(request, done=False, status=400,
                               error="The sign-out link asks to go back to an address this identity provider "
                               "does not know for that application.")
        current = idp_sessions.read(request)
        confirmed = False
        if request.method == "POST":
            form = await request.form()
            expected = request.session.get(CSRF_SESSION_KEY) or ""
            sent = str(form.get("csrf_token") or "")
            confirmed = bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
        # Silently only for the person the hint names (or when nobody is signed in here);
        # otherwise a link from anywhere could sign people out: ask first.
        silent = claims is not None and (current is None or current["sub"] == claims.get("sub"))
        if not (silent or confirmed):
            return logout_page(request, done=False)
        if redirect_to:
            query = {"state": params["state"]} if params.get("state") else {}
            separator = "&" if "?" in redirect_to else "?"
            response: Response = Response(status_code=303, headers={
                "Location": f"{redirect_to}{separator}{urlencode(query)}" if query else redirect_to,
                "Cache-Control": "no-store"})
        else:
            response = logout_page(request, done=True)
        idp_sessions.end(request, response)
        log.info("idp:sign-out client_id=%s", client_id or "-")
        return response

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
