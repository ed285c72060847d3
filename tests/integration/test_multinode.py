"""Several app nodes on one PostgreSQL: wake-ups cross nodes by LISTEN/NOTIFY, a
client whose node dies resumes on another without loss, and a node killed with
SIGKILL in the middle of sends loses no message it had acknowledged.

Node A is the usual in-thread test server (with the embedded IdP every node trusts);
node B is a separate ``samband serve`` process, so it can be killed.  Websocket pings
are every 30 s here, so a push that arrives within seconds came by NOTIFY, not by the
ping-time pull that is the fallback.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections import Counter
import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from messaging.client import SambandClient
from messaging.models import InboxEvent, Message, MessageWrap
from tests.support import proof
from tests.support.aio import next_event, run
from tests.support.nodes import node_process
from tests.support.postgres import BACKEND
from tests.support.server import running_server

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="several nodes share one PostgreSQL "
                                "(SAMBAND_TEST_DB=postgresql; scripts/test runs it)")

PING = 30.0
SOON = 8.0  # well under PING: arriving this fast means the wake-up crossed nodes
_next = functools.partial(next_event, timeout=SOON)


@pytest.fixture
def server(tmp_path):
    with running_server(tmp_path, ws_ping_seconds=PING) as live:
        yield live


@pytest.fixture
def node_b(server, tmp_path):
    with node_process(server, tmp_path) as node:
        yield node



def _on(client: SambandClient, base_url: str) -> SambandClient:
    """The same person, same token and keys, talking to another node."""
    return SambandClient(base_url, client.token, client.identity)



def _thread(world, clients):
    d = world.demo.actors
    world.grant_from_hansen(d["lise"])
    gp = clients("solberg")
    case_id = world.demo.cases["hansen"]
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    return gp, clients("lise"), case_id, thread


def test_a_message_posted_on_one_node_reaches_a_client_on_the_other_in_realtime(world, clients, node_b):
    gp, lise, case_id, thread = _thread(world, clients)
    gp_on_b, lise_on_b = _on(gp, node_b.base_url), _on(lise, node_b.base_url)

    async def scenario():
        on_a, on_b = lise.watch(0), lise_on_b.watch(0)  # one device on each node
        await asyncio.gather(_next(on_a, lambda e: e["type"] == "ready"), _next(on_b, lambda e: e["type"] == "ready"))
        for sender in (gp_on_b, gp):  # posted through B, then through A
            sent = await asyncio.to_thread(sender.send, case_id, thread, "functional_assessment",
                                           {"functional_ability": f"Via {sender.base_url}"})
            acknowledged = time.monotonic()
            got = await asyncio.gather(_next(on_a, lambda e: e["type"] == "message"),
                                       _next(on_b, lambda e: e["type"] == "message"))
            proof.record("two-nodes-realtime", **{
                f"ack_to_both_devices_ms (posted via {'B' if sender is gp_on_b else 'A'})":
                    round((time.monotonic() - acknowledged) * 1000, 1), "ws_ping_seconds": PING})
            for event in got:
                assert event["message_id"] == sent["id"]
                assert event["message"].form == {"functional_ability": f"Via {sender.base_url}"}
        # The sender's receipts cross too: the GP is connected to A, Lise read on B.
        gp_events = gp.watch(0)
        await asyncio.to_thread(lise_on_b.read, sent["id"])
        read = await _next(gp_events, lambda e: e["type"] == "receipt" and e["receipt"] == "read")
        assert read["message_id"] == sent["id"]
        for gen in (on_a, on_b, gp_events):
            await gen.aclose()

    run(scenario())


def test_a_client_whose_node_dies_resumes_on_another_without_loss(world, clients, node_b):
    gp, lise, case_id, thread = _thread(world, clients)
    lise_on_b = _on(lise, node_b.base_url)

    def send(text):
        return gp.send(case_id, thread, "functional_assessment", {"functional_ability": text})

    async def scenario():
        events = lise_on_b.watch(0, reconnect=True, also=[world.base_url])
        ready = await _next(events, lambda e: e["type"] == "ready")
        assert ready["node"] == node_b.base_url
        first = await asyncio.to_thread(send, "før")
        assert (await _next(events, lambda e: e["type"] == "message"))["message_id"] == first["id"]

        await asyncio.to_thread(node_b.kill)
        while_away = [await asyncio.to_thread(send, f"mens B var nede {i}") for i in range(3)]

        killed = time.monotonic()
        again = await _next(events, lambda e: e["type"] == "ready", timeout=30)
        assert again["node"] == world.base_url  # moved to the surviving node
        got = [await _next(events, lambda e: e["type"] == "message") for _ in while_away]
        proof.record("node-dies-client-resumes", sent_while_away=len(while_away), received_after_resume=len(got),
                     duplicates=len(got) - len({e["message_id"] for e in got}),
                     kill_to_all_received_ms=round((time.monotonic() - killed) * 1000, 1))
        assert [e["message_id"] for e in got] == [m["id"] for m in while_away]  # in order, none twice
        assert [e["message"].form["functional_ability"] for e in got] == [f"mens B var nede {i}" for i in range(3)]
        after = await asyncio.to_thread(send, "etter")
        assert (await _next(events, lambda e: e["type"] == "message"))["message_id"] == after["id"]
        await events.aclose()

    run(scenario())


def test_kill_9_during_sends_loses_no_acknowledged_message(world, clients, node_b):
    gp, lise, case_id, thread = _thread(world, clients)
    senders = 4
    acknowledged: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def keep_sending(n: int) -> None:
        # One client per thread: httpx clients are not shared across threads here.
        me = _on(gp, node_b.base_url)
        i = 0
        while not stop.is_set():
            i += 1
            try:
                sent = me.send(case_id, thread, "functional_assessment", {"functional_ability": f"sender {n} nr {i}"})
            except (httpx.TransportError, Exception) as exc:  # the node died under this request
                with lock:
                    refused.append(type(exc).__name__)
                if isinstance(exc, httpx.TransportError):
                    return
                continue
            with lock:
                acknowledged.append(sent["id"])

    threads = [threading.Thread(target=keep_sending, args=(n,)) for n in range(senders)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    node_b.kill()  # mid-stream: requests are in flight on every sender thread
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) >= 20, f"too few sends before the kill: {len(acknowledged)}; refused: {refused}"

    # Everything acknowledged is stored whole: the message, its wraps, the inbox event.
    with Session(world.engine) as s:
        stored = set(s.scalars(select(Message.id).where(Message.thread_id == thread)))
        assert set(acknowledged) <= stored
        for message_id in stored:  # and nothing half-written, acknowledged or not
            assert s.scalar(select(func.count()).select_from(MessageWrap).where(MessageWrap.message_id == message_id)) >= 1
            assert s.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.message_id == message_id)) == 1

    # ... and reaches the recipient, connected to the surviving node, exactly once.
    async def receive_all():
        events = lise.watch(0)
        seen: list[str] = []
        while not set(stored) <= set(seen):
            seen.append((await _next(events, lambda e: e["type"] == "message", timeout=30))["message_id"])
        await events.aclose()
        return seen

    seen = run(receive_all())
    proof.record("kill-9-during-sends", senders=senders, acknowledged=len(acknowledged), stored=len(stored),
                 acknowledged_but_missing=len(set(acknowledged) - stored), delivered=len(seen),
                 delivered_twice=len(seen) - len(set(seen)), failed_in_flight=dict(Counter(refused)))
    assert len(seen) == len(set(seen)) == len(stored)
    assert set(acknowledged) <= set(seen)


def test_signing_out_on_one_node_ends_the_session_on_the_other(world, node_b):
    """The session record is in the shared database: a cookie revoked through node A
    no longer signs anyone in on node B (issue 10, docs/decisions/0012-sessions.md)."""
    from tests.support.tokens import csrf_token_of, portal_login

    with httpx.Client(base_url=world.base_url, timeout=30) as on_a:
        assert portal_login(on_a, world.base_url, "hansen").status_code == 303
        cookie = {"Cookie": f"samband_session={on_a.cookies['samband_session']}"}
        assert httpx.get(f"{node_b.base_url}/me", headers=cookie, timeout=30).json()["id"] == world.demo.actors["hansen"]
        token = csrf_token_of(on_a.get("/keys").text)
        assert on_a.post("/logout", data={"csrf_token": token}).status_code == 303
    assert httpx.get(f"{node_b.base_url}/me", headers=cookie, timeout=30).status_code == 401
