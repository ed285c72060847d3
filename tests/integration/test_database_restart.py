"""PostgreSQL restarts while clients are connected to two nodes: every client is back
in business afterwards and no acknowledged message is lost.

The cluster is this module's own (restarting the run's shared cluster would cut the
other tests' connections).  During the outage a send is refused with a clean 503 —
never a 500 — and the sender tries again; websockets stay open (the server retries
its pulls) or, if cut, the client reconnects and resumes from its cursor.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections import Counter
import time

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import Session

from messaging.client import ClientError, SambandClient
from messaging.models import Message
from tests.support import proof
from tests.support.aio import next_event, run
from tests.support.nodes import node_process
from tests.support.postgres import BACKEND, Cluster
from tests.support.server import running_server

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="restarts a PostgreSQL server "
                                "(SAMBAND_TEST_DB=postgresql; scripts/test runs it)")

PING = 30.0
_next = functools.partial(next_event, timeout=30.0)


@pytest.fixture(scope="module")
def own_cluster():
    cluster = Cluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def server(tmp_path, own_cluster):
    with running_server(tmp_path, ws_ping_seconds=PING, database_url=own_cluster.create_database()) as live:
        yield live



def test_postgresql_restart_with_clients_connected_loses_nothing(world, clients, own_cluster, tmp_path):
    d = world.demo.actors
    for who in ("lise", "eide"):
        world.grant_from_hansen(d[who])
    gp, lise, nav = clients("solberg"), clients("lise"), clients("eide")
    case_id = world.demo.cases["hansen"]
    thread = gp.start_thread(case_id, [d["lise"], d["eide"]], topic="functional_assessment")["id"]

    with node_process(world, tmp_path) as node_b:
        on_b = {name: SambandClient(node_b.base_url, c.token, c.identity) for name, c in
                (("gp", gp), ("lise", lise), ("nav", nav))}
        statuses: list[int | str] = []

        def send_until_acknowledged(sender: SambandClient, text: str) -> str:
            deadline = time.monotonic() + 60
            while True:
                try:
                    return sender.send(case_id, thread, "functional_assessment", {"functional_ability": text})["id"]
                except ClientError as exc:
                    statuses.append(exc.status)
                except httpx.TransportError as exc:
                    statuses.append(type(exc).__name__)
                if time.monotonic() > deadline:
                    raise AssertionError(f"could not send for 60 s: {statuses[-5:]}")
                time.sleep(0.1)

        received: dict[str, int] = {}

        async def scenario():
            watchers = {
                "lise@A": lise.watch(0, reconnect=True, also=[node_b.base_url]),
                "lise@B": on_b["lise"].watch(0, reconnect=True, also=[world.base_url]),
                "nav@B": on_b["nav"].watch(0, reconnect=True, also=[world.base_url]),
            }
            await asyncio.gather(*(_next(w, lambda e: e["type"] == "ready") for w in watchers.values()))
            sent = [await asyncio.to_thread(send_until_acknowledged, gp, "før omstart")]
            for w in watchers.values():
                assert (await _next(w, lambda e: e["type"] == "message"))["message_id"] == sent[0]

            # Restart PostgreSQL while senders on both nodes keep going.
            during: list[str] = []
            senders = [threading.Thread(target=lambda s=s, i=i: during.append(send_until_acknowledged(s, f"under {i}")))
                       for i, s in enumerate((gp, on_b["gp"]))]
            for t in senders:
                t.start()
            started = time.monotonic()
            await asyncio.to_thread(own_cluster.restart)
            restarted = time.monotonic() - started
            for t in senders:
                await asyncio.to_thread(t.join)
            sent += during
            sent.append(await asyncio.to_thread(send_until_acknowledged, on_b["gp"], "etter omstart, via B"))
            sent.append(await asyncio.to_thread(send_until_acknowledged, gp, "etter omstart, via A"))

            # Every acknowledged message is stored (a commit cut by the restart may have
            # stored one more that its sender never heard of: that one is delivered too).
            with Session(world.engine) as session:
                stored = set(session.scalars(select(Message.id).where(Message.thread_id == thread)))
            assert set(sent) <= stored
            # Every client, on either node, ends up with every stored message, once.
            for name, w in watchers.items():
                got = [sent[0]]
                while len(got) < len(stored):
                    got.append((await _next(w, lambda e: e["type"] == "message", timeout=30))["message_id"])
                assert set(got) == stored, name
                assert len(set(got)) == len(got), name
                received[name] = len(got)
            proof.record("postgresql-restart", acknowledged=len(sent), stored=len(stored), received_per_client=received,
                         restart_seconds=round(restarted, 2))
            for w in watchers.values():
                await w.aclose()

        run(scenario())
        # Refusals during the outage were clean: "try again" (503) or a dropped
        # connection, never an internal error.
        proof.record("postgresql-restart", refused_during_outage=dict(Counter(str(s) for s in statuses)))
        assert all(s == 503 or isinstance(s, str) for s in statuses), statuses
        # The restart really cut node B's listener, which came back on its own.
        assert "fan-out listener lost the database" in node_b.log()
