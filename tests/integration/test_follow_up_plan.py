"""The follow-up plan as a versioned document over HTTP (docs/follow-up-plan.md):
versions numbered by the server, the employee's acknowledgement, the evaluation date as
a milestone, a version sent on to the GP on its statutory basis, outsiders refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from messaging.client import ClientError
from tests.unit.messaging.test_kinds import EXAMPLES

PLAN = EXAMPLES["follow_up_plan"]


def _plan(evaluation: date, **changes) -> dict:
    return {**PLAN, "evaluation_date": evaluation.isoformat(), **changes}


def _counts(world) -> dict[str, int]:
    with world.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                for t in ("message", "plan_version", "plan_share")}


def _plan_of(world, username: str, case_id: str) -> dict:
    person = world.person(username)
    return person.ok(person.get(f"/cases/{case_id}/plan"))


def test_versions_are_numbered_acknowledged_and_evaluated(world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    lise, hansen = clients("lise"), clients("hansen")
    assert _plan_of(world, "hansen", case_id) == {"case_id": case_id, "thread_id": None, "latest": None, "versions": []}
    thread = world.person("lise").ok(world.person("lise").post(f"/cases/{case_id}/plan/thread"))
    assert set(thread["member_ids"]) == {d["hansen"], d["lise"]} and thread["topic"] == "follow_up_plan"
    # Found again, not made twice; Hansen gets the same thread.
    assert world.person("hansen").ok(world.person("hansen").post(f"/cases/{case_id}/plan/thread"))["id"] == thread["id"]
    again = world.person("lise").post(f"/cases/{case_id}/threads", json={"member_ids": [d["hansen"]], "topic": "follow_up_plan"})
    assert again.status_code == 409, again.text

    in4 = date.today() + timedelta(weeks=4)
    v1 = lise.send(case_id, thread["id"], "follow_up_plan", _plan(in4))
    v2 = hansen.send(case_id, thread["id"], "follow_up_plan", _plan(in4 + timedelta(weeks=2), employee_contributed=True),
                     in_reply_to=v1["id"])
    v3 = lise.send(case_id, thread["id"], "follow_up_plan", _plan(in4 + timedelta(weeks=4)), in_reply_to=v2["id"])
    seen = _plan_of(world, "hansen", case_id)
    assert [(v["number"], v["message_id"], v["author_id"]) for v in seen["versions"]] == [
        (1, v1["id"], d["lise"]), (2, v2["id"], d["hansen"]), (3, v3["id"], d["lise"])]
    assert seen["latest"] == 3 and seen["thread_id"] == thread["id"]
    assert seen["versions"][2]["evaluation_date"] == (in4 + timedelta(weeks=4)).isoformat()

    # An answer with comments is no acknowledgement; read-and-agree is.
    hansen.send(case_id, thread["id"], "follow_up_plan_ack",
                {"acknowledgement": "read_with_comments", "comment": "Kan vi prøve fire timer?"}, in_reply_to=v3["id"])
    assert _plan_of(world, "lise", case_id)["versions"][2]["acknowledged_by_employee_at"] is None
    hansen.send(case_id, thread["id"], "follow_up_plan_ack", {"acknowledgement": "read_and_agree"}, in_reply_to=v3["id"])
    versions = _plan_of(world, "lise", case_id)["versions"]
    assert versions[2]["acknowledged_by_employee_at"] is not None
    assert versions[0]["acknowledged_by_employee_at"] is None

    # The 4-week milestone is done; the evaluation milestone has the latest version's date.
    person = world.person("hansen")
    milestones = {m["code"]: m for m in person.ok(person.get(f"/cases/{case_id}"))["milestones"]}
    assert milestones["follow_up_plan"]["status"] == "done"
    evaluation = milestones["follow_up_plan_evaluation"]
    assert evaluation["due_date"] == (in4 + timedelta(weeks=4)).isoformat()
    assert evaluation["title_nb"] == "Evaluering av oppfølgingsplanen" and evaluation["status"] == "upcoming"
    marked = world.person("lise").post(f"/cases/{case_id}/plan/evaluated", json={"number": 3})
    assert marked.status_code == 200, marked.text
    milestones = {m["code"]: m for m in person.ok(person.get(f"/cases/{case_id}"))["milestones"]}
    assert milestones["follow_up_plan_evaluation"]["status"] == "done"
    assert world.person("lise").post(f"/cases/{case_id}/plan/evaluated", json={"number": 9}).status_code == 422


@pytest.mark.parametrize("case", ["no_version", "not_a_version", "own_version", "no_metadata", "no_date", "past_date",
                                  "misplaced"])
def test_bad_plan_messages_write_nothing(world, clients, case):
    case_id = world.demo.cases["hansen"]
    lise, hansen = clients("lise"), clients("hansen")
    thread = world.person("lise").ok(world.person("lise").post(f"/cases/{case_id}/plan/thread"))["id"]
    in4 = date.today() + timedelta(weeks=4)
    v1 = lise.send(case_id, thread, "follow_up_plan", _plan(in4))
    note = lise.send(case_id, thread, "note", {"category": "follow_up_plan", "text": "Se planen."})
    before = _counts(world)
    ack = {"acknowledgement": "read_and_agree"}
    with pytest.raises(ClientError) as refused:
        if case == "no_version":  # an answer that replies to no version
            hansen.send(case_id, thread, "follow_up_plan_ack", ack)
        elif case == "not_a_version":  # an answer to a message that is no version
            hansen.send(case_id, thread, "follow_up_plan_ack", ack, in_reply_to=note["id"])
        elif case == "own_version":
            lise.send(case_id, thread, "follow_up_plan_ack", ack, in_reply_to=v1["id"])
        elif case == "no_metadata":
            lise.send(case_id, thread, "follow_up_plan", _plan(in4), plan={})
        elif case == "no_date":
            sealed = lise.seal(case_id, thread, "follow_up_plan", _plan(in4))
            lise.send_sealed(case_id, thread, sealed)
        elif case == "past_date":
            lise.send(case_id, thread, "follow_up_plan", _plan(in4), plan={"evaluation_date": "2020-01-01"})
        else:  # plan metadata with another kind
            lise.send(case_id, thread, "note", {"category": "follow_up_plan", "text": "x"},
                      plan={"evaluation_date": in4.isoformat()})
    assert refused.value.status == 422, refused.value
    assert refused.value.code in ("INVALID_PLAN", "VALIDATION_ERROR", "INVALID_INPUT"), refused.value
    assert _counts(world) == before
    assert [v["number"] for v in _plan_of(world, "hansen", case_id)["versions"]] == [1]


def test_a_version_sent_on_to_the_gp_rests_on_the_law(world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    lise, solberg, _hansen_keys = clients("lise"), clients("solberg"), clients("hansen")
    thread = world.person("lise").ok(world.person("lise").post(f"/cases/{case_id}/plan/thread"))["id"]
    v1 = lise.send(case_id, thread, "follow_up_plan", _plan(date.today() + timedelta(weeks=4)))
    # The GP is not in the plan thread: he learns its versions' metadata, not the thread.
    assert _plan_of(world, "solberg", case_id)["thread_id"] is None
    share = world.person("lise").ok(world.person("lise").post(f"/cases/{case_id}/plan/share-thread",
                                                               json={"recipient_id": d["solberg"]}))
    assert set(share["member_ids"]) == {d["lise"], d["solberg"], d["hansen"]} and share["topic"] == "follow_up_plan_shared"
    copy = lise.send(case_id, share["id"], "follow_up_plan", _plan(date.today() + timedelta(weeks=4)),
                     plan={"shares": v1["id"]})
    read = solberg.read(copy["id"])
    assert read.form["planned_adaptation"] == PLAN["planned_adaptation"]
    shared = _plan_of(world, "lise", case_id)["versions"][0]["shared"]
    assert [s["message_id"] for s in shared] == [copy["id"]]
    hansen = world.person("hansen")
    entries = hansen.ok(hansen.get("/consent/log", params={"limit": 200}))["entries"]
    gp = [e for e in entries if e["recipient_id"] == d["solberg"] and e["category"] == "follow_up_plan"
          and e["basis_kind"] is not None]
    assert {e["tag"] for e in gp} >= {"disclosure:message:granted", "disclosure:read:granted"}, [(e["tag"], e["outcome"]) for e in gp]
    assert all(e["basis_kind"] == "statutory" and "arbeidsmiljøloven § 4-6" in e["basis_text"] for e in gp), gp[:1]
    # Sending on a made-up version is refused, nothing written.
    before = _counts(world)
    with pytest.raises(ClientError) as refused:
        lise.send(case_id, share["id"], "follow_up_plan", _plan(date.today() + timedelta(weeks=4)),
                  plan={"shares": "1b4e28ba-2fa1-41d2-883f-0016d3cca427"})
    assert refused.value.status == 422 and _counts(world) == before


@pytest.mark.parametrize("outsider", ["tore", "aas", "berge", "kari"])
def test_outsiders_get_404(world, outsider):
    case_id = world.demo.cases["hansen"]
    person = world.person(outsider)
    for response in (person.get(f"/cases/{case_id}/plan"), person.post(f"/cases/{case_id}/plan/thread"),
                     person.post(f"/cases/{case_id}/plan/evaluated", json={"number": 1})):
        assert response.status_code == 404, response.text


def test_versions_sent_at_once_get_distinct_numbers(world, clients):
    """Two versions sent at the same moment (the manager's and the employee's own) are
    numbered 1 and 2 under the employee's lock: never the same number twice."""
    from concurrent.futures import ThreadPoolExecutor

    case_id = world.demo.cases["hansen"]
    senders = {"lise": clients("lise"), "hansen": clients("hansen")}
    thread = world.person("lise").ok(world.person("lise").post(f"/cases/{case_id}/plan/thread"))["id"]
    in4 = date.today() + timedelta(weeks=4)
    sealed = {who: c.seal(case_id, thread, "follow_up_plan", _plan(in4)) for who, c in senders.items()}

    def send(who: str) -> dict:
        return senders[who].send_sealed(case_id, thread, sealed[who], plan={"evaluation_date": in4.isoformat()})

    with ThreadPoolExecutor(2) as pool:
        sent = list(pool.map(send, sealed))
    versions = _plan_of(world, "hansen", case_id)["versions"]
    assert sorted(v["number"] for v in versions) == [1, 2]
    assert {v["message_id"] for v in versions} == {s["id"] for s in sent}
