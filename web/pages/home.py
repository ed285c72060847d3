"""The front door: the landing page, where signed-in people are sent, the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from directory import store as directory_store
from directory.models import Actor
from web import i18n
from web.pages.render import PageRoute, local_path, redirect, render

router = APIRouter(include_in_schema=False, route_class=PageRoute)
LANG_COOKIE_AGE = 365 * 24 * 3600


def _signed_in_actor(request: Request) -> Actor | None:
    actor_id = request.session.get("actor_id")
    if not actor_id:
        return None
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        return directory_store.get_actor(session=session, actor_id=actor_id)


def home_of(actor: Actor) -> str:
    return "/portal" if actor.role == "employee" else "/inbox"


@router.get("/")
async def home(request: Request) -> Response:
    actor = await run_in_threadpool(_signed_in_actor, request)
    if actor is not None:
        return redirect(home_of(actor))
    return render(request, "landing.html", {"me": None})


@router.post("/lang")
async def switch_language(request: Request) -> Response:
    """Set the language cookie and go back where the visitor was (CSRF-checked)."""
    form = await request.form()
    lang = str(form.get("lang") or "")
    response = redirect(local_path(str(form.get("next") or ""), "/"))
    if lang in i18n.LANGS:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=LANG_COOKIE_AGE, path="/", httponly=True, samesite="lax",
            secure=request.app.state.settings.public_url.startswith("https://"),
        )
    return response


@router.get("/logout")
async def confirm_logout(request: Request) -> Response:
    """Signing out changes state, so it is a POST; a GET shows the button."""
    actor = await run_in_threadpool(_signed_in_actor, request)
    if actor is None:
        return redirect("/")
    return render(request, "logout.html", {"me": actor})
