"""The conversations of DOMAIN.md, sealed and opened by the Python client, over real
HTTP against a loopback server, with real cryptography."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from messaging.client import ClientError, ConsentMissing

ASSESSMENT = {
    "functional_ability": "Kan utføre kontorarbeid med pauser hvert 45. minutt; unngå løft over 5 kg.",
    "restrictions": "Ikke arbeid med armene over skulderhøyde.",
    "medically_justifiable": "yes_with_restrictions",
    "diagnosis": "L83 Nakkesyndrom",
}


def _grant(world, who: str, recipient: dict, categories, purposes):
    hansen = world.person(who)
    return hansen.ok(hansen.post("/consent/grants", json={
        "recipient": recipient, "categories": categories, "purposes": purposes,
        "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
    }), 201)


@pytest.fixture
def hansen_thread(world, clients):
    """Hansen lets his GP hear about his job, and his manager his functional ability."""
    d = world.demo.actors
    _grant(world, "hansen", {"kind": "role", "role": "gp"}, ["work_tasks", "sick_leave"], ["workplace_adaptation"])
    _grant(world, "hansen", {"kind": "person", "id": d["lise"]}, ["functional_ability"], ["workplace_adaptation"])
    lise = clients("lise")
    thread = lise.start_thread(world.demo.cases["hansen"], [d["solberg"], d["eide"]], topic="adaptation_question")
    return world.demo.cases["hansen"], thread["id"]


def test_manager_reads_functional_ability_never_diagnosis_while_nav_reads_both(world, clients, hansen_thread):
    case_id, thread_id = hansen_thread
    d = world.demo.actors
    lise, gp, nav = clients("lise"), clients("solberg"), clients("eide")

    question = lise.send(case_id, thread_id, "adaptation_question", {
        "job_description": "Regnskapsfører, mye skjermarbeid.",
        "adaptation_options": "Hev-senk-pult, kortere dager, hjemmekontor.",
        "other_question": "Kan han jobbe redusert med lettere oppgaver?",
        "proposed_grade": 50,
    })
    asked = gp.read(question["id"])
    assert asked.form["other_question"] == "Kan han jobbe redusert med lettere oppgaver?"
    assert asked.form["proposed_grade"] == 50
    # NAV is in the thread but nobody consented to NAV hearing the employer's question.
    with pytest.raises(ClientError):
        nav.read(question["id"])

    # NAV has asked the GP (folketrygdloven § 21-4), so NAV may read the answer in full.
    nav_person = world.person("eide")
    nav_person.ok(nav_person.post("/consent/nav-requests", json={
        "subject_id": d["hansen"], "addressee_id": d["solberg"],
        "categories": ["functional_ability", "diagnosis", "sick_leave"]}), 201)
    answer = gp.send(case_id, thread_id, "functional_assessment", ASSESSMENT, in_reply_to=question["id"],
                     purposes={d["eide"]: "nav_benefit_assessment"})

    seen_by_manager = lise.read(answer["id"])
    assert seen_by_manager.form["functional_ability"] == ASSESSMENT["functional_ability"]
    assert "diagnosis" not in seen_by_manager.form
    assert seen_by_manager.categories == ["functional_ability"]  # no key, not even a withheld stub
    assert seen_by_manager.in_reply_to == question["id"]

    seen_by_nav = nav.read(answer["id"])
    assert seen_by_nav.form["diagnosis"] == "L83 Nakkesyndrom"
    assert seen_by_nav.form["functional_ability"] == ASSESSMENT["functional_ability"]

    # The server's view for the manager does not even contain the diagnosis section's key.
    with world.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT category FROM message_wrap WHERE message_id = :m AND recipient_id = :r"),
                            {"m": answer["id"], "r": d["lise"]}).scalars().all()
    assert rows == ["functional_ability"]

    # Receipts reach the sender.
    listed = gp.messages(case_id, thread_id)
    mine = next(m for m in listed if m["id"] == answer["id"])
    assert {r["recipient_id"] for r in mine["receipts"] if r["read_at"]} == {d["lise"], d["eide"]}


def test_nav_finds_dps_psychologist_and_they_talk_in_a_thread(world, clients):
    nav, moe = clients("eide"), clients("moe")
    d = world.demo.actors
    found = nav.find("psykolog fjellsiden dps")
    assert [a["name"] for a in found] == ["Sara Moe"] and found[0]["can_receive_messages"]
    case_id = world.demo.cases["nina"]
    thread = nav.start_thread(case_id, [found[0]["id"]], topic="nav_request")

    nav_person = world.person("eide")
    nav_person.ok(nav_person.post("/consent/nav-requests", json={
        "subject_id": d["nina"], "addressee_id": d["moe"], "categories": ["treatment_status"]}), 201)
    request = nav.send(case_id, thread["id"], "nav_request", {
        "question": "Når starter behandlingen? Fristen for oppstart er tre måneder etter henvisning.",
        "requested_categories": ["treatment_status"],
    })
    got = moe.read(request["id"])
    assert got.kind == "nav_request" and "Når starter behandlingen?" in got.form["question"]

    answer = moe.send(case_id, thread["id"], "nav_request_answer",
                      {"treatment_status": "Behandlingen starter 14. mars, innenfor fristen på dagen."},
                      in_reply_to=request["id"])
    reply = nav.read(answer["id"])
    assert reply.form["treatment_status"].startswith("Behandlingen starter 14. mars")
    assert reply.in_reply_to == request["id"]

    # NAV answers the answer: a conversation, not one request and one reply.
    thanks = nav.send(case_id, thread["id"], "note", {"category": "sick_leave", "text": "Takk, vi noterer oppstart."},
                      in_reply_to=answer["id"], purpose="nav_benefit_assessment")
    assert moe.read(thanks["id"]).form["text"] == "Takk, vi noterer oppstart."
    assert [m["kind"] for m in moe.messages(case_id, thread["id"])] == ["nav_request", "nav_request_answer", "note"]


def test_revocation_stops_sending_and_unread_content(world, clients, hansen_thread):
    case_id, thread_id = hansen_thread
    d = world.demo.actors
    hansen, lise, gp = world.person("hansen"), clients("lise"), clients("solberg")
    manager_only = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]

    unread = gp.send(case_id, manager_only, "functional_assessment", {"functional_ability": "Kan jobbe 50 %."})
    stale = gp.seal(case_id, manager_only, "functional_assessment", {"functional_ability": "Kan jobbe 60 %."})

    grant = next(g for g in hansen.ok(hansen.get("/consent/grants")) if g["recipient"].get("id") == d["lise"])
    hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))

    # Sealed before the revocation, sent after it: the server re-checks and refuses it all.
    with pytest.raises(ConsentMissing) as refused:
        gp.send_sealed(case_id, manager_only, stale)
    problem = refused.value.problems[0]
    assert (problem["recipient_id"], problem["category"], problem["reason"]) == (d["lise"], "functional_ability", "revoked")
    assert "Ask the employee for consent" in refused.value.message
    # A fresh send finds nobody left who may read it, and says so before sending anything.
    with pytest.raises(ConsentMissing, match="nobody in the thread may receive: functional_ability"):
        gp.send(case_id, manager_only, "functional_assessment", {"functional_ability": "Kan jobbe 70 %."})

    # What the manager had not read can no longer be fetched.
    with pytest.raises(ClientError) as gone:
        lise.read(unread["id"])
    assert gone.value.status == 403 and gone.value.code == "CONSENT_REQUIRED"

    log = hansen.ok(hansen.get("/consent/log"))["entries"]
    tags = [(e["tag"], e["recipient_id"], e["category"]) for e in reversed(log)]
    assert ("disclosure:message:granted", d["lise"], "functional_ability") in tags
    assert ("consent:grant:revoked", None, None) in tags
    assert ("disclosure:message:denied", d["lise"], "functional_ability") in tags
    assert ("disclosure:read:denied", d["lise"], "functional_ability") in tags
    denied = [e for e in log if e["tag"] == "disclosure:message:denied"]
    assert denied[0]["reason"].startswith("revoked")


def test_recall_stops_serving_the_message(world, clients, hansen_thread):
    case_id, thread_id = hansen_thread
    gp, lise = clients("solberg"), clients("lise")
    wrong = gp.send(case_id, thread_id, "functional_assessment", {"functional_ability": "Feil pasient!"})
    gp.recall(wrong["id"])
    with pytest.raises(ClientError) as gone:
        lise.read(wrong["id"])
    assert gone.value.status == 410 and gone.value.code == "MESSAGE_RECALLED"
    assert next(m for m in lise.messages(case_id, thread_id) if m["id"] == wrong["id"])["recalled"] is True
    with pytest.raises(ClientError) as not_yours:
        lise.recall(wrong["id"])
    assert not_yours.value.status == 404
    log = world.person("hansen").ok(world.person("hansen").get("/consent/log"))["entries"]
    assert any(e["tag"] == "disclosure:message:recalled" and e["basis_ref"] == wrong["id"] for e in log)


def test_every_device_of_a_recipient_can_read(world, clients, hansen_thread):
    """Lise has her demo key store and a second device with its own keys: the GP's
    client seals for both, and each device fetches the view for its own key."""
    from messaging.client import SambandClient
    from messaging.keys import Identity
    from tests.support.tokens import login

    case_id, thread_id = hansen_thread
    gp = clients("solberg")
    second = SambandClient(world.base_url, login(world.base_url, "lise"), Identity.generate())
    try:
        second.publish_keys()
        sent = gp.send(case_id, thread_id, "functional_assessment", {"functional_ability": "Kan jobbe fra hjemmekontor."})
        assert second.read(sent["id"]).form["functional_ability"] == "Kan jobbe fra hjemmekontor."
        assert clients("lise").read(sent["id"]).form["functional_ability"] == "Kan jobbe fra hjemmekontor."
    finally:
        second.close()


def test_the_same_envelope_twice_is_a_conflict_and_writes_nothing_more(world, clients, hansen_thread):
    case_id, thread_id = hansen_thread
    gp = clients("solberg")
    sealed = gp.seal(case_id, thread_id, "functional_assessment", {"functional_ability": "Én gang er nok."})
    gp.send_sealed(case_id, thread_id, sealed)
    with world.engine.connect() as conn:
        from sqlalchemy import text

        before = conn.execute(text("SELECT count(*) FROM disclosure_log")).scalar_one()
    with pytest.raises(ClientError) as again:
        gp.send_sealed(case_id, thread_id, sealed)
    assert again.value.status == 409
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM disclosure_log")).scalar_one() == before
