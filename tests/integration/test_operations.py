"""Operations over real HTTP: liveness, readiness, Prometheus metrics, request ids."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.support.aio import run
from tests.support.server import running_server

UUID_OR_ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def _samples(metrics_text: str) -> dict[tuple[str, frozenset], float]:
    """``{(sample name, frozenset(labels)): value}``."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics_text)
        for s in family.samples
    }


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _db_revision(server) -> str:
    with server.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def _set_revision(server, revision: str) -> None:
    with server.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


class TestProbes:
    def test_health_is_ok(self, server):
        response = httpx.get(f"{server.base_url}/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_ready_names_the_schema_the_database_is_at(self, server):
        response = httpx.get(f"{server.base_url}/ready")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ready", "database": "ok", "schema": _db_revision(server)}

    def test_ready_is_503_and_says_to_migrate_when_the_schema_is_behind(self, server):
        head = _db_revision(server)
        _set_revision(server, "0003")
        response = httpx.get(f"{server.base_url}/ready")
        assert response.status_code == 503
        assert response.json() == {
            "code": "not_ready",
            "message": f"database schema is at 0003, code expects {head}: run samband migrate",
        }
        assert httpx.get(f"{server.base_url}/health").status_code == 200  # alive, just not ready

    def test_ready_stays_ready_when_a_newer_release_migrated_the_schema(self, server):
        # Rolling upgrade: the migration job (expand-only) ran before the new pods, the
        # old pods keep serving.
        _set_revision(server, "9999")
        response = httpx.get(f"{server.base_url}/ready")
        assert response.status_code == 200
        assert response.json()["status"] == "ready"

    def test_ready_is_503_when_never_migrated(self, server):
        with server.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        response = httpx.get(f"{server.base_url}/ready")
        assert response.status_code == 503
        assert "nothing (never migrated)" in response.json()["message"]


class TestRequestId:
    def test_a_valid_incoming_id_is_echoed(self, server):
        response = httpx.get(f"{server.base_url}/health", headers={"X-Request-ID": "lb-7f3a.9_Z"})
        assert response.headers["x-request-id"] == "lb-7f3a.9_Z"

    @pytest.mark.parametrize("incoming", ["x" * 65, "has space", "new\\nline", "ünïcode", ""],
                             ids=["too-long", "space", "backslash", "non-ascii", "empty"])
    def test_an_unsafe_incoming_id_is_replaced(self, server, incoming):
        response = httpx.get(f"{server.base_url}/health", headers={"X-Request-ID": incoming.encode()})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])

    def test_every_response_gets_an_id_errors_too(self, server):
        ids = set()
        for path in ("/health", "/no/such/page", "/me", "/directory/search"):
            response = httpx.get(f"{server.base_url}{path}")
            ids.add(response.headers["x-request-id"])
        assert len(ids) == 4

    def test_websocket_handshake_carries_the_id(self, world):
        url = world.base_url.replace("http://", "ws://") + "/ws"
        token = world.person("lise").http.headers["Authorization"]

        async def scenario():
            async with websockets.connect(url, additional_headers={"Authorization": token,
                                                                   "X-Request-ID": "ws-handshake-1"}) as ws:
                assert ws.response.headers["X-Request-ID"] == "ws-handshake-1"

        run(scenario())



class TestMetrics:
    def test_requests_messages_consent_and_websockets_are_counted_by_template(self, world, clients):
        d = world.demo.actors
        case_id = world.demo.cases["hansen"]
        world.grant_from_hansen(d["lise"], ["functional_ability"])
        gp = clients("solberg")
        lise = world.person("lise")
        # Vold (company health service) is in the thread without consent: a deny.
        thread_id = gp.start_thread(case_id, [d["lise"], d["vold"]], topic="functional_assessment")["id"]
        url = world.base_url.replace("http://", "ws://") + "/ws"
        metrics_url = f"{world.base_url}/metrics"

        async def scenario():
            async with websockets.connect(url, additional_headers={"Authorization": lise.http.headers["Authorization"]}) as ws:
                await ws.send(json.dumps({"type": "resume", "cursor": 0}))
                assert json.loads(await ws.recv())["type"] == "ready"
                sent = await asyncio.to_thread(gp.send, case_id, thread_id, "functional_assessment",
                                               {"functional_ability": "Kan jobbe halv dag."})
                while (event := json.loads(await ws.recv()))["type"] != "message":
                    pass
                assert event["message_id"] == sent["id"]
                async with httpx.AsyncClient() as http:
                    during = _samples((await http.get(metrics_url)).text)
            return sent, during

        sent, during = run(scenario())
        assert _value(during, "samband_websocket_connections") == 1
        assert _value(during, "samband_websocket_pushes_total") >= 1

        # The Python client will not send a broken envelope; a raw request will.
        refused = lise.post(f"/cases/{case_id}/threads/{thread_id}/messages", json={"envelope": "AAAA"})
        assert refused.status_code == 422 and refused.json()["code"] == "INVALID_ENVELOPE"
        assert lise.get(f"/cases/{case_id}").status_code == 200
        assert lise.get("/directory/search", params={"q": "Per Hansen"}).status_code == 200
        assert httpx.get(f"{world.base_url}/no/such/{case_id}?q=Hansen").status_code == 404

        # The server notices the closed websocket on its own time.
        for _ in range(100):
            metrics_text = httpx.get(metrics_url).text
            samples = _samples(metrics_text)
            if _value(samples, "samband_websocket_connections") == 0:
                break
        assert _value(samples, "samband_websocket_connections") == 0

        assert _value(samples, "samband_messages_accepted_total") == 1
        assert _value(samples, "samband_messages_rejected_total", reason="INVALID_ENVELOPE") == 1
        assert _value(samples, "samband_consent_decisions_total", outcome="permit") >= 1
        assert _value(samples, "samband_consent_decisions_total", outcome="deny") >= 1
        messages = "/cases/{case_id}/threads/{thread_id}/messages"
        assert _value(samples, "samband_http_requests_total", method="POST", route=messages, status="201") == 1
        assert _value(samples, "samband_http_requests_total", method="POST", route=messages, status="422") == 1
        assert _value(samples, "samband_http_requests_total", method="GET", route="/cases/{case_id}", status="200") == 1
        assert _value(samples, "samband_http_requests_total", method="GET", route="/directory/search", status="200") == 1
        assert _value(samples, "samband_http_requests_total", method="GET", route="unmatched", status="404") == 1
        assert _value(samples, "samband_http_request_duration_seconds_count", method="POST", route=messages) == 2
        assert _value(samples, "samband_node_info", node_id=world.settings.node_id, version="0.1.0") == 1

        # Templates only: no id, no raw path, nothing anyone typed.
        for leaked in (case_id, thread_id, sent["id"], d["lise"], "Hansen", "?q=", "/no/such"):
            assert leaked not in metrics_text
        routes = {dict(labels).get("route") for (name, labels) in samples if name == "samband_http_requests_total"}
        assert not any(UUID_OR_ID.search(r) for r in routes if r), routes

    def test_a_metrics_token_is_required_once_configured(self, tmp_path):
        with running_server(tmp_path, metrics_token="scrape-secret-0123") as live:
            url = f"{live.base_url}/metrics"
            missing = httpx.get(url)
            assert missing.status_code == 401
            assert "SAMBAND_METRICS_TOKEN" in missing.json()["message"]
            assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert httpx.get(url, headers={"Authorization": "Basic scrape-secret-0123"}).status_code == 401
            ok = httpx.get(url, headers={"Authorization": "Bearer scrape-secret-0123"})
            assert ok.status_code == 200
            assert ok.headers["content-type"].startswith("text/plain")
            assert "samband_node_info" in ok.text

    def test_metrics_are_open_without_a_token(self, server):
        response = httpx.get(f"{server.base_url}/metrics")
        assert response.status_code == 200
        assert "# TYPE samband_http_requests_total counter" in response.text
