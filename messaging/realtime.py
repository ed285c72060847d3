"""Fan-out: the hub only says "there is something new for actor X".

Subscribers then read their own inbox events from the database from their cursor, so
a push is always re-authorised at the moment it is sent, and a client that was away
resumes from its last cursor without missing anything.  ``publish`` is safe to call
from worker threads (sync request handlers).

One hub per process wakes that process's connections.  With several app nodes the
same wake-up goes to the other nodes through ``remote`` (PostgreSQL LISTEN/NOTIFY, see
``messaging/pg_fanout.py``), which calls ``wake`` on their hubs.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable


class Subscription:
    def __init__(self, hub: "Hub", actor_id: str, loop: asyncio.AbstractEventLoop):
        self.hub = hub
        self.actor_id = actor_id
        self.loop = loop
        self.event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self.event.clear()
        return True

    def close(self) -> None:
        self.hub._unsubscribe(self)


class Hub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        # Tells the other nodes; set by the PostgreSQL fan-out when there is one.
        self.remote: Callable[[frozenset[str]], None] | None = None

    def subscribe(self, actor_id: str) -> Subscription:
        sub = Subscription(self, actor_id, asyncio.get_running_loop())
        self._subscribers[actor_id].add(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.actor_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                self._subscribers.pop(sub.actor_id, None)

    def publish(self, actor_ids: Iterable[str]) -> None:
        """Called after a commit that gave these actors something new: wake their
        connections here and on every other node."""
        ids = frozenset(actor_ids)
        if not ids:
            return
        self.wake(ids)
        if self.remote is not None:
            self.remote(ids)

    def wake(self, actor_ids: Iterable[str]) -> None:
        """Wake this node's connections of these actors (they then pull)."""
        for actor_id in actor_ids:
            for sub in list(self._subscribers.get(actor_id, ())):
                sub.loop.call_soon_threadsafe(sub.event.set)

    def wake_all(self) -> None:
        """Wake every connection on this node: after a gap in which wake-ups from other
        nodes may have been missed (the listener lost its database connection)."""
        for subs in list(self._subscribers.values()):
            for sub in list(subs):
                sub.loop.call_soon_threadsafe(sub.event.set)

    def connections(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
