"""Browser sessions the server can end (docs/decisions/0012-sessions.md).

The session cookie (Starlette's signed ``samband_session``) names a session record by a
random id (``sid``); the server stores only the id's SHA-256.  Every request with the
cookie is checked against the record by ``SessionRecordMiddleware`` before anything
else reads the session: a revoked record, one idle longer than
``settings.sessions.idle_timeout_seconds`` or older than its absolute expiry makes the
request signed out (pages go to sign-in, the API answers 401), whatever the cookie
says.  So signing out ends the session everywhere a copy of the cookie is used, and
"sign out on all devices" ends every session of the person.

Downstream code keeps reading ``request.session["actor_id"]``: the middleware puts it
there from the record and removes it when the record no longer holds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timedelta

from sqlalchemy import Column, Engine, Text, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Field, Session, SQLModel
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from directory.columns import UTCDateTime, utcnow
from web.settings import SessionConfig

log = logging.getLogger("samband.sessions")

KEEP_ENDED = timedelta(days=7)
SID_KEY = "sid"  # in the cookie: the session's random id
ACTOR_KEY = "actor_id"  # in the cookie, as downstream reads it; trusted only via the record
SCOPE_KEY = "samband.session"  # in the ASGI scope: the checked record (``LiveSession``)
ENDED_KEY = "samband.session_ended"  # in the ASGI scope: the named session that no longer holds
SHARED_KEY = "shared_computer"  # in the cookie: this browser's last "shared computer" choice
FORGET_KEYS_KEY = "forget_keys"  # in the cookie: whose keys the next page deletes from the browser


class WebSession(SQLModel, table=True):
    """One browser sign-in."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)  # SHA-256 of the cookie's id
    actor_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    shared_computer: bool = False
    # The issuer's ID token, sent back as id_token_hint at RP-initiated logout.
    id_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The name of the identity provider (``settings.providers``) it signed in through.
    provider: str | None = Field(default=None, max_length=40)


@dataclass(frozen=True)
class EndedSession:
    """A session record that no longer holds, and why: "unknown", "revoked", "expired"
    (absolute timeout) or "idle"."""

    reason: str
    actor_id: str | None = None
    shared_computer: bool = False


@dataclass(frozen=True)
class LiveSession:
    """A session record that held when this request came in."""

    id_hash: str
    actor_id: str
    shared_computer: bool
    id_token: str | None
    provider: str | None = None


def hash_id(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _write_engine(engine: Engine) -> Engine:
    # SQLite: take the write lock up front (see web.database.writer).  PostgreSQL: a
    # one-row update needs no global writers' lock.
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


def create(engine: Engine, config: SessionConfig, *, actor_id: str, shared_computer: bool,
           id_token: str | None, provider: str | None = None) -> str:
    """A new session for ``actor_id``; returns its id (for the cookie only)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    table = WebSession.__table__
    with Session(_write_engine(engine)) as session:
        # Records dead for a week go (every session is dead after its absolute expiry,
        # revoked or not); kept that long for the record of who was signed in when.
        session.execute(table.delete().where(table.c.expires_at < now - KEEP_ENDED))
        session.add(WebSession(
            id_hash=hash_id(sid), actor_id=actor_id, created_at=now, last_seen_at=now,
            expires_at=now + timedelta(seconds=config.absolute_timeout_seconds),
            shared_computer=shared_computer, id_token=id_token, provider=provider,
        ))
        session.commit()
    return sid


def check(engine: Engine, config: SessionConfig, sid: str) -> LiveSession | EndedSession:
    """The live session ``sid`` names, or why it is not one.  Writes ``last_seen_at``
    when it is older than the touch interval."""
    return check_hash(engine, config, hash_id(sid), touch=True)


def check_hash(engine: Engine, config: SessionConfig, id_hash: str, *, touch: bool) -> LiveSession | EndedSession:
    """``check`` by the stored hash; ``touch=False`` for an open websocket, which
    must not keep an idle session alive on its own."""
    now = utcnow()
    with Session(engine) as session:
        row = session.get(WebSession, id_hash)
        if row is None:
            return EndedSession("unknown")
        live = LiveSession(row.id_hash, row.actor_id, row.shared_computer, row.id_token, row.provider)
        last_seen, expires_at, revoked_at = row.last_seen_at, row.expires_at, row.revoked_at
    ended = partial(EndedSession, actor_id=live.actor_id, shared_computer=live.shared_computer)
    if revoked_at is not None:
        return ended("revoked")
    if now >= expires_at:
        return ended("expired")
    idle = timedelta(seconds=config.idle_timeout_seconds)
    if now - last_seen >= idle:
        return ended("idle")
    interval = min(timedelta(seconds=config.touch_interval_seconds), idle / 10)
    if touch and now - last_seen >= interval:
        table = WebSession.__table__
        with Session(_write_engine(engine)) as session:
            session.execute(
                update(table)
                .where(table.c.id_hash == id_hash, table.c.last_seen_at < now - interval, table.c.revoked_at.is_(None))
                .values(last_seen_at=now)
            )
            session.commit()
    return live


def revoke(engine: Engine, id_hash: str) -> None:
    table = WebSession.__table__
    with Session(_write_engine(engine)) as session:
        session.execute(
            update(table).where(table.c.id_hash == id_hash, table.c.revoked_at.is_(None)).values(revoked_at=utcnow())
        )
        session.commit()


def revoke_all(engine: Engine, actor_id: str) -> int:
    """End every session of ``actor_id``; returns how many were still open."""
    table = WebSession.__table__
    now = utcnow()
    with Session(_write_engine(engine)) as session:
        result = session.execute(
            update(table)
            .where(table.c.actor_id == actor_id, table.c.revoked_at.is_(None), table.c.expires_at > now)
            .values(revoked_at=now)
        )
        session.commit()
        return result.rowcount or 0


async def _unavailable(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1013})  # try again later
        return
    body = json.dumps({"code": "UNAVAILABLE", "message": "the database is briefly unavailable; nothing was "
                       "saved, try again in a moment"}).encode()
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"retry-after", b"1")]})
    await send({"type": "http.response.body", "body": body})


def live_session(scope: Scope) -> LiveSession | None:
    return scope.get(SCOPE_KEY)


class SessionRecordMiddleware:
    """Pure ASGI, just inside ``SessionMiddleware``: checks the record the cookie names
    and makes ``scope["session"]`` say signed in only when it holds."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not scope["path"].startswith("/static/"):
            cookie = scope.get("session")
            if cookie is not None:
                sid = cookie.get(SID_KEY)
                if isinstance(sid, str) and sid:
                    state = scope["app"].state
                    try:
                        result = await run_in_threadpool(check, state.engine, state.settings.sessions, sid)
                    except (OperationalError, InterfaceError) as exc:
                        # The database is away: nobody's sign-in can be checked.
                        log.warning("cannot check the session (%s)", type(exc).__name__)
                        await _unavailable(scope, send)
                        return
                    if isinstance(result, LiveSession):
                        cookie[ACTOR_KEY] = result.actor_id
                        scope[SCOPE_KEY] = result
                    else:
                        log.info("auth:session:ended reason=%s", result.reason)
                        scope[ENDED_KEY] = result
                        cookie.pop(SID_KEY, None)
                        cookie.pop(ACTOR_KEY, None)
                        if result.shared_computer and result.actor_id:
                            # Timed out or ended elsewhere on a shared computer: the next
                            # page deletes the keys this browser still holds.
                            cookie[FORGET_KEYS_KEY] = result.actor_id
                            cookie[SHARED_KEY] = True
                elif ACTOR_KEY in cookie:
                    # A cookie from before sessions had records, or a forged one.
                    cookie.pop(ACTOR_KEY, None)
        await self.app(scope, receive, send)
