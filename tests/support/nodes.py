"""A second (third, ...) samband node as a real OS process, for the multi-node and
fault tests: it can be killed with SIGKILL mid-request, which a thread cannot.

The node shares everything a deployment shares between nodes — the PostgreSQL
database, the session secret, the consent log's signing key — and trusts the first
node's embedded identity provider as its OIDC issuer, the way every node of a real
deployment trusts the one external IdP.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90.0  # a loaded 2-core machine: migrations and imports can take long


@dataclass
class Node:
    base_url: str
    process: subprocess.Popen
    log_file: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lifespan, connections just drop."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_environment(first: LiveServer, port: int, **extra: str) -> dict[str, str]:
    settings = first.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBAND_")}
    env.update({
        "SAMBAND_ENVIRONMENT": "test",
        "SAMBAND_DATABASE_URL": settings.database_url,
        "SAMBAND_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SAMBAND_DATA_DIR": str(settings.data_dir),
        "SAMBAND_SESSION_SECRET": settings.session_secret.get_secret_value(),
        "SAMBAND_OIDC__ISSUER": settings.issuer,
        "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(settings.consent.log_signing_key_file),
        "SAMBAND_WS_PING_SECONDS": str(settings.ws_ping_seconds),
    })
    env.update(extra)
    return env


@contextlib.contextmanager
def stopping(process: subprocess.Popen, timeout: float = 15) -> Iterator[subprocess.Popen]:
    """Terminate ``process`` on exit (kill it if it will not go), unless it is gone."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def serve(env: dict[str, str], port: int, *args: str, stdout: Path, stderr: Path | None = None) -> Iterator[subprocess.Popen]:
    """``samband serve`` on ``127.0.0.1:port`` with exactly ``env``; yields once
    ``/health`` answers, stops it on exit.  Output goes to ``stdout`` (and ``stderr``,
    or the same file)."""
    with open(stdout, "wb") as out, open(stderr or os.devnull, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT, env=env, stdout=out, stderr=err if stderr else subprocess.STDOUT,
        )
    log = stderr or stdout
    with stopping(process):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"samband serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"samband serve did not start within {STARTUP_TIMEOUT} s:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield process


@contextlib.contextmanager
def node_process(first: LiveServer, directory: Path, **extra: str) -> Iterator[Node]:
    """Start ``samband serve`` as another node beside ``first``; stop it on exit
    (unless the test killed it already)."""
    port = free_port()
    log_file = directory / f"node-{port}.log"
    with serve(node_environment(first, port, **extra), port, stdout=log_file) as process:
        yield Node(f"http://127.0.0.1:{port}", process, log_file)
