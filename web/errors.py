"""Map errors to JSON ``{code, message}``.  Unexpected errors become a fixed 500."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from directory.errors import SambandError

log = logging.getLogger("samband.web")


def _field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path"))


def install(app: FastAPI) -> None:
    @app.exception_handler(SambandError)
    async def _samband_error(_request: Request, exc: SambandError) -> JSONResponse:
        body = {"code": exc.code, "message": exc.message}
        if exc.details is not None:
            body["problems"] = exc.details
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            where = _field(tuple(err.get("loc", ())))
            problems.append({"field": where, "message": msg})
        summary = "; ".join(f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems)
        return JSONResponse(
            {"code": "INVALID_INPUT", "message": summary, "problems": problems}, status_code=422
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        request_id = uuid.uuid4().hex
        # Only the type and request id: an exception's text may carry personal data.
        log.error("unexpected error %s request_id=%s", type(exc).__name__, request_id, exc_info=exc)
        return JSONResponse(
            {"code": "INTERNAL_ERROR", "message": f"something went wrong (request id {request_id})"},
            status_code=500,
        )
