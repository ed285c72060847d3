"""``samband serve`` with ``SAMBAND_LOG_FORMAT=json``, as a real OS process: every line on
stderr is one JSON object, each request has one access line with its request id and
route template, and nothing a person typed or carries (names, national identity
numbers, tokens, cookies, query strings, case ids) reaches the log."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import websockets
from sqlmodel import Session

from directory.models import Actor
from tests.support.aio import run
from tests.support.nodes import free_port, serve
from tests.support.postgres import drop_database, fresh_database_url
from tests.support.tokens import login, portal_login
from web.database import make_engine, migrate
from web.demo import Demo, load_demo

NODE_ID = "json-node-1"


@dataclass
class Node:
    base_url: str
    demo: Demo
    national_id: str  # Hansen's
    stderr: Path


@contextlib.contextmanager
def json_logging_node(directory: Path) -> Iterator[Node]:
    """``samband serve`` on a fresh database with the demo population; stopped on exit,
    so its log is complete when the block is left."""
    url = fresh_database_url(directory)
    migrate(url)
    engine = make_engine(url)
    demo = load_demo(engine, directory, with_keys=False)
    with Session(engine) as session:
        national_id = session.get(Actor, demo.actors["hansen"]).national_id
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBAND_")} | {
        "SAMBAND_ENVIRONMENT": "test",
        "SAMBAND_DATABASE_URL": url,
        "SAMBAND_DATA_DIR": str(directory),
        "SAMBAND_SESSION_SECRET": secrets.token_urlsafe(32),
        "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(directory / "log-signing-key.pem"),
        "SAMBAND_LOG_FORMAT": "json",
        "SAMBAND_NODE_ID": NODE_ID,
    }
    stderr = directory / "stderr.log"
    try:
        with serve(env, port, "--no-demo", stdout=directory / "stdout.log", stderr=stderr):
            yield Node(f"http://127.0.0.1:{port}", demo, national_id, stderr)
    finally:
        drop_database(url)


async def _open_and_close_websocket(base_url: str, token: str) -> str:
    """The request id of a websocket that was accepted, resumed and closed."""
    url = base_url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "resume", "cursor": 0}))
        assert json.loads(await ws.recv())["type"] == "ready"
        return ws.response.headers["X-Request-ID"]


def test_json_log_has_request_ids_and_route_templates_and_no_personal_data(tmp_path):
    with json_logging_node(tmp_path) as node:
        case_id = node.demo.cases["hansen"]
        token = login(node.base_url, "eide")  # the embedded IdP: codes and tokens travel in URLs and bodies
        with httpx.Client(base_url=node.base_url, headers={"Authorization": f"Bearer {token}"}) as nav:
            responses = [
                nav.get("/directory/search", params={"q": node.national_id}),  # NAV may search by national id
                nav.get("/directory/search", params={"q": "Per Hansen"}),
                nav.get(f"/cases/{case_id}"),
                nav.get("/cases/no-such-case"),
                nav.get("/directory/search"),  # no q: 422
                nav.get("/health", headers={"X-Request-ID": "from-the-load-balancer"}),
            ]
        with httpx.Client(base_url=node.base_url) as browser:
            assert portal_login(browser, node.base_url, "hansen").status_code == 303
            cookie = browser.cookies["samband_session"]
            responses.append(browser.get(f"/cases/{case_id}"))
        responses.append(httpx.get(f"{node.base_url}/no/such/page", params={"q": "Per Hansen"}))
        websocket_id = run(_open_and_close_websocket(node.base_url, token))
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 422, 200, 200, 404]

    log = node.stderr.read_text()
    entries = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    for entry in entries:
        assert {"ts", "level", "logger", "message", "node_id"} <= entry.keys(), entry
        assert entry["node_id"] == NODE_ID
        assert datetime.fromisoformat(entry["ts"]).utcoffset() == timedelta(0)
    assert not [e for e in entries if e["logger"] == "uvicorn.access"]  # it prints raw paths
    assert any(e["logger"] == "uvicorn.error" for e in entries)  # uvicorn's own lines, as JSON too

    access = [e for e in entries if e["logger"] == "samband.access"]
    by_id = {e["request_id"]: e for e in access}
    assert len(by_id) == len(access)  # one line per request, each its own id
    for response in responses:
        line = by_id[response.headers["x-request-id"]]
        assert (line["method"], line["status"]) == ("GET", response.status_code)
        assert line["event"] == "http:request:served" and line["duration_ms"] >= 0
        assert "?" not in line["route"] and "?" not in line["message"]
    assert by_id["from-the-load-balancer"]["route"] == "/health"
    websocket = by_id[websocket_id]
    assert (websocket["route"], websocket["status"], websocket["event"]) == ("/ws", 101, "websocket:connection:closed")
    assert {e["route"] for e in access} >= {
        "/directory/search", "/cases/{case_id}", "unmatched", "/idp/authorize", "/login", "/auth/callback",
    }

    for secret in (node.national_id, "Per Hansen", "Hansen", token, cookie, case_id, "no-such-case",
                   "q=", "code=", "state=", "/no/such/page"):
        assert secret not in log, f"{secret!r} is in the log"
