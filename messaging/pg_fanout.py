"""Wake-ups between app nodes through PostgreSQL LISTEN/NOTIFY.

Every node listens on one channel.  After a commit that gave some actors something new,
the node wakes its own connections directly (``Hub.publish``) and sends one
``NOTIFY samband_inbox, '<node> <actor>,<actor>,...'``; every other node wakes its
connections of those actors, which then pull their inbox events from the database as
usual.  Notifications carry no content, only opaque actor ids.  None may be lost
unnoticed, because idle connections do not poll: whenever the listener (re)connects —
after a database restart, say — it wakes every connection on its node, because
notifications sent while it was away are gone; and a node that failed to send one
tells every node to wake everyone (``*``) as soon as the database answers again.

Sending is done by one task on the event loop from a queue, so request threads never
wait for it and wake-ups that arrive together go out as one notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable

import psycopg
from sqlalchemy.engine import make_url

from messaging.realtime import Hub

log = logging.getLogger("samband.fanout")

CHANNEL = "samband_inbox"
EVERYONE = "*"  # in place of actor ids: wake every connection (after a lost notification)
# PostgreSQL refuses payloads of 8000 bytes or more; stay well below.
MAX_PAYLOAD = 7000
RETRY_MAX_SECONDS = 5.0
# Notice a dead database (no FIN, e.g. a cut network) within about half a minute.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


def conninfo(database_url: str) -> str:
    """A libpq URI from SQLAlchemy's ``postgresql+psycopg://...`` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def payloads(node: str, actor_ids: Iterable[str]) -> list[str]:
    """``'<node> a,b,c'`` strings, each under ``MAX_PAYLOAD`` bytes."""
    out, current = [], []
    size = len(node) + 1
    for actor_id in sorted(actor_ids):
        if current and size + len(actor_id) + 1 > MAX_PAYLOAD:
            out.append(f"{node} {','.join(current)}")
            current, size = [], len(node) + 1
        current.append(actor_id)
        size += len(actor_id) + 1
    if current:
        out.append(f"{node} {','.join(current)}")
    return out


def parse(payload: str) -> tuple[str, list[str]]:
    node, _, ids = payload.partition(" ")
    return node, [i for i in ids.split(",") if i]


class PgFanout:
    """Connects a node's ``Hub`` to the other nodes.  ``start()`` on the event loop
    (in the app's lifespan), ``stop()`` at shutdown."""

    def __init__(self, hub: Hub, database_url: str, *, node: str | None = None):
        self.hub = hub
        self.conninfo = conninfo(database_url)
        self.node = node or uuid.uuid4().hex[:16]
        self.listening = asyncio.Event()  # set while LISTEN is in force (tests wait on it)
        self._queue: asyncio.Queue[frozenset[str]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [asyncio.create_task(self._listen(), name="pg-fanout-listen"),
                       asyncio.create_task(self._send(), name="pg-fanout-send")]
        self.hub.remote = self.enqueue
        # Do not hold up start-up for long if the database is slow; the listener retries.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), 10)

    async def stop(self) -> None:
        self.hub.remote = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def enqueue(self, actor_ids: frozenset[str]) -> None:
        """From any thread: have the other nodes wake these actors' connections."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._queue.put_nowait, actor_ids)

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True, **KEEPALIVES)

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            try:
                async with await self._connect() as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    # Whatever other nodes announced while we were not listening is lost:
                    # let every connection here pull once.
                    self.hub.wake_all()
                    delay = 0.1
                    async for note in conn.notifies():
                        node, actor_ids = parse(note.payload)
                        if node == self.node:
                            continue
                        if EVERYONE in actor_ids:
                            self.hub.wake_all()
                        else:
                            self.hub.wake(actor_ids)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away; try again
                log.warning("fan-out listener lost the database (%s); reconnecting in %.1f s",
                            type(exc).__name__, delay)
            self.listening.clear()
            self.hub.wake_all()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _send(self) -> None:
        conn: psycopg.AsyncConnection | None = None
        try:
            while True:
                ids = set(await self._queue.get())
                while not self._queue.empty():  # everything that piled up goes out together
                    ids |= self._queue.get_nowait()
                if EVERYONE in ids:
                    ids = {EVERYONE}
                for payload in payloads(self.node, ids):
                    for attempt in (1, 2):
                        try:
                            if conn is None or conn.closed:
                                conn = await self._connect()
                            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                            break
                        except asyncio.CancelledError:
                            raise
                        except Exception as exc:
                            conn = None
                            if attempt == 2:
                                # A wake-up is lost.  Once the database answers again,
                                # every node wakes all its connections: they pull and
                                # find whatever the lost notification was about.
                                log.warning("fan-out could not notify other nodes (%s); will wake everyone",
                                            type(exc).__name__)
                                self._loop.call_later(RETRY_MAX_SECONDS, self._queue.put_nowait, frozenset({EVERYONE}))
        finally:
            if conn is not None:
                await conn.close()
