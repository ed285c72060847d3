"""Log formatting, request-id validation, and readiness against databases that are
away or silent (real sockets, no mocks)."""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine

from tests.support.aio import run  # Playwright may hold an event loop in this thread
from web.observability.logs import JsonFormatter, TextFormatter, request_id_var
from web.observability.readiness import CHECK_TIMEOUT, Readiness
from web.observability.requests import incoming_request_id

NATIONAL_ID = "01017000000"  # synthetic


def _emit(formatter: logging.Formatter, *, extra: dict | None = None, exc: BaseException | None = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("samband.test.observability")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        if exc is None:
            logger.warning("something happened to %s", "actor-1", extra=extra)
        else:
            try:
                raise exc
            except type(exc):
                logger.exception("unexpected error %s", type(exc).__name__)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


class TestJsonFormatter:
    def test_one_object_with_the_fields_and_only_whitelisted_extras(self):
        token = request_id_var.set("req-1")
        try:
            line = _emit(JsonFormatter("node-a"), extra={"route": "/cases/{case_id}", "status": 200, "query": "Per Hansen"})
        finally:
            request_id_var.reset(token)
        entry = json.loads(line)
        assert entry["message"] == "something happened to actor-1"
        assert (entry["level"], entry["logger"], entry["node_id"]) == ("WARNING", "samband.test.observability", "node-a")
        assert (entry["request_id"], entry["route"], entry["status"]) == ("req-1", "/cases/{case_id}", 200)
        assert entry["ts"].endswith("+00:00")
        assert "query" not in entry and "Per Hansen" not in line

    def test_no_request_id_outside_a_request(self):
        assert "request_id" not in json.loads(_emit(JsonFormatter("node-a")))

    def test_an_exception_is_its_type_and_frames_never_its_message(self):
        entry = json.loads(_emit(JsonFormatter("node-a"), exc=ValueError(f"no person {NATIONAL_ID}")))
        assert entry["exception"] == "ValueError"
        assert "raise exc" in entry["stack"]
        assert NATIONAL_ID not in json.dumps(entry)


class TestTextFormatter:
    def test_an_exception_message_is_left_out_even_when_another_handler_cached_it(self):
        record = logging.LogRecord("samband.x", logging.ERROR, __file__, 1, "failed", None, None)
        try:
            raise ValueError(f"no person {NATIONAL_ID}")
        except ValueError:
            record.exc_info = sys.exc_info()
        full = logging.Formatter().format(record)  # caches the full traceback on the record
        assert NATIONAL_ID in full
        ours = TextFormatter().format(record)
        assert "ValueError" in ours and NATIONAL_ID not in ours
        assert NATIONAL_ID in record.exc_text  # the other handler's cache is left as it was


@pytest.mark.parametrize("value, kept", [
    (b"abc-123_X.y", True), (b"a" * 64, True), (b"a" * 65, False), (b"", False), (b"two words", False),
    (b"line\nbreak", False), (b"tab\t", False), ("ø".encode(), False), (b"semi;colon", False),
])
def test_incoming_request_ids_are_kept_only_when_safe(value, kept):
    scope = {"headers": [(b"x-request-id", value)]}
    assert (incoming_request_id(scope) == value.decode("latin-1")) is kept


class TestReadiness:
    def test_a_refused_connection_is_database_unreachable(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        engine = create_engine(f"postgresql+psycopg://samband@127.0.0.1:{port}/samband")
        problem = run(Readiness().problem(engine))
        assert problem == "database unreachable (OperationalError)"

    def test_a_silent_database_makes_the_node_not_ready_within_the_timeout(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # the kernel completes the handshake; nobody ever answers
        engine = create_engine(f"postgresql+psycopg://samband@127.0.0.1:{listener.getsockname()[1]}/samband")

        readiness = Readiness()

        async def probe():
            started = time.monotonic()
            first = await readiness.problem(engine)
            second = await readiness.problem(engine)  # waits on the same stuck check
            stuck = sum(t.name == "samband-ready" for t in threading.enumerate())
            return first, second, time.monotonic() - started, stuck

        try:
            first, second, took, stuck = run(probe())
        finally:
            listener.close()  # resets the waiting connection, so the check's thread ends
        assert first == second == f"database did not answer within {CHECK_TIMEOUT:g} s"
        assert took < 2 * CHECK_TIMEOUT + 1
        assert stuck == 1
