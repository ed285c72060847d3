"""``/ws``: pushes new messages, receipts and recalls to a signed-in client.

Protocol (JSON text frames):
- client → server, first frame: ``{"type": "resume", "cursor": <last seq seen, 0 at first>}``
- server → client: ``{"type": "ready", "cursor": N}``, then events in order, each with
  its ``seq``: ``{"type": "message", "message_id", "thread_id", "case_id", "sender_id",
  "kind", "view": <base64url sealed view>, "withheld": [section ids]}``,
  ``{"type": "receipt", "message_id", "recipient_id", "receipt": "delivered"|"read"}``,
  ``{"type": "recall", "message_id"}``; and ``{"type": "ping"}`` when idle.
- client → server later: ``{"type": "pong"}`` (optional).

Browsers authenticate with the session cookie; such a handshake must come from one of
samband's own pages (``Origin``), or it is closed with 4403.  The session is checked
again before every pull and ping: once it has ended (signed out, on all devices, timed
out) the socket is closed with 4401.  An open socket alone does not keep a session
from going idle.

Every message push is re-authorised at the moment it is sent (consent may have been
withdrawn since the message was accepted), logged, and counts as delivery.  A message
the client may no longer read is skipped, its cursor still advances.  Reconnecting
with the last ``seq`` seen resumes without loss.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from directory.errors import SambandError
from directory.models import Actor
from web import sessions
from web.auth import current_actor
from web.csrf import origin_allowed

log = logging.getLogger("samband.ws")
router = APIRouter()
BATCH = 100
# Cursors are inbox_event.seq values, a 32-bit INTEGER column: PostgreSQL refuses to
# compare it with anything larger, so such a cursor is refused here like a malformed one.
CURSOR_MAX = 2**31 - 1
RETRY_FIRST, RETRY_MAX = 0.2, 5.0  # seconds between pulls while the database is away


def _pending(app, me: Actor, cursor: int) -> list[tuple[int, dict | None]]:
    delivery = app.state.delivery
    # Most pulls (pings, wake-ups for another device) find nothing: look first without
    # the writers' lock, take it only to deliver (a push is logged and marks a receipt).
    with Session(app.state.engine) as session:
        if not delivery.events_after(session, me, cursor, 1):
            return []
    with Session(app.state.write_engine, expire_on_commit=False) as session:
        events = delivery.events_after(session, me, cursor, BATCH)
        return [(event.seq, delivery.push_payload(session, me, event)) for event in events]


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    cookie_only = websocket.headers.get("authorization") is None
    if cookie_only and not origin_allowed(websocket, websocket.app.state.settings.public_url):
        # The session cookie rides along on a handshake from any page; only ours may use it.
        await websocket.close(code=4403, reason="this page may not open samband's websocket")
        return
    try:
        me = await current_actor(websocket)
    except SambandError as exc:
        await websocket.close(code=4401, reason=exc.message[:120])
        return
    await websocket.accept()
    try:
        hello = await asyncio.wait_for(websocket.receive_json(), timeout=10)
        cursor = int(hello.get("cursor", 0)) if isinstance(hello, dict) and hello.get("type") == "resume" else -1
    except (TimeoutError, ValueError, TypeError, OverflowError, WebSocketDisconnect):
        cursor = -1
    if not 0 <= cursor <= CURSOR_MAX:
        with contextlib.suppress(Exception):
            await websocket.close(code=4400, reason='first send {"type": "resume", "cursor": <int>}')
        return

    app = websocket.app
    live = sessions.live_session(websocket.scope) if cookie_only else None

    async def session_ended() -> bool:
        if live is None:
            return False
        try:
            result = await asyncio.to_thread(sessions.check_hash, app.state.engine, app.state.settings.sessions,
                                             live.id_hash, touch=False)
        except DBAPIError:
            return False  # the database is away: the pull below waits for it
        return not isinstance(result, sessions.LiveSession)

    subscription = app.state.hub.subscribe(me.id)
    closed = asyncio.Event()

    async def receive() -> None:
        try:
            while True:
                await websocket.receive_text()  # pongs; anything else is ignored
        except (WebSocketDisconnect, RuntimeError):
            closed.set()

    receiver = asyncio.create_task(receive())
    metrics = app.state.metrics
    metrics.websocket_connections.inc()
    try:
        await websocket.send_json({"type": "ready", "cursor": cursor})
        retry = RETRY_FIRST
        pull = True
        # The first ping comes after a random part of the interval, so connections opened
        # together (a reconnect storm after a node restart) do not ping together forever.
        ping_seconds = app.state.settings.ws_ping_seconds
        next_ping = ping_seconds * random.uniform(0.5, 1.0)
        while not closed.is_set():
            if await session_ended():
                with contextlib.suppress(Exception):
                    await websocket.close(code=4401, reason="your sign-in has ended; sign in again")
                break
            if pull:
                try:
                    batch = await asyncio.to_thread(_pending, app, me, cursor)
                except DBAPIError as exc:
                    # The database is away (restarting, failing over): keep the client
                    # connected and try again; its cursor still says where we were.
                    log.warning("websocket pull failed (%s); retrying in %.1f s", type(exc).__name__, retry)
                    await _wait(subscription, closed, retry)
                    retry = min(retry * 2, RETRY_MAX)
                    continue
                retry = RETRY_FIRST
                for seq, payload in batch:
                    if payload is not None:
                        await websocket.send_json(payload)
                        metrics.websocket_pushes.inc()
                    cursor = seq
                if len(batch) == BATCH:
                    continue
            # Pull again only when woken: the hub (and, between nodes, the fan-out, which
            # wakes everyone after any gap) says when there is news, so an idle
            # connection costs a ping, not a database query.
            pull = await _wait(subscription, closed, next_ping)
            next_ping = ping_seconds
            if not pull and not closed.is_set():
                await websocket.send_json({"type": "ping", "cursor": cursor})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        metrics.websocket_connections.dec()
        subscription.close()
        receiver.cancel()


async def _wait(subscription, closed: asyncio.Event, ping_seconds: float) -> bool:
    """Until the hub says there is news, the client goes, or it is time to ping."""
    news = asyncio.create_task(subscription.wait(ping_seconds))
    gone = asyncio.create_task(closed.wait())
    done, pending = await asyncio.wait({news, gone}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return news in done and news.result()
