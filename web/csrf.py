"""Cross-site request forgery protection for everything the session cookie authenticates.

A browser sends the session cookie with every request to samband, including requests a
hostile page makes it send.  So a request that changes something (POST, PUT, PATCH,
DELETE) and is authenticated by the cookie must also prove it came from a samband page:

- server-rendered forms carry the token in a hidden ``csrf_token`` field, masked
  afresh for every page (``masked``, so compressing pages is safe);
- page scripts send it as the ``X-CSRF-Token`` header (read from
  ``<meta name="csrf-token">``).

The token is random, one per session (``session["csrf"]``), and compared in constant
time.  It is made fresh at sign-in, because the callback clears the session.  Requests
with an ``Authorization`` header are exempt: a bearer token is not ambient, a hostile
page cannot make the browser attach it.  The embedded IdP (``/idp/*``) has its own
token on its sign-in form.  A refused request gets 403 ``CSRF_FAILED`` and reaches no
route, so nothing is written.

Websockets are not covered by SameSite for same-site hosts, so ``origin_allowed`` lets
``/ws`` refuse a cookie-authenticated handshake from a foreign ``Origin``.  A GET that
writes to the disclosure log (reading a message) checks ``explicit_read``: a link from
another site must not make someone "read" a message.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from web.asgi_body import Body, read_body, replay

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PREFIXES = ("/idp/",)  # the embedded IdP checks its own form token
ANONYMOUS_CHECKED = ("/lang",)  # forms that work without sign-in, checked all the same
MAX_FORM_BYTES = 64 * 1024  # a portal form is small; a larger one is refused, not buffered


def token(request: HTTPConnection) -> str:
    """This session's token, made on first use."""
    value = request.session.get(SESSION_KEY)
    if not isinstance(value, str) or len(value) < 32:
        value = request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return value


def masked(request: HTTPConnection) -> str:
    """This session's token as a page shows it: a fresh random pad, then the token
    XOR the pad (base64url).  Every response carries different bytes, so a compressed
    page leaks nothing about the token through its length (BREACH;
    docs/decisions/0010-compression.md).  ``_matches`` takes it back off."""
    raw = token(request).encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))).decode()


def _unmask(sent: str) -> bytes:
    try:
        both = base64.urlsafe_b64decode(sent.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return b""
    half = len(both) // 2
    if len(both) % 2 or not half:
        return b""
    return bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True))


def _matches(sent: str | None, expected: object) -> bool:
    """Whether ``sent`` is this session's token, masked (as pages show it) or not."""
    if not sent or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode()) or hmac.compare_digest(
        _unmask(sent), expected.encode()
    )


def explicit_read(connection: HTTPConnection) -> bool:
    """Whether a GET that writes a disclosure to the log was asked for on purpose.

    A top-level link from another site carries the session cookie (SameSite=Lax), so a
    cookie-authenticated GET proves nothing about who asked.  Reading a message logs a
    disclosure, so ``GET /messages/{id}/view`` takes only:

    - a bearer token (a program; not ambient, a hostile page cannot attach it);
    - Fetch Metadata ``Sec-Fetch-Site: same-origin``: a samband page asked.  ``none``
      (an address typed or pasted, a bookmark) is refused too: a person can be talked
      into pasting a link, and only samband's own script has any use for a sealed view;
    - this session's CSRF token in ``X-CSRF-Token`` (samband's pages send it, for
      browsers without Fetch Metadata).

    ``same-site`` (another host under the same site) and ``cross-site`` are refused.
    """
    headers = connection.headers
    if "authorization" in headers:
        return True
    if headers.get("sec-fetch-site") == "same-origin":
        return True
    session = connection.session if "session" in connection.scope else {}
    return _matches(headers.get(HEADER), session.get(SESSION_KEY))


def origin_allowed(connection: HTTPConnection, public_url: str) -> bool:
    """Whether a cookie-authenticated websocket handshake comes from our own pages.

    No ``Origin`` (a program, not a browser) passes; bearer clients never reach here."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    own = urlsplit(public_url)
    sent = urlsplit(origin)
    host = connection.headers.get("host", "")
    return (sent.scheme, sent.netloc) == (own.scheme, own.netloc) or (
        sent.netloc == host and sent.scheme in ("http", "https")
    )


class CSRFMiddleware:
    """Pure ASGI, inside ``SessionMiddleware`` (it reads ``scope["session"]``)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        session = scope.get("session") or {}
        if (
            "authorization" in headers  # a bearer token is not ambient
            or path.startswith(EXEMPT_PREFIXES)
            or (not session.get("actor_id") and path not in ANONYMOUS_CHECKED)
        ):
            await self.app(scope, receive, send)
            return
        expected = session.get(SESSION_KEY)
        if _matches(headers.get(HEADER), expected):
            await self.app(scope, receive, send)
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            body, read = await read_body(receive, MAX_FORM_BYTES)
            if read is Body.COMPLETE:
                fields = parse_qs(body.decode("latin-1"), keep_blank_values=True)
                sent = (fields.get(FORM_FIELD) or [None])[0]
                if _matches(sent, expected):
                    await self.app(scope, replay(body, receive), send)
                    return
        await _refuse(send, html="text/html" in headers.get("accept", ""))


async def _refuse(send: Send, *, html: bool) -> None:
    message = "this request did not come from a samband page (missing or wrong CSRF token); reload the page and try again"
    if html:
        from web.i18n import Translator

        t = Translator()
        body = (
            "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>samband</title>"
            "<link rel=\"stylesheet\" href=\"/static/css/app.css\"></head><body><main id=\"main\">"
            f"<h1>{t('error.title')}</h1><p role=\"alert\" data-code=\"CSRF_FAILED\">{t('error.csrf')}</p>"
            f"<p><a href=\"/\">{t('error.back')}</a></p></main></body></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"code": "CSRF_FAILED", "message": message}).encode()
        content_type = b"application/json"
    from web.security import PORTAL_HEADERS

    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in PORTAL_HEADERS.items()]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
