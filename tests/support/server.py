"""A real samband server on a loopback port, in a thread (after httpx's ``TestServer``).

Each server gets its own directory with a fresh database built by the real migrations
(an SQLite file, or with ``SAMBAND_TEST_DB=postgresql`` a PostgreSQL database: see
``tests/support/postgres.py``), its own keys, and settings pointing the OIDC issuer at
itself, so nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine

from consent.config import ConsentConfig
from tests.support.postgres import drop_database, fresh_database_url
from web.app import create_app
from web.database import make_engine, migrate
from web.settings import Settings

STARTUP_TIMEOUT = 60.0  # generous for a loaded 2-core machine; the wait ends when the server answers


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    settings: Settings
    engine: Engine  # on the server's database, for arranging test data
    port: int = 0  # where it listens (base_url is the public URL, which a test may point elsewhere)


def build_settings(directory: Path, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "public_url": f"http://127.0.0.1:{port}",
        "database_url": overrides.pop("database_url", None) or fresh_database_url(directory),
        "data_dir": directory,
        "session_secret": secrets.token_urlsafe(32),
        "ws_ping_seconds": 1.0,
        "consent": ConsentConfig(log_signing_key_file=directory / "log-signing-key.pem"),
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.contextmanager
def running_server(directory: Path, **overrides: Any) -> Iterator[LiveServer]:
    """Start ``create_app(settings)`` under uvicorn on ``127.0.0.1:<free port>``.

    ``overrides`` are passed to ``Settings``.  Yields once the server accepts
    requests; shuts it down (lifespan included) on exit.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it a response's headers and body go out
    # as two segments and the body waits ~40 ms for the client's delayed ACK (Nagle).
    # ``samband serve`` lets uvicorn bind, which does not have the problem.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = build_settings(directory, port, **overrides)
    migrate(settings.database_url)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    engine = make_engine(settings.database_url)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the test server did not start within {STARTUP_TIMEOUT} s")
            time.sleep(0.01)
        yield LiveServer(base_url=settings.public_url, settings=settings, engine=engine, port=port)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        engine.dispose()
        sock.close()
        if "database_url" not in overrides:
            drop_database(settings.database_url)
