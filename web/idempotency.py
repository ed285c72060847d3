"""Idempotency keys: a request sent twice changes things once.

A double tap, a retried request after a lost answer, two portal submits in a row: each
must leave one grant, one consent request, one message.  A client that creates
something sends an ``Idempotency-Key`` header (the portal's forms carry a hidden
``idempotency_key`` field, minted when the page is rendered; the page scripts send the
header).  Then:

- the first request with a key *claims* it: one row inserted under the unique
  (caller, key) primary key, committed before the route runs, so a second request
  that arrives while the first is still running cannot claim it too;
- when the first succeeds (status below 400) its answer — status, body, the headers a
  client needs (``Content-Type``, ``Location``) and any flash message the portal set —
  is stored; a repeat with the same key and the same request gets that answer again
  (with ``Idempotent-Replayed: true``) and the route does not run: nothing is written;
- when the first is refused (4xx) or fails (5xx) nothing was written, and the key is
  freed: the client may correct the request and send it again under the same key;
- a repeat that arrives while the first still runs waits for its answer (at most
  ``WAIT_SECONDS``), then gets 409 ``IDEMPOTENCY_IN_PROGRESS``;
- the same key with a different request (method, path or body) is 422
  ``IDEMPOTENCY_KEY_REUSED`` and runs nothing — decided once the first has its answer
  (a different request waits like a repeat): the first's answer reaches its client
  before the key is stored or freed, so a refused request that is corrected and sent
  again at once must not meet the key it is about to free.

Keys belong to a caller: the signed-in actor for the portal's cookie session, the
bearer token (its SHA-256, never the token) for API clients — checked here, before the
route authenticates, so the key store never answers one caller with another's result.
A request with no known caller is passed on untouched (the route answers 401).  Keys
expire after ``TTL`` (24 h); expired rows are removed as new keys are claimed.

This middleware sits innermost (inside the CSRF check and the body guard), so only
requests that would reach a route claim a key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs

import anyio
from sqlalchemy import Column, Index, Integer, LargeBinary, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from directory.columns import UTCDateTime, utcnow
from web.asgi_body import Body, read_body, replay

HEADER = "idempotency-key"
FORM_FIELD = "idempotency_key"
TTL = timedelta(hours=24)
WAIT_SECONDS = 20.0  # how long a repeat waits for the first to finish
POLL_SECONDS = 0.05
ABANDONED_AFTER = timedelta(minutes=5)  # a claim still "running" this long was lost in a crash
MAX_STORED_BODY = 1_000_000
MAX_BODY = 10_000_000  # the body guard outside refuses more
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")
REPLAY_HEADERS = (b"content-type", b"location", b"cache-control")
PURGE_EVERY = 200  # claims between sweeps of expired keys


class IdempotencyKey(SQLModel, table=True):
    """One claimed key of one caller, and once the request succeeded, its answer."""

    __tablename__ = "idempotency_key"
    __table_args__ = (Index("ix_idempotency_key_expires_at", "expires_at"),)

    caller: str = Field(primary_key=True, max_length=80)  # "actor:<id>" or "bearer:<sha256>"
    key: str = Field(primary_key=True, max_length=200)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path, query, content type, body
    state: str = Field(max_length=10)  # "running" | "done"
    status: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    headers: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON [[name, value]]
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    flash: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON, portal messages
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


def caller_of(scope: Scope, headers: dict[str, str]) -> str | None:
    """Whose key this is: the bearer token's hash, else the session's actor, else nobody."""
    authorization = headers.get("authorization")
    if authorization:
        return "bearer:" + hashlib.sha256(authorization.encode("latin-1")).hexdigest()
    actor_id = (scope.get("session") or {}).get("actor_id")
    return f"actor:{actor_id}" if isinstance(actor_id, str) and actor_id else None


def fingerprint(scope: Scope, content_type: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), content_type):
        h.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    h.update(body)
    return h.hexdigest()


class Claim:
    """What ``_claim`` found: ours to run, a stored answer, still running, or a misuse."""

    RUN, REPLAY, RUNNING, MISMATCH = "run", "replay", "running", "mismatch"

    def __init__(self, outcome: str, row: IdempotencyKey | None = None):
        self.outcome = outcome
        self.row = row


def _claim(engine, caller: str, key: str, fp: str, purge: bool) -> Claim:
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        try:
            if purge:
                session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at < now))
            row = session.get(IdempotencyKey, (caller, key))
            if row is not None and (row.expires_at < now or (row.state == "running" and row.created_at < now - ABANDONED_AFTER)):
                session.delete(row)  # expired, or its request died with its node: the key is free again
                session.flush()
                row = None
            if row is None:
                session.add(IdempotencyKey(caller=caller, key=key, fingerprint=fp, state="running",
                                           created_at=now, expires_at=now + TTL))
                session.commit()
                return Claim(Claim.RUN)
            session.expunge(row)  # keep what was read; the rollback below would expire it
            session.rollback()
        except IntegrityError:  # another request claimed it between our read and our insert
            session.rollback()
            row = session.get(IdempotencyKey, (caller, key))
            if row is None:
                return Claim(Claim.RUNNING)
            session.expunge(row)
    if row.state != "done":
        # Still running (or just refused and not yet freed): whether this is a repeat or
        # a misuse is known only once the first has its answer, so wait for it.
        return Claim(Claim.RUNNING, row)
    return Claim(Claim.MISMATCH if row.fingerprint != fp else Claim.REPLAY, row)


def _look(engine, caller: str, key: str) -> IdempotencyKey | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(select(IdempotencyKey).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)).first()


def _finish(engine, caller: str, key: str, status: int, headers: list, body: bytes, flash: list) -> None:
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(IdempotencyKey, (caller, key))
        if row is None:
            return
        if status >= 400 or len(body) > MAX_STORED_BODY:
            session.delete(row)  # refused or failed: nothing was written, the key is free again
        else:
            row.state = "done"
            row.status = status
            row.headers = json.dumps([[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers])
            row.body = body
            row.flash = json.dumps(flash) if flash else None
            session.add(row)
        session.commit()


def _release(engine, caller: str, key: str) -> None:
    with Session(engine, expire_on_commit=False) as session:
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key))
        session.commit()


async def _answer(send: Send, status: int, code: str, message: str, extra: list | None = None) -> None:
    payload = json.dumps({"code": code, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class IdempotencyMiddleware:
    """Pure ASGI, innermost: runs a POST with a key at most once per caller."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self._claims = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        key = headers.get(HEADER)
        is_form = content_type == "application/x-www-form-urlencoded"
        caller = caller_of(scope, headers)
        engine = getattr(scope["app"].state, "write_engine", None)
        if (key is None and not is_form) or caller is None or engine is None:
            # No key, or nobody to keep it for (the route answers 401): pass it on untouched.
            await self.app(scope, receive, send)
            return
        body, read = await read_body(receive, MAX_BODY)
        if read is not Body.COMPLETE:
            if read is Body.TOO_LARGE:
                await _answer(send, 413, "BODY_TOO_LARGE", "the request body is too large")
            return
        receive = replay(body, receive)
        if key is None:  # a portal form: the key is a hidden field
            key = (parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FORM_FIELD) or [None])[0]
            if key is None:
                await self.app(scope, receive, send)
                return
        key = key.strip()
        if not KEY_PATTERN.match(key):
            await _answer(send, 422, "INVALID_INPUT",
                          "the Idempotency-Key must be 1 to 200 characters: letters, digits, '-', '_', '.' or ':' (a UUID is good)")
            return
        fp = fingerprint(scope, content_type, body)
        self._claims += 1
        purge = self._claims % PURGE_EVERY == 1
        claim = await anyio.to_thread.run_sync(_claim, engine, caller, key, fp, purge)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while claim.outcome == Claim.RUNNING and loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            # Looking is a read: the reader engine, so waiting never holds the write lock.
            row = await anyio.to_thread.run_sync(_look, scope["app"].state.engine, caller, key)
            if row is None:  # the first was refused or failed and freed the key: try to claim it
                claim = await anyio.to_thread.run_sync(_claim, engine, caller, key, fp, False)
            elif row.state == "done":
                claim = Claim(Claim.MISMATCH if row.fingerprint != fp else Claim.REPLAY, row)
        if claim.outcome == Claim.RUNNING:
            await _answer(send, 409, "IDEMPOTENCY_IN_PROGRESS",
                          "a request with this Idempotency-Key is still being handled; wait for its answer, then look again",
                          [(b"retry-after", b"1")])
            return
        if claim.outcome == Claim.MISMATCH:
            await _answer(send, 422, "IDEMPOTENCY_KEY_REUSED",
                          "this Idempotency-Key was already used for a different request; use a new key for a new request")
            return
        if claim.outcome == Claim.REPLAY:
            await self._replay(scope, send, claim.row)
            return
        await self._run(scope, receive, send, engine, caller, key)

    async def _replay(self, scope: Scope, send: Send, row: IdempotencyKey) -> None:
        session = scope.get("session")
        if row.flash and isinstance(session, dict):  # the portal's confirmation, shown again
            waiting = session.get("flash", [])
            session["flash"] = [*waiting, *(f for f in json.loads(row.flash) if f not in waiting)][-5:]
        body = row.body or b""
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(row.headers or "[]")]
        headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": row.status or 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _run(self, scope: Scope, receive: Receive, send: Send, engine, caller: str, key: str) -> None:
        session = scope.get("session")
        flashes_before = list(session.get("flash", [])) if isinstance(session, dict) else []
        status = 500
        kept: list = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, kept
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [(k.lower(), v) for k, v in message.get("headers", []) if k.lower() in REPLAY_HEADERS]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await anyio.to_thread.run_sync(_release, engine, caller, key)
            raise
        flashes = []
        if isinstance(session, dict):
            flashes = [f for f in session.get("flash", []) if f not in flashes_before]
        await anyio.to_thread.run_sync(_finish, engine, caller, key, status, kept, b"".join(chunks), flashes)
