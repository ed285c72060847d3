"""Map errors to JSON ``{code, message}``.  Unexpected errors become a fixed 500."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from directory.errors import SambandError
from web.observability.logs import current_request_id

log = logging.getLogger("samband.web")


class ErrorPublic(BaseModel):
    """Every error answer has this shape, whatever its status."""

    code: str = Field(description="stable and machine-readable, e.g. CASE_NOT_FOUND")
    message: str = Field(description="what went wrong and what to do about it, written for a person")
    problems: list[dict[str, Any]] | None = Field(
        default=None, description="specifics: for INVALID_INPUT each field and what is wrong with it"
    )


_MEANINGS = {
    401: "Not signed in: the access token is missing, expired or not valid",
    403: "Signed in, but not yours to do (only the employee gives consent, say) or no consent for it",
    404: "Not found, or not visible to you: the answer is the same either way",
    409: "Conflicts with what is already there (already answered, already taking part, ...)",
    410: "Gone: the sender recalled the message",
    413: "The request body is too large",
    422: "Invalid input: the message says what to change, `problems` which field and why",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the error answers a route can give, with their shape."""
    return {status: {"model": ErrorPublic, "description": _MEANINGS[status]} for status in statuses}


# Every operation that needs a signed-in caller can answer with these.
SIGNED_IN = responses(401, 403, 404, 422)
# Framework answers raised before any route runs, as {code, message}: a body that is not
# UTF-8 (Starlette says 400) is invalid input like malformed JSON, which FastAPI answers 422.
_HTTP_CODES = {400: (422, "INVALID_INPUT"), 404: (404, "NOT_FOUND"), 405: (405, "METHOD_NOT_ALLOWED")}


def _field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path"))


REALM = "samband"


def _quoted(text: str) -> str:
    """A quoted value with only the characters RFC 6750 §3 allows in error_description
    (printable ASCII but no quote or backslash): those become ' and /, others ?."""
    ascii_only = "".join(c if " " <= c <= "~" else "?" for c in text)
    return '"' + ascii_only.replace("\\", "/").replace('"', "'") + '"'


def _bearer_token_sent(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def www_authenticate(request: Request, exc: SambandError) -> str | None:
    """The RFC 6750 challenge for a 401 (and RFC 9470's for too weak a sign-in): the
    realm alone when no token was sent, ``error="invalid_token"`` and what is wrong
    when one was."""
    insufficient = getattr(exc, "reason", None) == "assurance" and _bearer_token_sent(request)
    if exc.status != 401 and not insufficient:
        return None
    parts = [f"realm={_quoted(REALM)}"]
    if insufficient:
        parts.append('error="insufficient_user_authentication"')
        parts.append(f"error_description={_quoted(exc.message)}")
        needed = getattr(exc, "needed", None)
        if needed:
            parts.append(f"acr_values={_quoted(needed)}")
    elif _bearer_token_sent(request):
        parts.append('error="invalid_token"')
        parts.append(f"error_description={_quoted(exc.message)}")
    return "Bearer " + ", ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(SambandError)
    async def _samband_error(request: Request, exc: SambandError) -> JSONResponse:
        body = {"code": exc.code, "message": exc.message}
        if exc.details is not None:
            body["problems"] = exc.details
        challenge = www_authenticate(request, exc)
        headers = {"WWW-Authenticate": challenge} if challenge else None
        return JSONResponse(body, status_code=exc.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status, code = _HTTP_CODES.get(exc.status_code, (exc.status_code, "HTTP_ERROR"))
        message = str(exc.detail)
        if exc.status_code == 400:
            message = "the request body could not be read: send JSON encoded as UTF-8"
        return JSONResponse({"code": code, "message": message}, status_code=status, headers=exc.headers)

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

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_away(_request: Request, exc: DBAPIError) -> JSONResponse:
        # The database is restarting or unreachable: nothing was committed, so the
        # client may safely send the same request again (message ids make it idempotent).
        log.warning("database unavailable (%s)", type(exc.orig).__name__ if exc.orig else type(exc).__name__)
        return JSONResponse(
            {"code": "UNAVAILABLE", "message": "the database is briefly unavailable; nothing was saved, try again in a moment"},
            status_code=503, headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # This handler runs outside every middleware (Starlette's ServerErrorMiddleware),
        # so it sets the X-Request-ID header itself, with the id the request carried.
        request_id = current_request_id() or uuid.uuid4().hex
        # Only the type and request id: an exception's text may carry personal data.
        log.error("unexpected error %s", type(exc).__name__, exc_info=exc, extra={"request_id": request_id})
        return JSONResponse(
            {"code": "INTERNAL_ERROR", "message": f"something went wrong (request id {request_id})"},
            status_code=500, headers={"X-Request-ID": request_id},
        )
