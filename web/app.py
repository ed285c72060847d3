"""``create_app(settings)``: builds the engine, keys and routers.  No import-time state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from consent import audit
from consent.rules import load_rules
from consent.service import ConsentService
from web import errors
from web.compression import CompressionMiddleware
from web.csrf import CSRFMiddleware
from web.idempotency import IdempotencyMiddleware
from web.nul_guard import NulGuardMiddleware
from web.security import BaselineHeadersMiddleware
from web.sessions import SessionRecordMiddleware
from web.database import make_engine, writer
from web.observability import api as operations
from web.observability.metrics import Metrics
from web.observability.readiness import Readiness
from web.observability.requests import RequestContextMiddleware
from web.settings import Settings

log = logging.getLogger("samband.web")
STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings) -> FastAPI:
    from messaging.delivery import Delivery
    from messaging.pg_fanout import PgFanout
    from messaging.realtime import Hub
    from web import api, auth, idp, pages, ws  # routers; imported here so settings come first
    from web.signing import load_or_create_log_signer

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.write_engine = writer(engine)
        app.state.consent = ConsentService(
            settings.consent, load_rules(settings.consent.rules_file), on_decisions=app.state.metrics.count_decisions
        )
        app.state.hub = Hub()
        app.state.delivery = Delivery(app.state.consent, notify=app.state.hub.publish)
        app.state.log_signer = load_or_create_log_signer(settings.consent.log_signing_key_file)
        audit.register_signer(app.state.log_signer, settings.database_url)  # every append signs its head
        # Several nodes on one PostgreSQL: wake-ups travel between them by LISTEN/NOTIFY.
        fanout = PgFanout(app.state.hub, settings.database_url) if engine.dialect.name == "postgresql" else None
        app.state.fanout = fanout
        if fanout is not None:
            await fanout.start()
        heads = asyncio.create_task(api.sign_heads_at_start(app))
        background = [heads]
        if settings.purge_interval_seconds > 0:
            background.append(asyncio.create_task(api.purge_periodically(app, settings.purge_interval_seconds)))
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if fanout is not None:
                await fanout.stop()
            audit.register_signer(None, settings.database_url)
            engine.dispose()

    app = FastAPI(
        title="samband",
        version="0.1.0",
        description="Secure multi-party messaging and consent for sick-leave follow-up.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = Metrics(node_id=settings.node_id, version=app.version)
    app.state.readiness = Readiness()  # knows the migration head /ready compares the database with
    errors.install(app)
    # Outermost last: headers on everything; the session cookie, then the record it
    # names (web.sessions), then CSRF (which reads the session);
    # innermost, text with NUL is refused before any route (see web.nul_guard), and
    # inside that a POST with an idempotency key runs once (see web.idempotency).
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(CSRFMiddleware)
    # The cookie names a server-side session record: checked before anything reads it.
    app.add_middleware(SessionRecordMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie="samband_session",
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),  # Secure; always HttpOnly
        # The record decides when a sign-in ends; the cookie only outlives it.
        max_age=settings.sessions.absolute_timeout_seconds,
    )
    app.add_middleware(BaselineHeadersMiddleware)
    app.add_middleware(CompressionMiddleware)  # gzip; see web.compression for what is not
    # Outermost of all: a request id, an access-log line and metrics for everything below.
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    if settings.embedded_idp:
        app.include_router(idp.build_router(settings), prefix="/idp")
    app.include_router(auth.build_router(settings))
    app.include_router(api.router)
    app.include_router(operations.router)
    app.include_router(pages.router)
    app.include_router(ws.router)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app
