"""Sign-in: samband as an OpenID Connect relying party, and who is calling.

Two ways in, both ending in a directory ``Actor``:

- Browsers: ``/login`` → the issuer's sign-in page → ``/auth/callback``, which opens a
  server-side session record (``web.sessions``) and names it in the session cookie.
  ``POST /logout`` revokes the record and, when the issuer's discovery document has an
  ``end_session_endpoint``, sends the browser there (OpenID Connect RP-Initiated Logout
  1.0) so the issuer forgets the sign-in too; ``POST /logout/everywhere`` revokes every
  session of the person.
- Programs: ``Authorization: Bearer <JWT access token>`` from the issuer.  The token's
  signature is checked against the issuer's JWKS, found by discovery over HTTP (also
  when the issuer is the embedded IdP in this very process), and cached on
  ``app.state``; ``iss``, ``aud`` (must contain ``settings.oidc.audience``), ``exp`` and
  ``nbf`` are checked; ``sub`` names the actor (``Actor.oidc_subject``).

Everything is configured by the issuer URL alone (``settings.issuer``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request

from directory import store as directory_store
from directory.errors import SambandError
from directory.models import Actor
from web import errors, sessions
from web.settings import Settings

log = logging.getLogger("samband.auth")

# Signature algorithms accepted on access tokens: asymmetric only, never "none" or HMAC
# (an HMAC "signed" with the public key is the classic confusion attack).
ACCESS_TOKEN_ALGORITHMS = ["ES256", "ES384", "ES512", "EdDSA", "Ed25519", "RS256", "PS256"]
# RFC 9068 asks for "at+jwt"; many issuers still send "JWT" or no "typ" at all.  An ID
# token cannot pass for an access token anyway: its audience is the client, not the API.
ACCESS_TOKEN_TYPES = {"", "jwt", "at+jwt", "application/at+jwt"}
CLOCK_LEEWAY = 30  # seconds
JWKS_MIN_REFRESH_INTERVAL = 10.0  # seconds; unknown key ids cannot make us hammer the issuer
SHARED_KEY = sessions.SHARED_KEY
LOGOUT_STATE_KEY = "logout_state"  # in the cookie between /logout and /signed-out
FORGET_KEYS_KEY = sessions.FORGET_KEYS_KEY
SCOPE = "openid profile"


def _unauthenticated(message: str) -> SambandError:
    return SambandError(message, code="UNAUTHENTICATED", status=401)


def _unavailable() -> SambandError:
    return SambandError(
        "the sign-in service cannot be reached just now; try again in a minute",
        code="AUTH_UNAVAILABLE",
        status=503,
    )


# --- the issuer's keys ----------------------------------------------------------------


@dataclass
class IssuerKeys:
    """The issuer's JWKS, cached per app.  Refetched when a token names an unknown key
    id (key rotation), at most once per ``JWKS_MIN_REFRESH_INTERVAL``."""

    issuer: str
    keys: KeySet | None = None
    fetched_at: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def get(self, *, refresh: bool = False) -> KeySet:
        async with self.lock:
            stale = refresh and time.monotonic() - self.fetched_at >= JWKS_MIN_REFRESH_INTERVAL
            if self.keys is None or stale:
                self.keys = await self._fetch()
                self.fetched_at = time.monotonic()
            return self.keys

    async def _fetch(self) -> KeySet:
        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                response = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                metadata = response.json()
                if metadata.get("issuer") != self.issuer:
                    # OpenID Connect Discovery §4.3: a mismatch means a misconfiguration or an impostor.
                    log.error("discovery document names issuer %r, expected %r", metadata.get("issuer"), self.issuer)
                    raise _unavailable()
                response = await http.get(metadata["jwks_uri"])
                response.raise_for_status()
                return KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError, JoseError) as exc:
            log.warning("cannot fetch the issuer's keys: %s", type(exc).__name__)
            raise _unavailable() from None


def issuer_keys(app: FastAPI, settings: Settings) -> IssuerKeys:
    keys = getattr(app.state, "oidc_issuer_keys", None)
    if keys is None or keys.issuer != settings.issuer:
        keys = app.state.oidc_issuer_keys = IssuerKeys(settings.issuer)
    return keys


async def verify_access_token(app: FastAPI, token: str, *, now: int | None = None) -> dict[str, Any]:
    """The claims of a valid access token for the samband API.

    Raises:
        SambandError: ``UNAUTHENTICATED`` (401) with a message saying what to do, or
            ``AUTH_UNAVAILABLE`` (503) when the issuer's keys cannot be fetched.
    """
    settings: Settings = app.state.settings
    keys = issuer_keys(app, settings)
    invalid = _unauthenticated("the access token is not valid; sign in again to get a new one")
    try:
        try:
            decoded = jwt.decode(token, await keys.get(), algorithms=ACCESS_TOKEN_ALGORITHMS)
        except InvalidKeyIdError:
            decoded = jwt.decode(token, await keys.get(refresh=True), algorithms=ACCESS_TOKEN_ALGORITHMS)
    except (JoseError, ValueError, TypeError, KeyError):
        # One answer for every way a token can be malformed or mis-signed.
        raise invalid from None
    if str(decoded.header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise invalid
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=CLOCK_LEEWAY,
        iss={"essential": True, "value": settings.issuer},
        aud={"essential": True, "value": settings.oidc.audience},
        sub={"essential": True},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise _unauthenticated("the access token has expired; sign in again") from None
    except ClaimError as exc:
        messages = {
            "aud": f"the access token is not meant for samband (its audience must include "
            f"{settings.oidc.audience!r}); sign in to samband to get one",
            "iss": "the access token comes from another identity provider; sign in to samband again",
            "nbf": "the access token is not valid yet; check that your clock is right",
            "iat": "the access token was issued in the future; check that your clock is right",
        }
        raise _unauthenticated(messages.get(exc.claim, invalid.message)) from None
    return claims


# --- who is calling -------------------------------------------------------------------


def _actor_by_subject(engine: Engine, subject: str) -> Actor | None:
    with Session(engine, expire_on_commit=False) as session:
        return directory_store.get_actor_by_subject(session=session, subject=subject)


def _actor_by_id(engine: Engine, actor_id: str) -> Actor | None:
    with Session(engine, expire_on_commit=False) as session:
        return directory_store.get_actor(session=session, actor_id=actor_id)


async def current_actor(request: HTTPConnection) -> Actor:
    """The signed-in actor: from a bearer access token if one is sent, else from the
    session cookie.  Works for HTTP requests and websockets alike.

    Raises:
        SambandError: ``UNAUTHENTICATED`` (401) when nobody (known) is signed in.
    """
    engine = request.app.state.engine
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("send the access token as 'Authorization: Bearer <token>'")
        claims = await verify_access_token(request.app, token.strip())
        actor = await run_in_threadpool(_actor_by_subject, engine, claims["sub"])
        if actor is None:
            raise _unauthenticated("no samband user for this sign-in")
        return actor
    live = sessions.live_session(request.scope)
    if live is None:
        if request.scope.get(sessions.ENDED_KEY):
            raise _unauthenticated("your sign-in has ended (signed out or timed out); sign in again at /login")
        raise _unauthenticated("sign in first: open /login, or send 'Authorization: Bearer <access token>'")
    actor = await run_in_threadpool(_actor_by_id, engine, live.actor_id)
    if actor is None:
        request.session.clear()
        raise _unauthenticated("no samband user for this sign-in; sign in again at /login")
    return actor


def key_lock_secret(settings: Settings, actor_id: str) -> str:
    """The server's half of the lock on ``actor_id``'s keys in a browser, unpadded
    base64url: HMAC-SHA256 under the session secret (rotating that secret locks every
    browser's stored keys for good; people then restore them from their backup)."""
    mac = hmac.new(settings.session_secret.get_secret_value().encode(), b"samband browser key lock v1\x00"
                   + actor_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


# --- routes ---------------------------------------------------------------------------


class RedactCallbackQuery(logging.Filter):
    """uvicorn's access log prints each path with its query string, and the callback's
    carries the authorization code.  Codes are never logged: keep the path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and str(args[2]).startswith("/auth/callback?"):
            record.args = (*args[:2], "/auth/callback?<redacted>", *args[3:])
        return True


def _redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactCallbackQuery) for f in access.filters):
        access.addFilter(RedactCallbackQuery())


def build_router(settings: Settings) -> APIRouter:
    """``/login``, ``/auth/callback``, ``/logout`` and ``/me``."""
    _redact_access_log()
    # Authlib logs tokens and PKCE verifiers at DEBUG: never let those through.
    logging.getLogger("authlib").setLevel(logging.INFO)
    oauth = OAuth()
    oauth.register(
        name="samband",
        client_id=settings.oidc.client_id,
        client_secret=settings.oidc.client_secret.get_secret_value(),
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10.0},
    )
    client = oauth.create_client("samband")
    # Exactly the registered redirect URI: built from settings, never from the Host header.
    redirect_uri = f"{settings.public_url.rstrip('/')}/auth/callback"

    post_logout_redirect_uri = f"{settings.public_url.rstrip('/')}/signed-out"
    router = APIRouter(tags=["sign-in"])

    @router.get("/login", include_in_schema=False)
    async def login(request: Request, shared: str = "", choice: str = "") -> RedirectResponse:
        # "Dette er en delt datamaskin": remembered on the session record at the callback.
        # The landing page's form says so either way (choice=1); other ways in (a link,
        # a page that needs sign-in) keep this browser's last choice.
        if choice or shared:
            request.session[SHARED_KEY] = shared in ("1", "true", "on", "yes")
        try:
            return await client.authorize_redirect(request, redirect_uri)
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("cannot start sign-in: %s", type(exc).__name__)
            raise _unavailable() from None

    @router.get("/auth/callback", include_in_schema=False)
    async def callback(request: Request) -> RedirectResponse:
        try:
            token = await client.authorize_access_token(request)
        except OAuthError as exc:
            # error codes are safe to show: "access_denied", "mismatching_state", ...
            raise SambandError(
                f"sign-in did not complete ({exc.error}); start again at /login", code="SIGN_IN_FAILED", status=400
            ) from None
        except (JoseError, ValueError, KeyError, TypeError):
            raise SambandError(
                "the identity provider's answer could not be verified; start again at /login",
                code="SIGN_IN_FAILED",
                status=400,
            ) from None
        except httpx.HTTPError as exc:
            log.warning("cannot finish sign-in: %s", type(exc).__name__)
            raise _unavailable() from None
        userinfo = token.get("userinfo") or {}
        if userinfo.get("iss") != settings.issuer or not userinfo.get("sub"):
            raise SambandError("the identity provider's answer was incomplete; start again at /login",
                               code="SIGN_IN_FAILED", status=400)
        engine = request.app.state.engine
        actor = await run_in_threadpool(_actor_by_subject, engine, userinfo["sub"])
        if actor is None:
            raise _unauthenticated("no samband user for this sign-in")
        shared = bool(request.session.get(SHARED_KEY))
        sid = await run_in_threadpool(
            lambda: sessions.create(engine, settings.sessions, actor_id=actor.id, shared_computer=shared,
                                    id_token=token.get("id_token"))
        )
        # A fresh cookie naming the new record: nothing from before survives but the
        # browser's "shared computer" choice.
        request.session.clear()
        request.session.update({sessions.SID_KEY: sid, sessions.ACTOR_KEY: actor.id, SHARED_KEY: shared})
        log.info("auth:session:created actor_id=%s shared_computer=%s", actor.id, shared)
        return RedirectResponse("/", status_code=303)

    async def end_session(request: Request, *, everywhere: bool) -> RedirectResponse:
        """Revoke this session (or all of the person's), then sign out at the issuer."""
        live = sessions.live_session(request.scope)
        engine = request.app.state.engine
        if live is not None:
            if everywhere:
                count = await run_in_threadpool(sessions.revoke_all, engine, live.actor_id)
                log.info("auth:session:revoked-all actor_id=%s count=%d", live.actor_id, count)
            else:
                await run_in_threadpool(sessions.revoke, engine, live.id_hash)
                log.info("auth:session:revoked actor_id=%s", live.actor_id)
        request.session.clear()
        if live is None:
            return RedirectResponse("/", status_code=303)
        request.session[SHARED_KEY] = live.shared_computer
        if live.shared_computer:
            # The signed-out page deletes this person's keys from the browser again, in
            # case the sign-out form's own clean-up did not run (see keystore.js).
            request.session[FORGET_KEYS_KEY] = live.actor_id
        end_session_endpoint = None
        try:
            metadata = await client.load_server_metadata()
            end_session_endpoint = metadata.get("end_session_endpoint")
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as exc:
            # The session here has ended; the issuer's may live on.  Say so in the log.
            log.warning("cannot reach the issuer to sign out there: %s", type(exc).__name__)
        if not end_session_endpoint:
            return RedirectResponse("/signed-out", status_code=303)
        state = secrets.token_urlsafe(24)
        request.session[LOGOUT_STATE_KEY] = state
        query = {"client_id": settings.oidc.client_id, "post_logout_redirect_uri": post_logout_redirect_uri,
                 "state": state}
        if live.id_token:
            query["id_token_hint"] = live.id_token
        separator = "&" if "?" in end_session_endpoint else "?"
        return RedirectResponse(f"{end_session_endpoint}{separator}{urlencode(query)}", status_code=303)

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> RedirectResponse:
        # CSRF-checked by web.csrf like every cookie-authenticated POST; GET /logout
        # (web.pages) shows a button that posts here.
        return await end_session(request, everywhere=False)

    @router.post("/logout/everywhere", include_in_schema=False)
    async def logout_everywhere(request: Request) -> RedirectResponse:
        """"Logg ut på alle enheter": every session of the person ends (CSRF-checked)."""
        return await end_session(request, everywhere=True)

    @router.get("/signed-out", include_in_schema=False)
    async def signed_out(request: Request, state: str = "") -> RedirectResponse:
        """Where the issuer sends the browser back after signing out there."""
        expected = request.session.pop(LOGOUT_STATE_KEY, None)
        if state and not (isinstance(expected, str) and secrets.compare_digest(state, expected)):
            log.warning("auth:signed-out: state does not match the sign-out this browser started")
        from web.pages.render import flash, translator  # pages import this module

        flash(request, translator(request)("session.signed_out"))
        return RedirectResponse("/", status_code=303)

    @router.get("/me", summary="Who am I signed in as", responses=errors.responses(401))
    async def me(actor: Actor = Depends(current_actor)) -> dict[str, str]:
        return {"id": actor.id, "name": actor.name, "role": actor.role}

    @router.get("/me/key-lock", summary="The server's half of the lock on this person's keys in a browser",
                responses=errors.responses(401))
    async def key_lock(actor: Actor = Depends(current_actor)) -> JSONResponse:
        """32 bytes the browser needs, besides its own non-extractable key, to open the
        private keys it keeps (web/static/js/keystore.js): without a live sign-in the
        stored keys stay locked.  Alone they open nothing; the server never sees keys."""
        return JSONResponse({"key": key_lock_secret(settings, actor.id)}, headers={"Cache-Control": "no-store"})

    return router
