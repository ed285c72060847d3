"""Authlib's authorization server, adapted to Starlette, for the embedded IdP.

``LocalAuthorizationServer`` subclasses Authlib's framework-neutral
``AuthorizationServer`` the way ``authlib.integrations.flask_oauth2`` does for Flask:
requests are read up front (``HttpRequestData``) so that Authlib's synchronous code,
which touches the database, runs in a worker thread.

- Grant: authorization code, with PKCE (S256 only, required of public clients) and
  the OpenID Connect code-flow extension (``id_token``).  No refresh tokens.
- Clients are fixed (``IdpClient``); users are directory actors (``IdpUser``).
- Codes are stored hashed (``web.idp_models``) and deleted as they are redeemed.
- Access tokens are RFC 9068 JWTs signed ES256 with the key from
  ``load_or_create_signing_key``.

Routes live in ``web.idp``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.responses import JSONResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from sqlalchemy import Engine, delete
from sqlmodel import Session, select
from starlette.datastructures import Headers

from directory import store as directory_store
from directory.columns import utcnow
from web.idp_models import IdpAuthorizationCode
from web.settings import Settings
from web.signing import create_private_file

log = logging.getLogger("samband.idp")

CLI_CLIENT_ID = "samband-cli"
SIGNING_ALG = "ES256"
SCOPES = ("openid", "profile")
ACCESS_TOKEN_TTL = 3600
CODE_TTL = timedelta(minutes=5)


# --- keys -----------------------------------------------------------------------------


def load_or_create_signing_key(path: Path) -> ECKey:
    """The IdP's P-256 signing key, created (mode 0600) on first use.

    Raises:
        ValueError: the file holds something other than a P-256 private key.
    """
    path = Path(path)
    if not path.exists():
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # 0600, written whole before it appears; if another node made it first, use theirs.
        create_private_file(path, pem)
    if path.stat().st_mode & 0o077:
        log.warning("%s is readable by other users; chmod 600 it", path)
    key = ECKey.import_key(path.read_bytes())
    if not key.is_private or key.curve_name != "P-256":
        raise ValueError(f"{path} does not hold a P-256 private key")
    key.ensure_kid()  # RFC 7638 thumbprint
    return key


# --- clients, users, codes ------------------------------------------------------------


# The authority of a loopback redirect, parsed strictly: a bracketed IPv6 literal or a
# plain host, then an optional decimal port, and nothing else (no user info, no text
# after the bracket).  ``urlsplit().hostname`` is too lenient: for
# ``http://[::1].evil.example/`` it answers ``::1``.
_LOOPBACK_AUTHORITY = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.]+))(?::(?P<port>[0-9]{1,5}))?")
_IPV4_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_IPV6_LOOPBACK = ipaddress.IPv6Address("::1")


def is_loopback_redirect(uri: str) -> bool:
    """RFC 8252 §7.3: http to the loopback interface, any port, any path, no fragment.

    The host must be exactly ``localhost``, an IPv4 address in 127.0.0.0/8 in dotted
    decimal, or the bracketed IPv6 literal ``[::1]``; nothing may follow it but a port.
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    match = _LOOPBACK_AUTHORITY.fullmatch(parts.netloc)
    if parts.scheme != "http" or parts.fragment or "#" in uri or match is None:
        return False
    port = match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        return False
    if match["v6"] is not None:
        try:
            return ipaddress.IPv6Address(match["v6"]) == _IPV6_LOOPBACK
        except ValueError:
            return False
    host = match["host"]
    if host == "localhost":
        return True
    try:
        return ipaddress.IPv4Address(host) in _IPV4_LOOPBACK
    except ValueError:
        return False


@dataclass(frozen=True)
class IdpClient(ClientMixin):
    client_id: str
    name: str
    client_secret: str | None = None  # None: a public client
    redirect_uris: tuple[str, ...] = ()
    loopback_redirects: bool = False
    # Where RP-initiated logout may send the browser back to: exact matches only.
    post_logout_redirect_uris: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return "openid"
        return list_to_scope([s for s in scope_to_list(scope) if s in SCOPES])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if redirect_uri in self.redirect_uris:
            return True
        return self.loopback_redirects and is_loopback_redirect(redirect_uri)

    def check_post_logout_redirect_uri(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.client_secret is None:
            return False
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint != "token":
            return True
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class IdpUser:
    subject: str
    name: str
    actor_id: str

    def get_user_id(self) -> str:
        return self.subject


@dataclass(frozen=True)
class IssuedCode(AuthorizationCodeMixin):
    """A redeemed authorization code, as read back (and deleted) at the token endpoint."""

    client_id: str
    subject: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_amr(self) -> list[str]:
        return ["pwd"]


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def find_user(engine: Engine, subject: str) -> IdpUser | None:
    with Session(engine) as session:
        actor = directory_store.get_actor_by_subject(session=session, subject=subject)
        return IdpUser(subject, actor.name, actor.id) if actor else None


# --- Authlib, adapted to Starlette ----------------------------------------------------


@dataclass(frozen=True)
class HttpRequestData:
    """What Authlib needs of an HTTP request, read up front (``await request.form()``)
    so that Authlib's synchronous code, which touches the database, can run in a
    worker thread instead of blocking the event loop."""

    method: str
    uri: str
    headers: Headers  # case-insensitive, as Authlib expects
    args: list[tuple[str, str]]
    form: list[tuple[str, str]]
    engine: Engine


class _Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]):
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for name, value in pairs:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, http: HttpRequestData):
        super().__init__(method=http.method, uri=http.uri, headers=http.headers)
        self._args = dict(reversed(http.args))  # first value wins, as in the payload
        self._form = dict(reversed(http.form))
        self.payload = _Payload(http.form + http.args)
        self.engine = http.engine

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _JsonPayload(JsonPayload):
    def __init__(self, data: dict):
        self._data = data

    @property
    def data(self) -> dict:
        return self._data


class StarletteJsonRequest(JsonRequest):
    def __init__(self, http: HttpRequestData, data: dict):
        super().__init__(http.method, http.uri, http.headers)
        self.payload = _JsonPayload(data)


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code: str, request: StarletteOAuth2Request) -> None:
        data = request.payload.data
        now = utcnow()
        row = IdpAuthorizationCode(
            code_hash=_code_hash(code),
            client_id=request.client.client_id,
            subject=request.user.subject,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope or "",
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=int(now.timestamp()),
            expires_at=now + CODE_TTL,
        )
        with Session(request.engine) as session:
            session.exec(delete(IdpAuthorizationCode).where(IdpAuthorizationCode.expires_at < now))
            session.add(row)
            session.commit()

    def query_authorization_code(self, code: str, client: IdpClient) -> IssuedCode | None:
        # Reading the code deletes it, in one statement, so two concurrent token
        # requests cannot both redeem it; a code that then fails PKCE is spent too.
        table = IdpAuthorizationCode
        stmt = (
            delete(table)
            .where(table.code_hash == _code_hash(code), table.client_id == client.client_id)
            .returning(
                table.client_id, table.subject, table.redirect_uri, table.scope, table.nonce,
                table.code_challenge, table.code_challenge_method, table.auth_time, table.expires_at,
            )
        )
        with Session(self.request.engine) as session:
            row = session.exec(stmt).first()
            session.commit()
        if row is None or row.expires_at <= utcnow():
            return None
        return IssuedCode(*row[:-1])

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        pass  # deleted already, when it was read

    def authenticate_user(self, authorization_code: IssuedCode) -> IdpUser | None:
        return find_user(self.request.engine, authorization_code.subject)


class _Pkce(CodeChallenge):
    """PKCE with S256 only ("plain" protects nothing); required of the public client."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: _CodeGrant, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        if grant.request.client.is_public and not data.get("code_challenge"):
            raise InvalidRequestError("this client must use PKCE: send code_challenge with S256")


def user_info(user: IdpUser, scope: str) -> UserInfo:
    info = UserInfo(sub=user.subject)
    if "profile" in scope_to_list(scope or ""):
        info.update(name=user.name, preferred_username=user.subject)
    return info


class _OpenIDCode(OpenIDCode):
    def __init__(self, idp: LocalAuthorizationServer):
        super().__init__(require_nonce=False)
        self.idp = idp

    def resolve_client_private_key(self, client: IdpClient) -> ECKey:
        return self.idp.key

    def get_client_algorithm(self, client: IdpClient) -> str:
        return SIGNING_ALG

    def get_encode_header(self, client: IdpClient) -> dict[str, str]:
        return {"alg": SIGNING_ALG, "kid": self.idp.key.kid}

    def get_client_claims(self, client: IdpClient) -> dict[str, Any]:
        return {"iss": self.idp.issuer, "aud": [client.client_id], "exp": int(time.time()) + ACCESS_TOKEN_TTL}

    def exists_nonce(self, nonce: str, request: StarletteOAuth2Request) -> bool:
        table = IdpAuthorizationCode
        with Session(request.engine) as session:
            found = session.exec(
                select(table.code_hash).where(table.nonce == nonce, table.client_id == request.payload.client_id)
            ).first()
        return found is not None

    def generate_user_info(self, user: IdpUser, scope: str) -> UserInfo:
        return user_info(user, scope)


class LocalAuthorizationServer(AuthorizationServer):
    def __init__(self, settings: Settings, key: ECKey):
        super().__init__(scopes_supported=list(SCOPES))
        self.settings = settings
        self.key = key
        self.issuer = settings.issuer
        public_url = settings.public_url.rstrip("/")
        self.clients = {
            settings.oidc.client_id: IdpClient(
                client_id=settings.oidc.client_id,
                name="the samband portal",
                client_secret=settings.oidc.client_secret.get_secret_value(),
                redirect_uris=(f"{public_url}/auth/callback",),
                post_logout_redirect_uris=(f"{public_url}/signed-out",),
            ),
            CLI_CLIENT_ID: IdpClient(
                client_id=CLI_CLIENT_ID, name="the samband command line", loopback_redirects=True
            ),
        }
        self.register_token_generator("default", self.issue_access_token)
        self.register_grant(_CodeGrant, [_Pkce(required=True), _OpenIDCode(self)])

    def issue_access_token(
        self, grant_type: str, client: IdpClient, user: IdpUser | None = None, scope: str | None = None,
        expires_in: int | None = None, include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        """An RFC 9068 JWT access token for the samband API (no refresh token)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": user.subject,
            "aud": self.settings.oidc.audience,
            "exp": now + ACCESS_TOKEN_TTL,
            "iat": now,
            "jti": secrets.token_urlsafe(16),
            "client_id": client.client_id,
            "scope": scope or "",
        }
        header = {"typ": "at+jwt", "alg": SIGNING_ALG, "kid": self.key.kid}
        access_token = jwt.encode(header, claims, self.key, [SIGNING_ALG])
        return {"token_type": "Bearer", "access_token": access_token, "expires_in": ACCESS_TOKEN_TTL, "scope": scope}

    def query_client(self, client_id: str) -> IdpClient | None:
        return self.clients.get(client_id)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        # Self-contained JWTs: nothing to store.  Ids only in the log.
        log.info("idp:token:issued client_id=%s actor_id=%s", request.client.client_id, request.user.actor_id)

    def create_oauth2_request(self, request: HttpRequestData | OAuth2Request) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else StarletteOAuth2Request(request)

    def create_json_request(self, request: HttpRequestData) -> JsonRequest:
        return StarletteJsonRequest(request, {})

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def verify_id_token_hint(self, token: str) -> dict[str, Any] | None:
        """Claims of an ID token this IdP issued, expired or not (OpenID Connect
        RP-Initiated Logout 1.0 §2: a hint may have expired), or None."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=[SIGNING_ALG])
            if decoded.header.get("typ") == "at+jwt":  # an access token is not an ID token
                return None
            claims = decoded.claims
            timeless = {k: v for k, v in claims.items() if k not in ("exp", "nbf", "iat")}
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.issuer}, sub={"essential": True},
                                  aud={"essential": True}).validate(timeless)
        except (JoseError, ValueError):
            return None
        return claims

    def verify_access_token(self, token: str) -> dict[str, Any] | None:
        """Claims of one of this IdP's own unexpired access tokens (for /userinfo)."""
        try:
            decoded = jwt.decode(token, self.key, algorithms=[SIGNING_ALG])
            if decoded.header.get("typ") != "at+jwt":  # an ID token is not an access token
                return None
            claims = decoded.claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError):
            return None
        return claims
