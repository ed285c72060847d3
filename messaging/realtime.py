"""In-process fan-out: the hub only says "there is something new for actor X".

Subscribers then read their own inbox events from the database from their cursor, so
a push is always re-authorised at the moment it is sent, and a client that was away
resumes from its last cursor without missing anything.  ``publish`` is safe to call
from worker threads (sync request handlers).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable


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
        for actor_id in set(actor_ids):
            for sub in list(self._subscribers.get(actor_id, ())):
                sub.loop.call_soon_threadsafe(sub.event.set)

    def connections(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
