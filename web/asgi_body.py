"""Reading a request body in pure ASGI middleware, and handing it on.

Middleware that must look at a body (the CSRF check of a portal form, the NUL guard)
reads it whole with ``read_body`` — never more than ``limit`` bytes — and passes the
app a ``replay`` of it.
"""

from __future__ import annotations

from enum import Enum

from starlette.types import Message, Receive


class Body(Enum):
    COMPLETE = "complete"
    TOO_LARGE = "too large"
    GONE = "gone"  # the client disconnected before the end


async def read_body(receive: Receive, limit: int) -> tuple[bytes, Body]:
    """The whole body, or (``b""``, why not) once it passes ``limit`` bytes or the
    client goes away."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", Body.GONE
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", Body.TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), Body.COMPLETE


def replay(body: bytes, original: Receive) -> Receive:
    """The body once, then whatever the client does next (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
