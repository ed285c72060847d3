"""Log records as text (development) or JSON (one object a line, for a log pipeline).

Every line carries the node id and, inside a request, its request id.  JSON lines hold
``ts`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``node_id``, ``request_id``
and only the whitelisted structured fields in ``STRUCTURED`` passed as ``extra=``; any
other ``extra`` is dropped, so a careless ``extra={"query": q}`` never reaches the log.

Exceptions are logged as their type and stack frames, never their message: a message
may quote the input that caused it (a name, a national identity number).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Literal

# Set by ``web.observability.requests`` for the task serving one request (and copied
# into the threads that run its sync handlers).
request_id_var: ContextVar[str | None] = ContextVar("samband_request_id", default=None)

STRUCTURED = ("event", "method", "route", "status", "duration_ms")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def current_request_id() -> str | None:
    return request_id_var.get()


def _request_id(record: logging.LogRecord) -> str | None:
    return getattr(record, "request_id", None) or request_id_var.get()


def _exception(record: logging.LogRecord) -> tuple[str, str] | None:
    """The exception's type name and its frames, without its message."""
    if not record.exc_info or record.exc_info[0] is None:
        return None
    kind, _value, tb = record.exc_info
    return kind.__name__, "".join(traceback.format_tb(tb))


class JsonFormatter(logging.Formatter):
    def __init__(self, node_id: str):
        super().__init__()
        self.node_id = node_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "node_id": self.node_id,
        }
        request_id = _request_id(record)
        if request_id:
            entry["request_id"] = request_id
        for key in STRUCTURED:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        exception = _exception(record)
        if exception is not None:
            entry["exception"], entry["stack"] = exception
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT``, then ``request_id=...`` inside a request."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        # logging caches the traceback text on the record; another handler's cached
        # text would carry the exception's message, so format ours and put theirs back.
        cached, record.exc_text = record.exc_text, None
        try:
            line = super().format(record)
        finally:
            record.exc_text = cached
        request_id = _request_id(record)
        return f"{line} request_id={request_id}" if request_id else line

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        kind, _value, tb = ei
        return "Traceback (most recent call last):\n" + "".join(traceback.format_tb(tb)) + kind.__name__


def configure_logging(
    log_format: Literal["text", "json"], *, node_id: str, level: int = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) in ``log_format``; replaces the root
    logger's handlers.  Python's warnings go the same way, so that with ``json`` every
    line on stderr is one JSON object.  Returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(node_id) if log_format == "json" else TextFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
    # httpx logs every outgoing request's full URL at INFO (the issuer's discovery and
    # keys today; a query string tomorrow): failures still come through at WARNING.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    return handler
