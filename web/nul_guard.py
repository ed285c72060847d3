"""No text in samband holds U+0000 (NUL): a request carrying one is refused at the door.

PostgreSQL cannot store or even compare text containing NUL (psycopg raises
``DataError``), while SQLite can, so without this a stray ``%00`` in a path, a query or
a JSON string was a 500 on one database and an odd row on the other.  Refused before
any route runs, the answer is the same 422 ``INVALID_INPUT`` on both, and nothing is
written.  No legitimate samband input holds NUL: ids are UUIDs, text is for people,
envelopes travel as base64url.

Checked: the decoded path, the raw query string, and bodies sent as JSON (the escape
``\\u0000``; a raw NUL byte is not valid JSON anyway) or as a form (``%00``).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_MARKERS = {"application/json": b"\\u0000", "application/x-www-form-urlencoded": b"%00"}


def _marker(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    for key, value in headers:
        if key.lower() == b"content-type":
            media = value.decode("latin-1").split(";")[0].strip().lower()
            return _MARKERS.get("application/json" if media.endswith("+json") else media)
    return None


def _where(scope: Scope, body: bytes, marker: bytes | None) -> str | None:
    if "\x00" in scope["path"]:
        return "the path"
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        return "the query string"
    if marker is not None and marker in body:
        return "the body"
    return None


class NulGuardMiddleware:
    """Pure ASGI: buffers a JSON or form body to look at it, then hands it on unchanged."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        marker = _marker(scope["headers"])
        body = b""
        if marker is not None:
            body, complete = await _read_body(receive)
            if not complete:  # the client went away
                return
            receive = _replay(body, receive)
        where = _where(scope, body, marker)
        if where is None:
            await self.app(scope, receive, send)
            return
        message = f"{where} contains the NUL character (U+0000), which no text in samband may hold; remove it"
        payload = json.dumps({"code": "INVALID_INPUT", "message": message}).encode()
        await send({"type": "http.response.start", "status": 422, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, original: Receive) -> Receive:
    """The body once, then whatever the client does next (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
