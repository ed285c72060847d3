"""Server-rendered pages (Jinja2).  For now: the landing page after sign-in."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from sqlmodel import Session

from directory import store as directory_store

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


def _signed_in_actor(request: Request):
    actor_id = request.session.get("actor_id")
    if not actor_id:
        return None
    with Session(request.app.state.engine) as session:
        return directory_store.get_actor(session=session, actor_id=actor_id)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    actor = await run_in_threadpool(_signed_in_actor, request)
    return TEMPLATES.TemplateResponse(request, "home.html", {"actor": actor}, headers=PAGE_HEADERS)
