"""The coordinator over HTTP (issue 11, item 3): appointed, handed over and ended by
whom the rules allow; refusals write nothing; the directory relation follows, so the
consent gate and the case role follow; the employee's log shows each change; the
employee agrees or objects; a coordinator passes on only what the employee allowed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from messaging import client as samband_client

CASE_TABLES = ("coordinator_appointment", "relation", "case_participant", "disclosure_log")


def _counts(world) -> dict[str, int]:
    with world.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in CASE_TABLES}


def _roles(world, case_id: str) -> dict[str, str]:
    hansen_or_any = world.person("eide")
    case = hansen_or_any.ok(hansen_or_any.get(f"/cases/{case_id}"))
    return {p["name"]: p["case_role"] for p in case["participants"]}


def _log_tags(world, username: str) -> list[dict]:
    person = world.person(username)
    return [e for e in person.ok(person.get("/consent/log"))["entries"] if e["tag"].startswith("case:coordinator:")]


def test_nav_appoints_hands_over_and_ends_and_the_relation_follows(world):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    eide, hansen = world.person("eide"), world.person("hansen")
    assert eide.ok(eide.get(f"/cases/{case_id}/coordinator"))["current"] == []

    # Refusals first: each answers with a code a person can act on, and writes nothing.
    before = _counts(world)
    lise = world.person("lise")  # the employer may not appoint (rules 2026-01)
    refused = lise.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["eide"]})
    assert refused.status_code == 403 and refused.json()["code"] == "NOT_AN_APPOINTER"
    own = hansen.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["eide"]})
    assert own.status_code == 403 and own.json()["code"] == "NOT_AN_APPOINTER"
    manager = eide.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["lise"]})
    assert manager.status_code == 422 and manager.json()["code"] == "CANNOT_COORDINATE"
    employee = eide.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["hansen"]})
    assert employee.status_code == 422 and employee.json()["code"] == "CANNOT_COORDINATE"
    outsider = world.person("tangen").post(f"/cases/{case_id}/coordinator", json={"actor_id": d["tangen"]})
    assert outsider.status_code == 404  # not in the case: the case does not exist for her
    nothing = eide.post(f"/cases/{case_id}/coordinator/hand-over", json={"actor_id": d["vold"]})
    assert nothing.status_code == 404 and nothing.json()["code"] == "NO_COORDINATOR"
    bad = eide.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["vold"], "extra": 1})
    assert bad.status_code == 422
    assert _counts(world) == before

    # NAV appoints the company doctor, with Hansen's agreement.
    body = eide.ok(eide.post(f"/cases/{case_id}/coordinator",
                             json={"actor_id": d["vold"], "employee_agreed": True}), 201)
    assert body["current"] == [d["vold"]] and body["current_names"] == ["Heidi Vold"]
    assert body["history"][0]["employee_view"] == "agreed" and body["history"][0]["rules_version"] == "2026-01"
    assert _roles(world, case_id)["Heidi Vold"] == "coordinator"
    vold = world.person("vold")
    assert any(r["kind"] == "coordinator_of" and r["actor"]["id"] == d["hansen"]
               for r in vold.ok(vold.get("/directory/me/relations")))
    again = eide.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["solberg"]})
    assert again.status_code == 409 and again.json()["code"] == "HAS_COORDINATOR"

    # The coordinator hands over to the GP; she goes back to being the company doctor.
    handed = vold.ok(vold.post(f"/cases/{case_id}/coordinator/hand-over", json={"actor_id": d["solberg"]}))
    assert handed["current"] == [d["solberg"]]
    assert [h["end_reason"] for h in handed["history"]] == ["handed_over", None]
    roles = _roles(world, case_id)
    assert roles["Ingrid Solberg"] == "coordinator" and roles["Heidi Vold"] == "bht"
    assert not any(r["kind"] == "coordinator_of" for r in vold.ok(vold.get("/directory/me/relations")))

    # Hansen objects on his own behalf; then NAV ends the coordination.
    viewed = hansen.ok(hansen.post(f"/cases/{case_id}/coordinator/view", json={"agreed": False}))
    assert viewed["history"][-1]["employee_view"] == "objected"
    assert eide.post(f"/cases/{case_id}/coordinator/view", json={"agreed": True}).status_code == 403
    lise_end = lise.post(f"/cases/{case_id}/coordinator/end")
    assert lise_end.status_code == 403
    ended = eide.ok(eide.post(f"/cases/{case_id}/coordinator/end"))
    assert ended["current"] == [] and ended["history"][-1]["end_reason"] == "ended"
    assert _roles(world, case_id)["Ingrid Solberg"] == "gp"

    # Every change is in Hansen's log, in order, with who did it to whom.
    tags = [(e["tag"], e["actor_id"], e["recipient_id"]) for e in reversed(_log_tags(world, "hansen"))]
    assert tags == [
        ("case:coordinator:appointed", d["eide"], d["vold"]),
        ("case:coordinator:handed-over", d["vold"], d["solberg"]),
        ("case:coordinator:employee-view", d["hansen"], d["solberg"]),
        ("case:coordinator:ended", d["eide"], d["solberg"]),
    ]


def test_someone_outside_the_case_becomes_a_participant_and_leaves_with_the_role(world):
    """Tore's coordinator (eide, by the demo's relation) hands over to NAV's IA contact,
    who was in no case: he joins the case as coordinator, and leaves it when it ends."""
    d, case_id = world.demo.actors, world.demo.cases["tore"]
    eide = world.person("eide")
    assert eide.ok(eide.get(f"/cases/{case_id}/coordinator"))["current"] == [d["eide"]]
    bakke = world.person("bakke")
    assert bakke.get(f"/cases/{case_id}").status_code == 404
    eide.ok(eide.post(f"/cases/{case_id}/coordinator/hand-over", json={"actor_id": d["bakke"]}))
    assert bakke.ok(bakke.get(f"/cases/{case_id}"))["id"] == case_id
    roles = _roles(world, case_id)
    assert roles["Jon Bakke"] == "coordinator" and roles["Maria Eide"] == "nav_adviser"
    tore = world.person("tore")
    log = tore.ok(tore.get("/consent/log"))["entries"]
    assert any(e["tag"] == "case:participant:added" and e["recipient_id"] == d["bakke"] for e in log)
    # He hands back to Eide and, with no other part in the case, leaves it.
    back = bakke.ok(bakke.post(f"/cases/{case_id}/coordinator/hand-over", json={"actor_id": d["eide"]}))
    assert back["current"] == [d["eide"]]
    assert bakke.get(f"/cases/{case_id}").status_code == 404
    assert bakke.get(f"/cases/{case_id}/coordinator").status_code == 404
    eide.ok(eide.post(f"/cases/{case_id}/coordinator/end"))
    assert _roles(world, case_id)["Maria Eide"] == "nav_adviser"


def test_an_excluded_person_cannot_be_made_coordinator_and_the_refusal_says_nothing_of_it(world):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    hansen, eide = world.person("hansen"), world.person("eide")
    hansen.ok(hansen.post("/consent/exclusions", json={"actor_id": d["ole"]}), 201)
    before = _counts(world)
    excluded = eide.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["ole"]})
    wrong_role = eide.post(f"/cases/{case_id}/coordinator", json={"actor_id": d["kari"]})
    assert excluded.status_code == wrong_role.status_code == 422
    assert excluded.json()["code"] == wrong_role.json()["code"] == "CANNOT_COORDINATE"
    assert _counts(world) == before


def test_a_coordinator_without_consent_cannot_pass_on_a_diagnosis(world, clients):
    """Tore's coordination goes to his physiotherapist; as coordinator she still goes
    through the one consent gate: no grant from Tore, no diagnosis to his manager."""
    d, case_id = world.demo.actors, world.demo.cases["tore"]
    eide = world.person("eide")
    eide.ok(eide.post(f"/cases/{case_id}/coordinator/hand-over", json={"actor_id": d["lund"]}))
    lund = clients("lund")
    thread = lund.start_thread(case_id, [d["aas"]], topic="functional_assessment")["id"]
    with pytest.raises(samband_client.ConsentMissing) as refused:
        lund.send(case_id, thread, "functional_assessment",
                  {"functional_ability": "Kan løfte lett.", "diagnosis": "Brudd i venstre ankel"})
    assert any(p.get("category") == "diagnosis" and p.get("recipient_id") == d["aas"] for p in refused.value.problems)
    decision = world.person("lund").ok(world.person("lund").post("/consent/decisions", json={
        "subject_id": d["tore"], "recipient_id": d["aas"], "category": "diagnosis", "purpose": "workplace_adaptation"}))
    assert decision["permitted"] is False
