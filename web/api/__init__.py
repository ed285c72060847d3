"""The HTTP API (OpenAPI at /docs).  Routes authenticate and translate; the domain
services authorise and decide."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, FastAPI
from sqlmodel import Session

from consent import audit
from web.api import admin, attachments, cases, consent, coordinator, directory, log, meetings, plan, threads
from web.errors import SIGNED_IN

router = APIRouter()
router.include_router(consent.public)
router.include_router(threads.public)
# Everything else needs a signed-in caller; its error answers are declared once here.
router.include_router(directory.router, responses=SIGNED_IN)
router.include_router(consent.router, responses=SIGNED_IN)
router.include_router(cases.router, responses=SIGNED_IN)
router.include_router(coordinator.router, responses=SIGNED_IN)
router.include_router(coordinator.me, responses=SIGNED_IN)
router.include_router(log.router, responses=SIGNED_IN)
router.include_router(log.witness)  # its own bearer token, no sign-in
router.include_router(threads.router, responses=SIGNED_IN)
router.include_router(plan.router, responses=SIGNED_IN)
router.include_router(meetings.router, responses=SIGNED_IN)
router.include_router(attachments.router, responses=SIGNED_IN)
router.include_router(admin.router, responses=SIGNED_IN)  # operators only (issue 12)

_log = logging.getLogger("samband.web")


@router.get("/health", tags=["operations"], summary="Liveness")
def health() -> dict:
    return {"status": "ok"}


FIRST_PURGE_AFTER = 300.0  # seconds after start


def purge_due(app: FastAPI) -> dict[str, int]:
    """Purge the content of every closed case whose retention period has passed."""
    from directory.columns import utcnow
    from messaging import caselife

    now = utcnow()
    with Session(app.state.engine) as reading:  # a read first: no write lock unless a case is due
        if not caselife.due_cases(reading, now):
            return {}
    with Session(app.state.write_engine, expire_on_commit=False) as session:
        return caselife.purge(session, now)


async def purge_periodically(app: FastAPI, interval: float) -> None:
    """The retention purge as a background task: a few minutes after start (not during
    start-up's own writes), then every ``interval`` seconds.  Idempotent and one case
    per transaction, so several nodes may run it at once (each case's employee lock
    orders them; the second finds it done)."""
    await asyncio.sleep(min(interval, FIRST_PURGE_AFTER))
    while True:
        try:
            await asyncio.to_thread(purge_due, app)
        except Exception as exc:  # the next round tries again; nothing half-written stays (one transaction a case)
            _log.warning("the retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(interval)


def sign_missing_heads(app: FastAPI) -> None:
    """Sign every log's current head that has none (after the v2 migration); appends
    sign their own heads from then on."""
    with Session(app.state.engine) as reading:  # a read first: no write lock unless there is work
        if not audit.unsigned_logs(reading, limit=1):
            return
    with Session(app.state.write_engine, expire_on_commit=False) as session:
        signed = audit.sign_missing_heads(session, app.state.log_signer)
    if signed:
        _log.info("signed the heads of %d disclosure logs that had none", signed)


async def sign_heads_at_start(app: FastAPI) -> None:
    try:
        await asyncio.to_thread(sign_missing_heads, app)
    except Exception as exc:  # the log itself is intact; the next append or samband sign-head signs
        _log.warning("could not sign the log heads: %s", type(exc).__name__)
