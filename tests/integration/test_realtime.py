"""Realtime delivery over real websockets: online recipients get pushes, an offline one
gets everything on reconnect, a recall reaches everyone, consent is re-checked per push."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from messaging.client import ClientError
from tests.support.aio import next_event, run




def test_online_recipients_get_pushes_offline_one_resumes_recall_reaches_all(world, clients):
    d = world.demo.actors
    for who in ("lise", "vold", "eide"):
        world.grant_from_hansen(d[who], ["functional_ability"])
    gp, lise, vold, nav = clients("solberg"), clients("lise"), clients("vold"), clients("eide")
    case_id = world.demo.cases["hansen"]
    thread = gp.start_thread(case_id, [d["lise"], d["vold"], d["eide"]], topic="functional_assessment")["id"]

    async def scenario():
        lise_events, nav_events = lise.watch(0), vold.watch(0)
        # Both online recipients are connected before the send.
        first = await asyncio.gather(next_event(lise_events, lambda e: e["type"] == "ready"),
                                     next_event(nav_events, lambda e: e["type"] == "ready"))
        assert [e["cursor"] for e in first] == [0, 0]
        sent = await asyncio.to_thread(gp.send, case_id, thread, "functional_assessment",
                                       {"functional_ability": "Kan jobbe halv dag fra mandag."})
        got = await asyncio.gather(next_event(lise_events, lambda e: e["type"] == "message"),
                                   next_event(nav_events, lambda e: e["type"] == "message"))
        for event in got:
            assert event["message_id"] == sent["id"]
            assert event["message"].form == {"functional_ability": "Kan jobbe halv dag fra mandag."}
        cursor = got[0]["seq"]

        # The sender hears the delivery receipts.
        gp_events = gp.watch(0)
        receipt = await next_event(gp_events, lambda e: e["type"] == "receipt" and e["receipt"] == "delivered")
        assert receipt["message_id"] == sent["id"]

        # NAV was offline; it connects later and gets the message from cursor 0.
        nav_late = nav.watch(0)
        caught_up = await next_event(nav_late, lambda e: e["type"] == "message")
        assert caught_up["message_id"] == sent["id"]
        assert caught_up["message"].form["functional_ability"] == "Kan jobbe halv dag fra mandag."

        # Recall: everyone online hears it, the message is gone for all.
        await asyncio.to_thread(gp.recall, sent["id"])
        recalls = await asyncio.gather(
            next_event(lise_events, lambda e: e["type"] == "recall"),
            next_event(nav_events, lambda e: e["type"] == "recall"),
            next_event(nav_late, lambda e: e["type"] == "recall"),
        )
        assert {r["message_id"] for r in recalls} == {sent["id"]}
        for client in (lise, vold, nav):
            with pytest.raises(ClientError) as gone:
                await asyncio.to_thread(client.read, sent["id"])
            assert gone.value.status == 410

        # Lise reconnects with her cursor: nothing old is replayed, the recall is there.
        resumed = lise.watch(cursor)
        await next_event(resumed, lambda e: e["type"] == "ready")
        again = await next_event(resumed, lambda e: e["type"] in ("message", "recall"))
        assert again["type"] == "recall" and again["seq"] > cursor
        for gen in (lise_events, nav_events, gp_events, nav_late, resumed):
            await gen.aclose()

    run(scenario())


def test_push_is_rechecked_against_consent(world, clients):
    d = world.demo.actors
    grant = world.grant_from_hansen(d["lise"], ["functional_ability"])
    gp, lise = clients("solberg"), clients("lise")
    case_id = world.demo.cases["hansen"]
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    first = gp.send(case_id, thread, "functional_assessment", {"functional_ability": "Før tilbaketrekking."})
    hansen = world.person("hansen")
    hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))
    world.grant_from_hansen(d["lise"], ["functional_ability"])
    second = gp.send(case_id, thread, "functional_assessment", {"functional_ability": "Etter nytt samtykke."})
    # Consent for the first message's wrap is still a consent for the same category and
    # purpose, so both are pushable again; now withdraw everything and connect.
    for g in hansen.ok(hansen.get("/consent/grants")):
        hansen.ok(hansen.post(f"/consent/grants/{g['id']}/revoke"))

    async def scenario():
        events = lise.watch(0)
        await next_event(events, lambda e: e["type"] == "ready")
        ping_or_message = await next_event(events, lambda e: e["type"] in ("message", "ping"), timeout=30)
        assert ping_or_message["type"] == "ping"  # neither message is pushed
        await events.aclose()

    run(scenario())
    log = hansen.ok(hansen.get("/consent/log"))["entries"]
    pushes = [e for e in log if e["tag"].startswith("disclosure:push")]
    assert {e["tag"] for e in pushes} == {"disclosure:push:denied"}
    assert {e["case_id"] for e in pushes} == {case_id} and len(pushes) >= 2
    assert first["id"] != second["id"]


def test_websocket_refuses_strangers_and_bad_hello(world):
    url = world.base_url.replace("http://", "ws://") + "/ws"

    async def scenario():
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url):
                pass
        token = world.person("lise").http.headers["Authorization"]
        async with websockets.connect(url, additional_headers={"Authorization": token}) as ws:
            await ws.send(json.dumps({"type": "hello"}))
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4400

    run(scenario())


@pytest.mark.parametrize("hello", [
    '{"type": "resume", "cursor": 12728151367}',  # past the 32-bit seq column: PostgreSQL refused the query
    '{"type": "resume", "cursor": Infinity}',  # int(inf) raised OverflowError, uncaught
    '["resume", 0]',  # not an object: .get raised AttributeError, uncaught
    '{"type": "resume", "cursor": -1}',
])
def test_websocket_refuses_a_cursor_it_never_handed_out(world, hello):
    url = world.base_url.replace("http://", "ws://") + "/ws"
    token = world.person("lise").http.headers["Authorization"]

    async def scenario():
        async with websockets.connect(url, additional_headers={"Authorization": token}) as ws:
            await ws.send(hello)
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4400

    run(scenario())
