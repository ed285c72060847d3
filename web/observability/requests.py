"""The outermost middleware: request ids, one access-log line and metrics per request.

A pure ASGI middleware (not ``BaseHTTPMiddleware``), so streaming responses and
websockets pass through untouched.

- An incoming ``X-Request-ID`` is kept if it matches ``VALID_REQUEST_ID`` (a proxy's or
  client's id, for tracing across systems); anything else is replaced by a new one, so
  a caller cannot write newlines or megabytes into our logs.  The id is echoed in the
  ``X-Request-ID`` response header and on accepted websocket handshakes.
- The access line (logger ``samband.access``) names the route by its template
  (``/cases/{case_id}``): raw paths carry ids and query strings carry what people
  search for (names, national identity numbers).  Headers, cookies, tokens and bodies
  are never logged.
- HTTP requests are counted and timed in ``samband_http_requests_total`` and
  ``samband_http_request_duration_seconds``.  Websockets are not: they last for hours;
  ``samband_websocket_connections`` (``web.ws``) counts them instead.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.observability.logs import request_id_var
from web.observability.metrics import Metrics

HEADER = b"x-request-id"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNMATCHED = "unmatched"

access_log = logging.getLogger("samband.access")


def incoming_request_id(scope: Scope) -> str | None:
    """The caller's ``X-Request-ID`` if it is a safe one, else None."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            candidate = value.decode("latin-1")
            return candidate if VALID_REQUEST_ID.fullmatch(candidate) else None
    return None


class RouteTemplates:
    """Names a request by the template of the route that would serve it.

    Matched here, before the app runs, against the app's routes (FastAPI resolves
    included routers' prefixes lazily, and a mount rewrites ``root_path`` on the way
    in).  A route that matches the path but not the method (405) still names it.
    """

    def __init__(self) -> None:
        self._routes: list | None = None

    def template(self, scope: Scope) -> str:
        if self._routes is None:  # every route is registered before the first request
            self._routes = [r for r in iter_route_contexts(scope["app"].routes) if getattr(r, "path_format", None)]
        partial = None
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route.path_format
            if match is Match.PARTIAL and partial is None:
                partial = route.path_format
        return partial or UNMATCHED


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics
        self.routes = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or uuid.uuid4().hex
        # Not reset afterwards, on purpose: Starlette's ServerErrorMiddleware, outside this
        # one, answers unexpected errors and puts this id in its 500 (``web.errors``).  Each
        # request runs in its own task with its own copy of the context, so it cannot leak.
        request_id_var.set(request_id)
        header = (HEADER, request_id.encode())
        route = self.routes.template(scope)
        method = scope.get("method", "GET")
        websocket = scope["type"] == "websocket"
        status = 403 if websocket else 500  # a websocket closed before accept gets a 403
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            elif kind == "websocket.accept":
                status = 101
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if not websocket:
                self.metrics.observe_request(method, route, status, seconds)
            access_log.info(
                "%s %s %s %.1f ms", method, route, status, seconds * 1000,
                extra={
                    "event": "websocket:connection:closed" if websocket else "http:request:served",
                    "method": method, "route": route, "status": status, "duration_ms": round(seconds * 1000, 1),
                },
            )
