"""No text in samband holds U+0000 (NUL): a request carrying one is refused at the door.

PostgreSQL cannot store or even compare text containing NUL (psycopg raises
``DataError``), while SQLite can, so without this a stray ``%00`` in a path, a query or
a JSON string was a 500 on one database and an odd row on the other.  Refused before
any route runs, the answer is the same 422 ``INVALID_INPUT`` on both, and nothing is
written.  No legitimate samband input holds NUL: ids are UUIDs, text is for people,
envelopes travel as base64url.

Checked: the decoded path, the raw query string, and bodies sent as JSON (the escape
``\\u0000``; a raw NUL byte is not valid JSON anyway) or as a form (``%00``).  Those
bodies are read whole to look at them, so they are also capped here: over
``MAX_BODY_BYTES`` is a 413 before anything is buffered further.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from web.asgi_body import Body, read_body, replay

# The largest body any route takes is a sealed message: at most 8 000 000 characters of
# base64url in a little JSON (messaging/schemas.py).
MAX_BODY_BYTES = 10_000_000
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
            body, read = await read_body(receive, MAX_BODY_BYTES)
            if read is Body.GONE:
                return
            if read is Body.TOO_LARGE:
                await _answer(send, 413, "BODY_TOO_LARGE",
                              f"the request body is larger than {MAX_BODY_BYTES // 1_000_000} MB; a sealed message is at most 8 MB of base64")
                return
            receive = replay(body, receive)
        where = _where(scope, body, marker)
        if where is None:
            await self.app(scope, receive, send)
            return
        await _answer(send, 422, "INVALID_INPUT",
                      f"{where} contains the NUL character (U+0000), which no text in samband may hold; remove it")


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    payload = json.dumps({"code": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


