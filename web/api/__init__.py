"""The HTTP API (OpenAPI at /docs).  Routes authenticate and translate; the domain
services authorise and decide."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, FastAPI
from sqlmodel import Session

from consent import audit
from web.api import cases, consent, directory, log, threads
from web.errors import SIGNED_IN

router = APIRouter()
router.include_router(consent.public)
router.include_router(threads.public)
# Everything else needs a signed-in caller; its error answers are declared once here.
router.include_router(directory.router, responses=SIGNED_IN)
router.include_router(consent.router, responses=SIGNED_IN)
router.include_router(cases.router, responses=SIGNED_IN)
router.include_router(log.router, responses=SIGNED_IN)
router.include_router(threads.router, responses=SIGNED_IN)

_log = logging.getLogger("samband.web")


@router.get("/health", tags=["operations"], summary="Liveness")
def health() -> dict:
    return {"status": "ok"}


def sign_head_now(app: FastAPI) -> None:
    with Session(app.state.write_engine, expire_on_commit=False) as session:
        audit.sign_head(session, app.state.log_signer)


async def sign_heads_periodically(app: FastAPI) -> None:
    """Sign the disclosure-log head at a fixed interval, so rewriting is detectable."""
    interval = app.state.settings.consent.head_signing_interval_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(sign_head_now, app)
        except Exception as exc:  # keep signing on the next tick; the log itself is intact
            _log.warning("could not sign the log head: %s", type(exc).__name__)
