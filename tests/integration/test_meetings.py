"""Meetings as a workflow with state, over real HTTP with real crypto: NAV's adviser
(Tore's coordinator) calls dialogue meeting 2, one asks for another time, she moves it,
everyone answers (Tore too), the minutes carry two tasks that land on their owners'
lists and complete the DM2 milestone.  And the rules: who may convene, change and
answer; metadata that does not fit is refused with nothing written; outsiders get the
answer a made-up id gets.  The same story in Chromium: tests/browser/test_meetings_browser.py."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from messaging.client import ClientError
from tests.support.tokens import login

WHEN = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
INVITATION = {"meeting_type": "dialogue_meeting_2", "starts_at": WHEN.isoformat(), "duration_minutes": 60,
              "place": "NAV Bergen, møterom 3", "agenda": "Hvordan går det med opptreningen?"}
CHANGE = {"meeting_type": "dialogue_meeting_2", "starts_at": (WHEN + timedelta(days=1)).isoformat(),
          "place": "NAV Bergen, møterom 4", "reason": "Fysioterapeuten kan ikke den dagen."}
MADE_UP = "1b4e28ba-2fa1-41d2-883f-0016d3cca4{:02d}"


def _count(world, table: str) -> int:
    with world.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608 (fixed names)


def _written(world) -> tuple[int, ...]:
    return tuple(_count(world, t) for t in ("message", "meeting", "meeting_invitee", "meeting_task"))


def _api(world, username: str) -> httpx.Client:
    return httpx.Client(base_url=world.base_url, timeout=30,
                        headers={"Authorization": f"Bearer {login(world.base_url, username)}"})


@pytest.fixture
def tore_meeting(world, clients):
    """Eide's thread in Tore's case with his GP, his manager, his physiotherapist and him.
    No law lets NAV's summons reach the physiotherapist: Tore consents to it."""
    d, case_id = world.demo.actors, world.demo.cases["tore"]
    clients("tore")  # his keys, so he can read and answer
    consent_to_physio(world, case_id)
    thread = clients("eide").start_thread(case_id, [d["solberg"], d["aas"], d["lund"], d["tore"]],
                                          topic="meeting_invitation")["id"]
    return case_id, thread


def consent_to_physio(world, case_id: str) -> None:
    until = (datetime.now(UTC) + timedelta(weeks=8)).isoformat()
    with _api(world, "tore") as tore:
        granted = tore.post("/consent/grants", json={
            "recipient": {"kind": "person", "id": world.demo.actors["lund"]}, "categories": ["follow_up_plan"],
            "purposes": ["dialogue_meeting"], "valid_to": until, "case_id": case_id})
        assert granted.status_code == 201, granted.text


def _invite(clients, case_id, thread, who="eide", meeting_type="dialogue_meeting_2", **kw):
    meeting_id = str(uuid.uuid4())
    form = {**INVITATION, "meeting_type": meeting_type}
    sent = clients(who).send(case_id, thread, "meeting_invitation", form,
                             meeting={"meeting_id": meeting_id, "meeting_type": meeting_type}, **kw)
    return meeting_id, sent


def _answer(clients, case_id, thread, who, meeting_id, answer):
    return clients(who).send(case_id, thread, "meeting_response", {"answer": answer},
                             meeting={"meeting_id": meeting_id, "answer": answer})


def test_the_coordinator_calls_dm2_moves_it_and_the_minutes_give_tasks_and_the_milestone(world, clients, tore_meeting):
    case_id, thread = tore_meeting
    d = world.demo.actors
    meeting_id, invitation = _invite(clients, case_id, thread)
    with _api(world, "eide") as eide:
        got = eide.get(f"/cases/{case_id}/meetings/{meeting_id}").json()
        assert (got["state"], got["meeting_type"], got["convener_id"], got["invitation_message_id"]) == (
            "invited", "dialogue_meeting_2", d["eide"], invitation["id"])
        assert {i["actor_id"] for i in got["invitees"]} == {d["solberg"], d["aas"], d["lund"], d["tore"]}
        assert all(i["answer"] is None for i in got["invitees"]) and got["may_change"] and not got["may_answer"]
        milestone = {m["code"]: m["status"] for m in eide.get(f"/cases/{case_id}").json()["milestones"]}
        assert milestone["dialogue_meeting_2"] != "done"

    _answer(clients, case_id, thread, "lund", meeting_id, "new_time_wanted")
    _answer(clients, case_id, thread, "aas", meeting_id, "coming")
    with _api(world, "tore") as tore:
        got = tore.get(f"/cases/{case_id}/meetings/{meeting_id}").json()
        answers = {i["actor_id"]: i["answer"] for i in got["invitees"]}
        assert answers == {d["lund"]: "new_time_wanted", d["aas"]: "coming", d["solberg"]: None, d["tore"]: None}
        assert got["may_answer"] and not got["may_change"]

    clients("eide").send(case_id, thread, "meeting_change", CHANGE, meeting={"meeting_id": meeting_id})
    with _api(world, "eide") as eide:
        got = eide.get(f"/cases/{case_id}/meetings/{meeting_id}").json()
        assert (got["state"], got["change_count"]) == ("changed", 1)
        assert all(i["answer"] is None for i in got["invitees"]), "answers were to the old time"

    for who in ("lund", "aas", "solberg", "tore"):
        _answer(clients, case_id, thread, who, meeting_id, "coming")
    with _api(world, "eide") as eide:
        got = eide.get(f"/cases/{case_id}/meetings/{meeting_id}").json()
        assert {i["answer"] for i in got["invitees"]} == {"coming"}

    tasks = [{"task_id": str(uuid.uuid4()), "owner_id": d["aas"], "due_date": (date.today() + timedelta(days=14)).isoformat()},
             {"task_id": str(uuid.uuid4()), "owner_id": d["lund"], "due_date": (date.today() + timedelta(days=21)).isoformat()}]
    minutes = {"held_on": date.today().isoformat(), "summary": "Tore trapper opp til 60 prosent.",
               "tasks": [{"party": "employer", "task": "Lage ny turnus"}, {"party": "other", "task": "Nytt treningsprogram"}]}
    sent = clients("eide").send(case_id, thread, "minutes", minutes, meeting={"meeting_id": meeting_id, "tasks": tasks})

    with _api(world, "eide") as eide:
        got = eide.get(f"/cases/{case_id}/meetings/{meeting_id}").json()
        assert (got["state"], got["minutes_message_id"]) == ("held", sent["id"])
        assert {(t["id"], t["owner_id"]) for t in got["tasks"]} == {(t["task_id"], t["owner_id"]) for t in tasks}
        assert not got["may_change"]
        milestone = {m["code"]: m["status"] for m in eide.get(f"/cases/{case_id}").json()["milestones"]}
        assert milestone["dialogue_meeting_2"] == "done"
        assert [m["id"] for m in eide.get(f"/cases/{case_id}/meetings").json()] == [meeting_id]
    # The server holds none of the content: no time, place, agenda or task text.
    with world.engine.connect() as conn:
        rows = [dict(r._mapping) for t in ("meeting", "meeting_invitee", "meeting_task")
                for r in conn.execute(text(f"SELECT * FROM {t}"))]  # noqa: S608
    assert not any(isinstance(v, str) and ("Bergen" in v or "turnus" in v) for r in rows for v in r.values())

    with _api(world, "aas") as aas, _api(world, "lund") as lund:
        (mine,) = aas.get("/me/tasks").json()
        assert (mine["id"], mine["meeting_id"], mine["due_date"]) == (tasks[0]["task_id"], meeting_id, tasks[0]["due_date"])
        assert lund.post(f"/me/tasks/{mine['id']}/done").status_code == 404, "only the owner marks it done"
        done = aas.post(f"/me/tasks/{mine['id']}/done")
        assert done.status_code == 200 and done.json()["done_at"] is not None
        assert aas.get("/me/tasks").json() == []
        assert [t["id"] for t in lund.get("/me/tasks").json()] == [tasks[1]["task_id"]]

    # Held: nothing more can be said about it.
    with pytest.raises(ClientError) as refused:
        _answer(clients, case_id, thread, "tore", meeting_id, "cannot_come")
    assert refused.value.status == 422 and "held" in str(refused.value)


def _refused(world, call, status: int, words: str) -> None:
    before = _written(world)
    with pytest.raises(ClientError) as refused:
        call()
    assert refused.value.status == status, str(refused.value)
    assert words in str(refused.value)
    assert _written(world) == before, "nothing of the message or the meeting was written"


def test_who_may_convene_change_and_answer(world, clients, tore_meeting):
    case_id, thread = tore_meeting
    d = world.demo.actors
    # The manager does not call NAV's meeting; he does call dialogue meeting 1.
    _refused(world, lambda: _invite(clients, case_id, thread, who="aas"), 403, "called by NAV")
    dm1, _ = _invite(clients, case_id, thread, who="aas", meeting_type="dialogue_meeting_1")
    # Eide is Tore's coordinator: she may call dialogue meeting 1 too, and change Aas's.
    _invite(clients, case_id, thread, who="eide", meeting_type="dialogue_meeting_1", nav_summons=False)
    clients("eide").send(case_id, thread, "meeting_change", CHANGE | {"meeting_type": "dialogue_meeting_1"},
                         meeting={"meeting_id": dm1})

    meeting_id, _ = _invite(clients, case_id, thread)
    # Only the convener or the coordinator changes or cancels it.
    _refused(world, lambda: clients("aas").send(case_id, thread, "meeting_cancellation", {"reason": "Passer ikke."},
                                                meeting={"meeting_id": meeting_id}), 403, "only the one who called")
    # Only invitees answer.
    _refused(world, lambda: _answer(clients, case_id, thread, "eide", meeting_id, "coming"), 403, "not invited")

    clients("eide").send(case_id, thread, "meeting_cancellation", {"reason": "Tore er tilbake i full jobb."},
                         meeting={"meeting_id": meeting_id})
    with _api(world, "tore") as tore:
        got = tore.get(f"/cases/{case_id}/meetings/{meeting_id}").json()
        assert got["state"] == "cancelled" and got["cancelled_at"] and not got["may_answer"]
    _refused(world, lambda: _answer(clients, case_id, thread, "tore", meeting_id, "coming"), 422, "cancelled")
    assert d["tore"] in {i["actor_id"] for i in got["invitees"]}


def test_metadata_that_does_not_fit_is_refused_and_nothing_is_written(world, clients, tore_meeting):
    case_id, thread = tore_meeting
    d = world.demo.actors
    meeting_id, _ = _invite(clients, case_id, thread)
    aas = clients("aas")
    cases = [
        (lambda: aas.send(case_id, thread, "meeting_response", {"answer": "coming"}, meeting={"meeting_id": meeting_id}),
         "needs its 'answer'"),
        (lambda: _answer(clients, case_id, thread, "aas", MADE_UP.format(1), "coming"), "no meeting"),
        (lambda: aas.send(case_id, thread, "meeting_response", {"answer": "coming"},
                          meeting={"meeting_id": meeting_id, "answer": "coming", "tasks": [
                              {"task_id": str(uuid.uuid4()), "owner_id": d["aas"]}]}), "go with the minutes"),
        (lambda: aas.send(case_id, thread, "note", {"category": "work_tasks", "text": "Hei"},
                          meeting={"meeting_id": meeting_id}), "goes with a meeting message"),
        (lambda: _invite(clients, case_id, thread, meeting_type="dialogue_meeting_3"), None),
        (lambda: clients("eide").send(case_id, thread, "meeting_invitation", INVITATION,
                                      meeting={"meeting_id": str(uuid.uuid4())}), "needs its 'meeting_type'"),
        (lambda: clients("eide").send(case_id, thread, "meeting_invitation", INVITATION,
                                      meeting={"meeting_id": meeting_id, "meeting_type": "dialogue_meeting_2"}),
         "already used"),
        (lambda: clients("eide").send(case_id, thread, "minutes", {"held_on": date.today().isoformat(), "summary": "Ok."},
                                      meeting={"meeting_id": meeting_id, "tasks": [
                                          {"task_id": str(uuid.uuid4()), "owner_id": d["strand"]}]}), "was not in the meeting"),
        (lambda: aas.send(case_id, thread, "meeting_response", {"answer": "coming"},
                          meeting={"meeting_id": "not-an-id", "answer": "coming"}), "meeting"),
    ]
    for call, words in cases:
        if words is None:  # a summons to DM3 but meeting metadata for DM2
            meeting = {"meeting_id": str(uuid.uuid4()), "meeting_type": "dialogue_meeting_2"}
            form = {**INVITATION, "meeting_type": "dialogue_meeting_3"}
            call = lambda: clients("eide").send(case_id, thread, "meeting_invitation", form, meeting=meeting)  # noqa: E731
            words = "must name the same meeting"
        _refused(world, call, 422, words)


def test_outsiders_get_what_a_made_up_id_gets(world, clients, tore_meeting):
    case_id, thread = tore_meeting
    d = world.demo.actors
    meeting_id, _ = _invite(clients, case_id, thread)
    task_id = str(uuid.uuid4())
    clients("eide").send(case_id, thread, "minutes", {"held_on": date.today().isoformat(), "summary": "Ok."},
                         meeting={"meeting_id": meeting_id, "tasks": [{"task_id": task_id, "owner_id": d["aas"]}]})
    # Strand takes part in Tore's case but not in this thread; Nina and Hansen's GP office's locum are outside.
    for who in ("strand", "nina", "lie"):
        with _api(world, who) as api:
            real = api.get(f"/cases/{case_id}/meetings/{meeting_id}")
            fake = api.get(f"/cases/{MADE_UP.format(2)}/meetings/{MADE_UP.format(3)}")
            assert real.status_code == fake.status_code == 404, (who, real.text)
            if who != "strand":
                assert api.get(f"/cases/{case_id}/meetings").status_code == 404
            else:
                assert api.get(f"/cases/{case_id}/meetings").json() == []
            done = api.post(f"/me/tasks/{task_id}/done")
            assert done.status_code == api.post(f"/me/tasks/{MADE_UP.format(4)}/done").status_code == 404
            assert meeting_id not in done.text and api.get("/me/tasks").json() == []
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT done_at FROM meeting_task")).scalar_one() is None
