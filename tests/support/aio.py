"""Run a coroutine to completion from synchronous test code.

In a fresh thread with its own event loop, so it works even while another library
(Playwright's sync API) holds an event loop in the main thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="test-asyncio")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


async def next_event(events: AsyncIterator[dict], predicate: Callable[[dict], bool], timeout: float = 30.0) -> dict:
    """The next event from a ``SambandClient.watch`` stream that ``predicate`` accepts,
    skipping the others; ``TimeoutError`` if none comes within ``timeout`` seconds."""

    async def pull() -> dict:
        async for event in events:
            if predicate(event):
                return event
        raise AssertionError("the event stream ended")

    return await asyncio.wait_for(pull(), timeout)
