"""``GET /ready`` and ``GET /metrics``: for the orchestrator and Prometheus, no sign-in.

(``GET /health``, liveness, lives in ``web.api``: it touches nothing.)
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from directory.errors import SambandError
from web.errors import ErrorPublic

router = APIRouter(tags=["operations"])

NOT_READY = {
    "model": ErrorPublic,
    "description": "Not ready: the database is unreachable, too slow, or at an older schema than the code's",
}
NO_TOKEN = {"model": ErrorPublic, "description": "SAMBAND_METRICS_TOKEN is set and the bearer token is missing or wrong"}


@router.get("/ready", summary="Readiness: the database answers, at this code's schema", responses={503: NOT_READY})
async def ready(request: Request) -> JSONResponse:
    readiness = request.app.state.readiness
    problem = await readiness.problem(request.app.state.engine)
    if problem is not None:
        return JSONResponse({"code": "not_ready", "message": problem}, status_code=503)
    return JSONResponse({"status": "ready", "database": "ok", "schema": readiness.head})


@router.get(
    "/metrics", summary="Prometheus metrics of this node", response_class=PlainTextResponse,
    responses={401: NO_TOKEN},
)
async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        # Constant-time comparison: the time taken says nothing about how much was right.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
            raise SambandError(
                "metrics need 'Authorization: Bearer <token>' with the token in SAMBAND_METRICS_TOKEN",
                code="UNAUTHENTICATED", status=401,
            )
    body, content_type = request.app.state.metrics.render(request.headers.get("accept"))
    return Response(body, media_type=content_type)
