"""Sign-in: samband as an OpenID Connect relying party, and who is calling.

Two ways in, both ending in a directory ``Actor``:

- Browsers: ``/login`` (a choice page when ``settings.providers`` lists several;
  ``/login?provider=<name>`` goes straight on) → the provider's sign-in page →
  ``/auth/callback/<name>`` (``/auth/callback`` for the single default provider), which
  links the ID token's claims to an actor (``web.identity``), opens a server-side
  session record (``web.sessions``, remembering the provider) and names it in the
  session cookie.  ``POST /logout`` revokes the record and, when that provider's
  discovery document has an ``end_session_endpoint``, sends the browser there (OpenID
  Connect RP-Initiated Logout 1.0) so the provider forgets the sign-in too;
  ``POST /logout/everywhere`` revokes every session of the person.
- Programs: ``Authorization: Bearer <JWT access token>``.  The token's ``iss`` picks the
  provider (unknown: 401); the signature is checked against that issuer's JWKS, found by
  discovery over HTTP (also when the issuer is the embedded IdP in this very process)
  and cached per issuer on ``app.state``; ``aud`` must contain the provider's
  ``audience``; ``exp`` and ``nbf`` are checked; then the same linking as at sign-in.

Sign-in failures in a browser are pages in the person's language (``sign_in_error.html``);
API callers get the JSON problem answer with ``WWW-Authenticate`` (``web.errors``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response
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
from web import errors, identity, sessions
from web.i18n import language_of
from web.identity import SignInRefused
from web.settings import ProviderConfig, Settings

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
ROLE_CHOICES_KEY = "role_choices"  # in the cookie: the actors one sign-in may act as
# Bearer callers whose sign-in matches several actors (one person in two roles) name one.
ACTOR_HEADER = "samband-actor"


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


def issuer_keys(app: FastAPI, issuer: str) -> IssuerKeys:
    """The key cache of ``issuer``: one per configured provider, kept on ``app.state``."""
    cache = getattr(app.state, "oidc_issuer_keys", None)
    if not isinstance(cache, dict):
        cache = app.state.oidc_issuer_keys = {}
    keys = cache.get(issuer)
    if keys is None:
        keys = cache[issuer] = IssuerKeys(issuer)
    return keys


def _unverified_issuer(token: str) -> object:
    """The ``iss`` a token claims, before anything is checked: only to pick whose keys
    to check it with (the signature and ``iss`` are verified after)."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("iss")
    except (IndexError, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        return None


async def verify_access_token(app: FastAPI, token: str, *, now: int | None = None) -> dict[str, Any]:
    """The claims of a valid access token for the samband API, from any configured
    provider (``identity.provider_for_issuer(settings, claims["iss"])`` is its provider).

    Raises:
        SambandError: ``UNAUTHENTICATED`` (401) with a message saying what to do, or
            ``AUTH_UNAVAILABLE`` (503) when the issuer's keys cannot be fetched.
    """
    settings: Settings = app.state.settings
    invalid = _unauthenticated("the access token is not valid; sign in again to get a new one")
    provider = identity.provider_for_issuer(settings, _unverified_issuer(token))
    if provider is None:
        raise _unauthenticated("the access token comes from an identity provider samband does not accept; "
                               "sign in to samband again")
    if provider.audience is None:
        raise _unauthenticated(f"access tokens from {provider.display} are not accepted by the samband API; "
                               "sign in with a provider that issues them")
    keys = issuer_keys(app, provider.issuer)
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
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.audience},
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
            f"{provider.audience!r}); sign in to samband to get one",
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
        provider = identity.provider_for_issuer(request.app.state.settings, claims["iss"])
        assert provider is not None  # verify_access_token picked it
        actors = await run_in_threadpool(identity.resolve, engine, provider, claims, sign_in=False)
        named = request.headers.get(ACTOR_HEADER)
        actor = identity.pick(actors, named)
        if actor is None:
            choices = ", ".join(f"{a.id} ({a.role})" for a in actors)
            raise SambandError(
                f"this sign-in is more than one samband user; send the header 'Samband-Actor: <id>' "
                f"with one of: {choices}", code="CHOOSE_ACTOR", status=403)
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
        if isinstance(args, tuple) and len(args) >= 3 and str(args[2]).startswith("/auth/callback"):
            path, _, query = str(args[2]).partition("?")
            if query:
                record.args = (*args[:2], f"{path}?<redacted>", *args[3:])
        return True


def _redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactCallbackQuery) for f in access.filters):
        access.addFilter(RedactCallbackQuery())


def wants_page(request: Request) -> bool:
    """A browser (asks for HTML, sends no bearer token) gets pages; API clients JSON."""
    return "text/html" in request.headers.get("accept", "") and "authorization" not in request.headers


def sign_in_error(request: Request, exc: SambandError, provider: ProviderConfig | None) -> Response:
    """A failed sign-in: a page in the person's language with what to do, or for an API
    client the JSON problem answer (raised again for ``web.errors``)."""
    if not wants_page(request):
        raise exc
    from web.pages.render import render, translator  # pages import this module

    t = translator(request)
    name = provider.display if provider else "samband"
    retry = f"/login?provider={provider.name}" if provider else "/login"
    higher = None
    if isinstance(exc, SignInRefused) and exc.reason == "assurance":
        title, text = t("signin.assurance.title"), t("signin.assurance", provider=name, needed=exc.needed or "")
        higher = f"{retry}&{urlencode({'acr_values': exc.needed})}"
    elif isinstance(exc, SignInRefused) and exc.reason == "role":
        title, text = t("signin.role.title"), t("signin.role", provider=name)
    elif isinstance(exc, SignInRefused):
        title, text = t("signin.no_user.title"), t("signin.no_user", provider=name)
    elif exc.code == "AUTH_UNAVAILABLE":
        title, text = t("signin.unavailable.title"), t("signin.unavailable", provider=name)
    else:
        title, text = t("signin.failed.title"), t("signin.failed", provider=name)
    context = {"status": exc.status, "code": exc.code, "heading": title, "message": text, "retry": retry,
               "retry_higher": higher}
    return render(request, "sign_in_error.html", context, status=exc.status)


async def _with_userinfo(client: Any, provider: ProviderConfig, token: dict[str, Any],
                         claims: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo endpoint when they lack what
    the provider's link or assurance rules read (providers that release scope claims
    only there).  The ID token's own claims win; a userinfo answer about another
    ``sub``, or none at all, adds nothing."""
    has_link = any(rule.claim in claims for rule in provider.link)
    has_level = provider.assurance is None or provider.assurance.claim in claims
    if has_link and has_level:
        return claims
    try:
        info = await client.userinfo(token=token)
    except (httpx.HTTPError, OAuthError, JoseError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        log.info("auth:userinfo unavailable at %s: %s", provider.name, type(exc).__name__)
        return claims
    if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
        return claims
    return {**info, **claims}


def build_router(settings: Settings) -> APIRouter:
    """``/login``, ``/auth/callback[/<provider>]``, ``/auth/role``, ``/logout`` and ``/me``."""
    _redact_access_log()
    # Authlib logs tokens and PKCE verifiers at DEBUG: never let those through.
    logging.getLogger("authlib").setLevel(logging.INFO)
    base = settings.public_url.rstrip("/")
    legacy = settings.oidc.providers is None  # the one default provider, at /auth/callback
    oauth = OAuth()
    providers = {p.name: p for p in settings.providers}
    redirect_uris: dict[str, str] = {}
    for provider in settings.providers:
        client_kwargs: dict[str, Any] = {"scope": " ".join(provider.scopes), "code_challenge_method": "S256",
                                         "timeout": 10.0}
        if provider.client_secret is None:
            client_kwargs["token_endpoint_auth_method"] = "none"
        extra: dict[str, Any] = {}
        if provider.resource:
            # RFC 8707: the access token is for samband's API, on both requests.
            extra = {"authorize_params": {"resource": provider.resource},
                     "access_token_params": {"resource": provider.resource}}
        oauth.register(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret.get_secret_value() if provider.client_secret else None,
            server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
            client_kwargs=client_kwargs,
            **extra,
        )
        # Exactly the registered redirect URI: built from settings, never from the Host header.
        redirect_uris[provider.name] = f"{base}/auth/callback" if legacy else f"{base}/auth/callback/{provider.name}"

    post_logout_redirect_uri = f"{base}/signed-out"
    router = APIRouter(tags=["sign-in"])

    @router.get("/login", include_in_schema=False)
    async def login(request: Request, shared: str = "", choice: str = "", provider: str = "",
                    acr_values: str = "") -> Response:
        # "Dette er en delt datamaskin": remembered on the session record at the callback.
        # The landing page's form says so either way (choice=1); other ways in (a link,
        # a page that needs sign-in) keep this browser's last choice.
        if choice or shared:
            request.session[SHARED_KEY] = shared in ("1", "true", "on", "yes")
        if not provider and len(providers) > 1:
            from web.pages.render import render  # pages import this module

            return render(request, "sign_in_choice.html", {"providers": list(providers.values())})
        chosen = providers.get(provider) if provider else next(iter(providers.values()))
        if chosen is None:
            from web.pages.render import error_page, translator  # pages import this module

            return error_page(request, 404, translator(request)("signin.unknown_provider"))
        params: dict[str, str] = {"ui_locales": language_of(request)}
        # Asking for a higher level after a refusal: only a level the provider knows.
        if acr_values and chosen.assurance is not None and acr_values in chosen.assurance.levels:
            params["acr_values"] = acr_values
        elif chosen.acr_values:
            params["acr_values"] = chosen.acr_values
        try:
            return await oauth.create_client(chosen.name).authorize_redirect(
                request, redirect_uris[chosen.name], **params)
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("cannot start sign-in at %s: %s", chosen.name, type(exc).__name__)
            return sign_in_error(request, _unavailable(), chosen)

    async def finish_sign_in(request: Request, provider: ProviderConfig) -> Response:
        client = oauth.create_client(provider.name)
        try:
            try:
                token = await client.authorize_access_token(request)
            except OAuthError as exc:
                # error codes are safe to show: "access_denied", "mismatching_state", ...
                raise SambandError(
                    f"sign-in did not complete ({exc.error}); start again at /login", code="SIGN_IN_FAILED",
                    status=400) from None
            except (JoseError, ValueError, KeyError, TypeError):
                raise SambandError(
                    "the identity provider's answer could not be verified; start again at /login",
                    code="SIGN_IN_FAILED", status=400) from None
            except httpx.HTTPError as exc:
                log.warning("cannot finish sign-in at %s: %s", provider.name, type(exc).__name__)
                raise _unavailable() from None
            claims = dict(token.get("userinfo") or {})
            if claims.get("iss") != provider.issuer or not claims.get("sub"):
                raise SambandError("the identity provider's answer was incomplete; start again at /login",
                                   code="SIGN_IN_FAILED", status=400)
            claims = await _with_userinfo(client, provider, token, claims)
            engine = request.app.state.engine
            actors = await run_in_threadpool(identity.resolve, engine, provider, claims, sign_in=True)
        except SambandError as exc:
            if isinstance(exc, SignInRefused):
                log.info("auth:sign-in:refused provider=%s reason=%s", provider.name, exc.reason)
            return sign_in_error(request, exc, provider)
        actor = actors[0]
        shared = bool(request.session.get(SHARED_KEY))
        sid = await run_in_threadpool(
            lambda: sessions.create(engine, settings.sessions, actor_id=actor.id, shared_computer=shared,
                                    id_token=token.get("id_token"), provider=provider.name)
        )
        # A fresh cookie naming the new record: nothing from before survives but the
        # browser's "shared computer" choice.
        request.session.clear()
        request.session.update({sessions.SID_KEY: sid, sessions.ACTOR_KEY: actor.id, SHARED_KEY: shared})
        log.info("auth:session:created actor_id=%s shared_computer=%s provider=%s", actor.id, shared, provider.name)
        if len(actors) > 1:
            # One person in several roles: signed in as the first; the next page asks which.
            request.session[ROLE_CHOICES_KEY] = [a.id for a in actors]
            return RedirectResponse("/auth/role", status_code=303)
        return RedirectResponse("/", status_code=303)

    @router.get("/auth/callback", include_in_schema=False)
    async def callback(request: Request) -> Response:
        if len(providers) != 1:
            raise SambandError("sign-in did not complete (unknown provider); start again at /login",
                               code="SIGN_IN_FAILED", status=400)
        return await finish_sign_in(request, next(iter(providers.values())))

    async def provider_callback(request: Request, name: str) -> Response:
        provider = providers.get(name)
        if provider is None:
            return sign_in_error(request, SambandError(
                "sign-in did not complete (unknown provider); start again at /login", code="SIGN_IN_FAILED",
                status=400), None)
        return await finish_sign_in(request, provider)

    if not legacy:  # the redirect URI of each listed provider
        router.add_api_route("/auth/callback/{name}", provider_callback, methods=["GET"], include_in_schema=False)

    def _role_choices(request: Request) -> list[str]:
        live = sessions.live_session(request.scope)
        choices = request.session.get(ROLE_CHOICES_KEY)
        if live is None or not isinstance(choices, list) or live.actor_id not in choices:
            return []
        return [c for c in choices if isinstance(c, str)]

    @router.get("/auth/role", include_in_schema=False)
    async def choose_role(request: Request) -> Response:
        """"Velg rolle": one sign-in, several samband users (one person in two roles)."""
        choices = _role_choices(request)
        if not choices:
            return RedirectResponse("/", status_code=303)
        from web.pages.render import render  # pages import this module

        engine = request.app.state.engine
        actors = [a for a in [await run_in_threadpool(_actor_by_id, engine, c) for c in choices] if a is not None]
        return render(request, "choose_role.html", {"actors": actors})

    @router.post("/auth/role", include_in_schema=False)
    async def chose_role(request: Request) -> Response:
        # CSRF-checked by web.csrf like every cookie-authenticated POST.
        choices = _role_choices(request)
        form = await request.form()
        chosen = form.get("actor_id")
        live = sessions.live_session(request.scope)
        if live is None or not choices or chosen not in choices:
            return RedirectResponse("/", status_code=303)
        engine = request.app.state.engine
        if chosen != live.actor_id:
            # A new record for the chosen role; the first one ends.
            sid = await run_in_threadpool(
                lambda: sessions.create(engine, settings.sessions, actor_id=str(chosen),
                                        shared_computer=live.shared_computer, id_token=live.id_token,
                                        provider=live.provider))
            await run_in_threadpool(sessions.revoke, engine, live.id_hash)
            request.session.clear()
            request.session.update({sessions.SID_KEY: sid, sessions.ACTOR_KEY: str(chosen),
                                    SHARED_KEY: live.shared_computer})
            log.info("auth:session:role-chosen actor_id=%s", chosen)
        request.session.pop(ROLE_CHOICES_KEY, None)
        return RedirectResponse("/", status_code=303)

    async def end_session(request: Request, *, everywhere: bool) -> RedirectResponse:
        """Revoke this session (or all of the person's), then sign out at the provider
        it came from."""
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
        # Sessions from before providers were remembered came from the first (only) one.
        provider = providers.get(live.provider or "") or next(iter(providers.values()))
        end_session_endpoint = None
        try:
            metadata = await oauth.create_client(provider.name).load_server_metadata()
            end_session_endpoint = metadata.get("end_session_endpoint")
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as exc:
            # The session here has ended; the provider's may live on.  Say so in the log.
            log.warning("cannot reach %s to sign out there: %s", provider.name, type(exc).__name__)
        if not end_session_endpoint:
            return RedirectResponse("/signed-out", status_code=303)
        state = secrets.token_urlsafe(24)
        request.session[LOGOUT_STATE_KEY] = state
        query = {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri,
                 "state": state, "ui_locales": language_of(request)}
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
