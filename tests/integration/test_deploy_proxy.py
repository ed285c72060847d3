"""The shipped nginx configuration (deploy/nginx/) in front of two real samband nodes
on one database, as deploy/compose.yaml runs them: requests reach both nodes, a sign-in
started on one node finishes on the other, websockets upgrade and stay open through
the proxy, and /metrics stays inside.  Also: a node started with ``--no-migrate`` is
alive but not ready until ``samband migrate`` has run.

nginx is Debian's (/usr/sbin/nginx; scripts/test installs it).  Only the addresses are
rendered for the test: the upstream servers become the nodes' loopback ports and the
server listens on a free loopback port; everything else is the shipped files.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets

from consent.config import ConsentConfig
from tests.support.nodes import free_port, serve, stopping
from tests.support.aio import run
from tests.support.deploy import DEPLOY, ROOT
from tests.support.postgres import BACKEND, cluster
from tests.support.server import running_server
from tests.support.tokens import login, portal_login
from web.demo import load_demo

NGINX = Path("/usr/sbin/nginx")
STARTUP_TIMEOUT = 90.0  # a loaded 2-core machine: migrations and imports can take long


def _wait_until(predicate, what: str, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout} s")
        time.sleep(0.05)


# --- nginx ------------------------------------------------------------------------------


@dataclass
class Proxy:
    base_url: str
    log_file: Path

    def served(self) -> list[tuple[str, str, int, str]]:
        """``(method, path, status, upstream address)`` per access-log line so far."""
        pattern = re.compile(r'"(\w+) (\S+) [^"]*" (\d{3}) .* upstream=(\S+)')
        return [(m[1], m[2], int(m[3]), m[4]) for m in map(pattern.search, self.log_file.read_text().splitlines()) if m]


def render_upstream(node_ports: list[int]) -> str:
    text = (DEPLOY / "nginx" / "upstream.conf").read_text()
    names = re.findall(r"^\s*server\s+(\S+)", text, re.M)
    assert names == ["app-a:8000", "app-b:8000"]
    for name, port in zip(names, node_ports, strict=True):
        text = text.replace(f"server {name}", f"server 127.0.0.1:{port}")
    # Loopback addresses need no DNS (and Debian's nginx predates `resolve`).
    return re.sub(r"^resolver .*$", "", text, flags=re.M).replace(" resolve ", " ")


@contextlib.contextmanager
def running_nginx(directory: Path, port: int, node_ports: list[int]) -> Iterator[Proxy]:
    if not NGINX.exists():
        pytest.fail("Debian's nginx is missing: the test command installs it (apt-get install nginx)")
    conf = directory / "nginx"
    conf.mkdir()
    (conf / "nginx.conf").write_text((DEPLOY / "nginx" / "nginx.conf").read_text())
    server = (DEPLOY / "nginx" / "samband.conf").read_text()
    assert server.count("listen 80;") == 1
    (conf / "samband.conf").write_text(server.replace("listen 80;", f"listen 127.0.0.1:{port};"))
    (conf / "upstream.conf").write_text(render_upstream(node_ports))
    command = [str(NGINX), "-p", str(conf), "-c", str(conf / "nginx.conf"), "-g", f"daemon off; pid {conf}/nginx.pid;"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log_file = directory / "nginx.log"
    with open(log_file, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    with stopping(process, timeout=10):
        def listening() -> bool:
            assert process.poll() is None, f"nginx exited: {log_file.read_text()}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
            return False

        _wait_until(listening, "nginx did not listen")
        yield Proxy(f"http://127.0.0.1:{port}", log_file)


@pytest.fixture
def deployment(tmp_path):
    """Two nodes sharing what compose.yaml makes them share (database, data directory,
    session secret, public URL = the proxy's), behind the shipped nginx."""
    port = free_port()
    shared = {
        "public_url": f"http://127.0.0.1:{port}",
        "session_secret": secrets.token_urlsafe(32),
        "data_dir": tmp_path,
        "consent": ConsentConfig(log_signing_key_file=tmp_path / "log-signing-key.pem"),
    }
    with running_server(tmp_path, **shared) as a:
        load_demo(a.engine, tmp_path)
        with running_server(tmp_path, database_url=a.settings.database_url, **shared) as b:
            nodes = [a.port, b.port]
            with running_nginx(tmp_path, port, nodes) as proxy:
                yield proxy, {f"127.0.0.1:{p}" for p in nodes}, [a, b]


def _status_of_raw_request(port: int, path: str) -> int:
    """The status of ``GET <path>`` sent byte for byte (HTTP clients tidy paths up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        return int(s.makefile("rb").readline().split()[1])


def _eventually(proxy: Proxy, check, what: str):
    """Access-log lines appear when a request (or a websocket) ends: poll a moment."""
    _wait_until(lambda: check(proxy.served()), what, timeout=30)


# --- the tests ----------------------------------------------------------------------------


def test_requests_through_the_proxy_reach_both_nodes_and_metrics_stay_inside(deployment):
    proxy, node_addresses, nodes = deployment
    with httpx.Client(base_url=proxy.base_url, timeout=10) as client:
        for _ in range(8):
            assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200
    port = int(proxy.base_url.rsplit(":", 1)[1])
    for path in ("/metrics", "/metrics/", "/metrics?format=text", "//metrics", "/%6Detrics", "/./metrics"):
        assert _status_of_raw_request(port, path) == 404, path
    # The same paths on a node itself answer: the proxy is what keeps them in.
    for path in ("/metrics", "/%6Detrics"):
        assert _status_of_raw_request(nodes[0].port, path) == 200, path
    _eventually(proxy, lambda served: {u for m, p, s, u in served if p == "/health"} == node_addresses,
                "both nodes did not serve /health")
    assert all(u == "-" for m, p, s, u in proxy.served() if "metrics" in p or "etrics" in p)


def _wire(client: httpx.Client, path: str, encoding: str) -> tuple[httpx.Response, bytes]:
    with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as response:
        return response, b"".join(response.iter_raw())


def test_the_proxy_serves_the_bundle_and_pages_gzipped_once_and_the_idp_never(deployment):
    proxy, _, _ = deployment
    with httpx.Client(base_url=proxy.base_url, timeout=10) as client:
        packed, wire = _wire(client, "/static/build/samband.js", "gzip")
        whole, plain = _wire(client, "/static/build/samband.js", "identity")
        assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in whole.headers
        assert gzip.decompress(wire) == plain  # one layer: nginx did not compress the node's gzip again
        assert len(wire) < len(plain) / 2
        assert portal_login(client, proxy.base_url, "hansen").status_code == 303
        page, wire = _wire(client, "/portal", "gzip")
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert b"csrf-token" in gzip.decompress(wire)
    with httpx.Client(base_url=proxy.base_url, timeout=10) as client:
        start = client.get("/login")
        form, wire = _wire(client, start.headers["location"], "gzip")
        assert form.status_code == 200 and len(wire) >= 500 and "content-encoding" not in form.headers


def test_sign_in_moves_between_nodes_and_websockets_stay_open_through_the_proxy(deployment):
    proxy, node_addresses, _ = deployment
    # The browser flow: /login, the IdP's form (CSRF in the session), the callback and
    # the portal, each step on whichever node nginx picks: the nodes share the session
    # secret, the IdP key and the database.
    with httpx.Client(timeout=10) as browser:
        assert portal_login(browser, proxy.base_url, "hansen").status_code == 303
        for _ in range(6):
            assert browser.get(f"{proxy.base_url}/portal").status_code == 200
    _eventually(proxy, lambda served: {u for m, p, s, u in served if p == "/portal"} == node_addresses,
                "both nodes did not serve /portal")

    token = login(proxy.base_url, "hansen")
    ws_url = proxy.base_url.replace("http://", "ws://") + "/ws"

    async def two_connections() -> list[list[str]]:
        async def one(opened: asyncio.Event, others: asyncio.Event) -> list[str]:
            async with websockets.connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
                await ws.send(json.dumps({"type": "resume", "cursor": 0}))
                seen = [json.loads(await asyncio.wait_for(ws.recv(), 10))["type"]]
                opened.set()
                await asyncio.wait_for(others.wait(), 10)  # both open at once: least_conn splits them
                # Idle: the node pings every second here (20 s by default), and the
                # connection outlives several pings through the proxy.
                while seen.count("ping") < 2:
                    seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10))["type"])
                return seen

        first, second = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(one(first, second))
        await asyncio.wait_for(first.wait(), 10)
        return [await one(second, first), await task]

    for seen in run(two_connections()):
        assert seen == ["ready", "ping", "ping"]
    _eventually(proxy, lambda served: {u for m, p, s, u in served if p == "/ws" and s == 101} == node_addresses,
                "the two websockets did not go to the two nodes")


# --- a node that does not migrate -------------------------------------------------------------


@contextlib.contextmanager
def empty_database(directory: Path) -> Iterator[str]:
    if BACKEND != "postgresql":
        yield f"sqlite:///{directory / 'empty.db'}"
        return
    name = f"samband_empty_{os.getpid()}_{secrets.token_hex(4)}"
    cluster().admin(f"CREATE DATABASE {name}")
    try:
        yield cluster().url(name)
    finally:
        cluster().drop_database(cluster().url(name))


def test_node_started_with_no_migrate_is_ready_only_after_samband_migrate(tmp_path):
    port = free_port()
    with empty_database(tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBAND_")} | {
            "SAMBAND_ENVIRONMENT": "test",
            "SAMBAND_DATABASE_URL": url,
            "SAMBAND_DATA_DIR": str(tmp_path),
            "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(tmp_path / "log-signing-key.pem"),
        }
        base = f"http://127.0.0.1:{port}"
        log_file = tmp_path / "node.log"
        with serve(env, port, "--no-migrate", stdout=log_file):
            assert httpx.get(f"{base}/ready", timeout=10).status_code == 503
            assert "not migrating" in log_file.read_text()

            job = subprocess.run([sys.executable, "-m", "web.cli", "migrate"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
            assert job.returncode == 0, job.stderr
            _wait_until(lambda: httpx.get(f"{base}/ready", timeout=10).status_code == 200,
                        "the node was not ready after the migration", timeout=60)
