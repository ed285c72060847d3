"""Response headers that keep the portal's pages to themselves.

Portal pages get a strict Content-Security-Policy: scripts, styles, fonts and
connections from samband's own origin only, no inline script or style at all (every
page script is a file under ``/static/js``), no plugins, no ``<base>``, no framing, and
forms may post only to samband.  ``connect-src 'self'`` also covers the same-origin
websocket (``ws:``/``wss:``) under CSP Level 3, which Chromium implements.  ``img-src``
allows ``data:`` for small inline icons.

Every response (API and static files too) gets ``nosniff`` and a referrer policy; the
pages also refuse framing the old way (``X-Frame-Options``) and are never cached, since
they show personal data.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

PORTAL_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cache-Control": "no-store",
}

def portal_headers(settings) -> dict[str, str]:
    """``PORTAL_HEADERS``, with every external issuer's origin allowed as a form target:
    signing out is a form post answered by a redirect to the ``end_session_endpoint`` of
    the provider the person signed in through (any of ``settings.providers``), and
    ``form-action`` governs such redirects too."""
    public = urlsplit(settings.public_url)
    own = f"{public.scheme}://{public.netloc}"
    origins: list[str] = []
    for provider in settings.providers:
        parts = urlsplit(provider.issuer)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin != own and origin not in origins:
            origins.append(origin)
    if not origins:
        return PORTAL_HEADERS
    policy = CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {' '.join(origins)}")
    return {**PORTAL_HEADERS, "Content-Security-Policy": policy}


_EVERYWHERE = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))


class BaselineHeadersMiddleware:
    """``nosniff`` and ``Referrer-Policy`` on every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in _EVERYWHERE if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
