"""Compressed responses: gzip for pages, the browser bundle, static files and JSON.

Starlette's ``GZipMiddleware`` does the work (when the client accepts gzip and the body
is at least ``MINIMUM_BYTES``; it adds ``Vary: Accept-Encoding`` and leaves responses
that already carry a ``Content-Encoding`` alone).  Websockets are not HTTP responses and
pass through untouched.

Why this is safe against BREACH (docs/decisions/0010-compression.md): the one secret a
page carries, the CSRF token, is masked afresh for every response (``web.csrf.masked``),
and the embedded IdP's routes (``/idp/``), whose bodies hold codes and tokens next to
parameters a caller chose, are never compressed.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

MINIMUM_BYTES = 500  # below this, the gzip header costs more than it saves
LEVEL = 6  # zlib's default: nearly level 9's size for much less CPU
NOT_COMPRESSED = ("/idp/", "/attachments/")  # attachments: ciphertext does not compress


class CompressionMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_BYTES, compresslevel=LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(NOT_COMPRESSED):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
