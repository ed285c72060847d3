"""What every portal page shares: templates, headers, flash messages, errors as pages.

Pages are rendered with Jinja2 (autoescaped).  Each gets, besides its own context:
``t`` (the ``web.i18n.Translator`` for the visitor's language), ``lang``,
``csrf_token`` (for hidden form fields and the ``csrf-token`` meta tag), ``new_key()``
(a fresh idempotency key per form, see ``web.idempotency``), ``flashes``
(messages left by the previous request, shown once) and ``js_strings`` (the words page
scripts use).  Every page answer carries ``web.security.portal_headers(settings)``.

Routes on a ``PageRoute`` router turn domain errors into pages instead of JSON: not
signed in → the sign-in flow, not found → a 404 page, and so on.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from directory.errors import SambandError
from web import csrf
from web.i18n import Translator, language_of
from web.security import portal_headers
from web.sessions import ENDED_KEY, SHARED_KEY, live_session

FLASH_KEY = "flash"


def _context(request: Request) -> dict[str, Any]:
    t = Translator(language_of(request))
    live = live_session(request.scope)
    has_session = "session" in request.scope
    return {
        # This browser's sign-in is on a shared computer: its keys go at sign-out.
        "shared_computer": bool(live and live.shared_computer),
        # The sign-in form ticks "shared computer" if this browser said so last time.
        "shared_choice": bool(request.session.get(SHARED_KEY)) if has_session else False,
        # After a shared computer's sign-out: whose keys the page deletes (again).
        "forget_keys": request.session.pop("forget_keys", None) if has_session and live is None else None,
        "t": t,
        "lang": t.lang,
        "csrf_token": csrf.masked(request),
        "new_key": _new_key,
        "flashes": request.session.pop(FLASH_KEY, []) if "session" in request.scope else [],
        "js_strings": t.js_strings(),
        "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


def _new_key() -> str:
    """A fresh idempotency key for one rendered form (see ``web.idempotency``): the
    form's second submit replays the first's answer instead of acting twice."""
    return str(uuid.uuid4())


TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates", context_processors=[_context])


async def _form_data(request: Request) -> FormData:
    return await request.form()


# The posted form, read before a sync route runs in the thread pool (so database work
# never blocks the event loop).
FormDep = Annotated[FormData, Depends(_form_data)]


def translator(request: Request) -> Translator:
    return Translator(language_of(request))


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    headers = portal_headers(request.app.state.settings)
    return TEMPLATES.TemplateResponse(request, name, context or {}, status_code=status, headers=headers)


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form POST the browser GETs the page again (PRG)."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def flash(request: Request, text: str, level: str = "success") -> None:
    request.session.setdefault(FLASH_KEY, [])
    request.session[FLASH_KEY] = [*request.session[FLASH_KEY], [level, text]][-5:]


def local_path(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site (``/inbox?x=1``), else ``default``: a
    ``next`` parameter must never send the visitor elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def error_words(t: Translator, exc: SambandError) -> str:
    """A domain error in the page's language: by its stable code where the portal has
    words for it; otherwise the English message on English pages and a plain "refused,
    code X" on bokmål pages (the API keeps its English messages for API clients)."""
    if t.has(f"js.api.{exc.code}"):
        return t(f"js.api.{exc.code}")
    return exc.message if t.lang == "en" else t("js.api.other", code=exc.code, message=exc.message)


def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    t = translator(request)
    text = message or {404: t("error.not_found"), 403: t("error.forbidden")}.get(status, t("error.title"))
    return render(request, "error.html", {"status": status, "message": text}, status=status)


class PageRoute(APIRoute):
    """A route whose domain errors become pages (or the sign-in flow), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SambandError as exc:
                if exc.code in ("UNAUTHENTICATED",):
                    if request.scope.get(ENDED_KEY) is not None and exc.status == 401:
                        # The session this cookie named has ended (signed out, elsewhere
                        # too, or timed out): say so on the sign-in page, whose script
                        # also deletes a shared computer's keys (see web.sessions).
                        flash(request, translator(request)("session.ended"), "error")
                        return redirect("/")
                    return redirect("/login")
                if exc.status == 404:
                    return error_page(request, 404)
                if exc.status == 403:
                    return error_page(request, 403)
                return error_page(request, exc.status, error_words(translator(request), exc))

        return page_handler
