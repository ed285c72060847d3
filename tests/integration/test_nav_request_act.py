"""NAV's request is one act: the ``nav_request`` message registers NAV's request under
folketrygdloven § 21-4 in the same transaction, and the clinician's answer then goes
through on that law with no consent in place.  NAV's summons to dialogue meetings 2 and
3 rests on § 8-7a the same way.  Real HTTP, real crypto, real database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from messaging.client import ClientError, ConsentMissing

QUESTION = "Når starter behandlingen? Fristen for oppstart er tre måneder etter henvisning."
ANSWER = {"treatment_status": "Behandlingen starter 14. mars, innenfor fristen på dagen.",
          "functional_ability": "Kan jobbe fire timer om dagen med faste pauser."}
REQUEST = {"question": QUESTION, "requested_categories": ["treatment_status", "functional_ability"],
           "answer_within_days": 14}


def _count(world, table: str) -> int:
    with world.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608 (fixed names)


def _nav_rows(world) -> list[dict]:
    with world.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM nav_request"))]


@pytest.fixture
def nina_thread(world, clients):
    """NAV adviser Eide and psychologist Moe in a thread in Nina's case."""
    d = world.demo.actors
    thread = clients("eide").start_thread(world.demo.cases["nina"], [d["moe"]], topic="nav_request")
    return world.demo.cases["nina"], thread["id"]


def test_nav_request_message_registers_the_request_and_the_answer_rests_on_21_4(world, clients, nina_thread):
    case_id, thread_id = nina_thread
    d = world.demo.actors
    nav, moe = clients("eide"), clients("moe")

    request = nav.send(case_id, thread_id, "nav_request", REQUEST, nav_reference="NAV-2026-0042")

    (row,) = _nav_rows(world)
    assert (row["message_id"], row["subject_id"], row["requester_id"], row["addressee_id"]) == (
        request["id"], d["nina"], d["eide"], d["moe"])
    assert row["categories"] == "functional_ability,treatment_status" and row["reference"] == "NAV-2026-0042"
    assert str(row["answer_by"]) == (date.today() + timedelta(days=14)).isoformat()
    # Metadata only: none of the request's content is in the row.
    assert not any(isinstance(v, str) and "behandlingen" in v.lower() for v in row.values())
    assert set(row) == {"id", "subject_id", "requester_id", "requester_organisation_id", "addressee_id",
                        "categories", "purpose", "reference", "created_at", "expires_at", "message_id", "answer_by"}

    got = moe.read(request["id"])
    assert got.form["question"] == QUESTION
    answer = moe.send(case_id, thread_id, "nav_request_answer", ANSWER, in_reply_to=request["id"])
    reply = nav.read(answer["id"])
    assert reply.form == ANSWER and reply.in_reply_to == request["id"]

    # Nina has given no consent; her log names the law for every step and stops nothing.
    nina = world.person("nina")
    assert nina.ok(nina.get("/consent/grants")) == []
    log = nina.ok(nina.get("/consent/log"))["entries"]
    assert [e for e in log if e["outcome"] == "deny"] == []
    answered = [e for e in log if e["sender_id"] == d["moe"] and e["recipient_id"] == d["eide"]
                and e["tag"].startswith("disclosure:")]
    assert {e["tag"] for e in answered} >= {"disclosure:keys:granted", "disclosure:message:granted",
                                            "disclosure:read:granted"}
    assert {(e["basis_kind"], e["basis_text"]) for e in answered} == {("statutory", "folketrygdloven § 21-4")}
    assert all(e["basis_ref"].startswith("ftrl-21-4-health-to-nav@2026-03/") for e in answered)
    made = [e for e in log if e["tag"] == "statutory:nav-request:created"]
    assert [(e["actor_id"], e["sender_id"], e["basis_ref"]) for e in made] == [(d["eide"], d["moe"], row["id"])]


def test_nav_request_without_metadata_is_refused_and_writes_nothing(world, clients, nina_thread):
    case_id, thread_id = nina_thread
    nav = clients("eide")
    sealed = nav.seal(case_id, thread_id, "nav_request", REQUEST)
    before = {t: _count(world, t) for t in ("message", "nav_request", "disclosure_log")}
    with pytest.raises(ClientError) as refused:
        nav.send_sealed(case_id, thread_id, sealed)
    assert refused.value.status == 422 and refused.value.code == "INVALID_NAV_ACT"
    assert "nav_request" in refused.value.message and "§ 21-4" in refused.value.message
    # Metadata that does not fit the message: an addressee who is not a recipient, a
    # category the law does not reach.
    d = world.demo.actors
    with pytest.raises(ClientError, match="not a recipient of this message") as stranger:
        nav.send_sealed(case_id, thread_id, sealed, nav_request={"addressee_ids": [d["rask"]], "categories": ["sick_leave"]})
    assert stranger.value.status == 422
    with pytest.raises(ClientError, match="does not let NAV ask") as beyond:
        nav.send_sealed(case_id, thread_id, sealed, nav_request={"addressee_ids": [d["moe"]], "categories": ["psychosocial"]})
    assert beyond.value.status == 422
    assert {t: _count(world, t) for t in before} == before


def test_refused_or_repeated_nav_request_leaves_no_request_row(world, clients):
    """The message and the request are one act: a message refused for a missing basis
    leaves no request, and a resent message id is a 409 that writes nothing."""
    d, case_id = world.demo.actors, world.demo.cases["nina"]
    nav = clients("eide")
    clients("rask")  # keys for the manager
    thread = nav.start_thread(case_id, [d["moe"], d["rask"]], topic="nav_request")["id"]
    nina = world.person("nina")
    grant = nina.ok(nina.post("/consent/grants", json={
        "recipient": {"kind": "person", "id": d["rask"]}, "categories": ["sick_leave"],
        "purposes": ["nav_benefit_assessment"], "valid_to": (datetime.now(UTC) + timedelta(weeks=2)).isoformat()}), 201)
    stale = nav.seal(case_id, thread, "nav_request", REQUEST)  # sealed for Moe and the manager
    nina.ok(nina.post(f"/consent/grants/{grant['id']}/revoke"))
    meta = {"addressee_ids": [d["moe"]], "categories": ["treatment_status"]}
    with pytest.raises(ConsentMissing) as refused:
        nav.send_sealed(case_id, thread, stale, nav_request=meta)
    assert [(p["recipient_id"], p["reason"]) for p in refused.value.problems] == [(d["rask"], "revoked")]
    assert _nav_rows(world) == [] and _count(world, "message") == 0

    fresh = nav.seal(case_id, thread, "nav_request", REQUEST)
    nav.send_sealed(case_id, thread, fresh, nav_request=meta)
    rows, logged = _nav_rows(world), _count(world, "disclosure_log")
    with pytest.raises(ClientError) as again:
        nav.send_sealed(case_id, thread, fresh, nav_request=meta)
    assert again.value.status == 409
    assert _nav_rows(world) == rows and len(rows) == 1 and _count(world, "disclosure_log") == logged


def test_missing_basis_says_the_law_could_apply_not_ask_for_consent(world, clients, nina_thread):
    case_id, thread_id = nina_thread
    d = world.demo.actors
    nav, moe = clients("eide"), clients("moe")
    nav.send(case_id, thread_id, "nav_request", {**REQUEST, "requested_categories": ["treatment_status"]})

    # NAV asked about treatment, not the diagnosis: the law would cover it once NAV asks.
    with pytest.raises(ConsentMissing) as not_asked:
        moe.send(case_id, thread_id, "nav_request_answer", {"diagnosis": "F32.1"})
    (problem,) = not_asked.value.problems
    assert (problem["recipient_id"], problem["category"], problem["reason"]) == (d["eide"], "diagnosis", "no_basis")
    assert problem["statutory_possible"] == {"rule": "ftrl-21-4-health-to-nav@2026-03", "law": "folketrygdloven § 21-4",
                                             "needs": "nav_request", "act": "await_nav_request"}
    assert "NAV has not asked" in problem["message"] and "consent" not in problem["message"]

    # NAV writing about function outside a request: the hint is to send a NAV request.
    with pytest.raises(ConsentMissing) as nav_note:
        nav.send(case_id, thread_id, "note", {"category": "functional_ability", "text": "Hvordan fungerer hun?"},
                 purpose="nav_benefit_assessment")
    (hint,) = [p["statutory_possible"] for p in nav_note.value.problems]
    assert (hint["act"], hint["law"]) == ("send_nav_request", "folketrygdloven § 21-4")

    # NAV recalls its request (wrong patient): the request ends with the message.
    asked = nav.send(case_id, thread_id, "nav_request", REQUEST)
    moe.send(case_id, thread_id, "nav_request_answer", {"functional_ability": "Kan jobbe litt."}, in_reply_to=asked["id"])
    nav.recall(asked["id"])
    with pytest.raises(ConsentMissing) as recalled:
        moe.send(case_id, thread_id, "nav_request_answer", {"functional_ability": "Kan jobbe mer."})
    assert recalled.value.problems[0]["statutory_possible"]["act"] == "await_nav_request"

    # Where no law can apply, the answer is still to ask the employee.
    with pytest.raises(ConsentMissing) as private:
        moe.send(case_id, thread_id, "note", {"category": "psychosocial", "text": "Konflikt på jobb."},
                 purpose="nav_benefit_assessment")
    assert "statutory_possible" not in private.value.problems[0]


def test_cli_sends_a_nav_request_and_names_the_law_when_it_could_apply(world, clients, nina_thread, tmp_path):
    import subprocess
    import sys

    case_id, thread_id = nina_thread
    d = world.demo.actors
    home = tmp_path / "eide-home"
    home.mkdir()
    (home / "session.json").write_text(json.dumps({"server": world.base_url, "token": clients("eide").token}))
    store = world.settings.data_dir / "demo-keystores" / "eide.json"
    (home / "identity.json").write_text(store.read_text())
    form = tmp_path / "request.json"
    form.write_text(json.dumps({**REQUEST, "requested_categories": ["treatment_status"]}))
    run = subprocess.run([sys.executable, "-m", "messaging.client_cli", "--home", str(home), "send", "--case", case_id,
                          "--thread", thread_id, "--kind", "nav_request", "--form", str(form), "--reference", "NAV-CLI-7"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    sent = json.loads(run.stdout)
    (row,) = _nav_rows(world)
    assert (row["message_id"], row["addressee_id"], row["categories"], row["reference"]) == (
        sent["id"], d["moe"], "treatment_status", "NAV-CLI-7")
    assert clients("moe").read(sent["id"]).form["question"] == QUESTION

    form.write_text(json.dumps({"category": "functional_ability", "text": "Hvordan fungerer hun?"}))
    refused = subprocess.run([sys.executable, "-m", "messaging.client_cli", "--home", str(home), "send", "--case",
                              case_id, "--thread", thread_id, "--kind", "note", "--form", str(form),
                              "--purpose", "nav_benefit_assessment"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3
    assert "send a NAV request" in refused.stderr and "ask the employee" not in refused.stderr


def _invitation(meeting_type: str) -> dict:
    return {"meeting_type": meeting_type, "starts_at": (datetime.now(UTC) + timedelta(days=12)).isoformat(),
            "place": "NAV Bergenhus, møterom 3", "agenda": "Status og plan videre"}


def test_nav_summons_to_dialogue_meeting_2_rests_on_8_7a_and_meeting_1_still_needs_consent(world, clients):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    nav, lise, gp = clients("eide"), clients("lise"), clients("solberg")
    thread = nav.start_thread(case_id, [d["lise"], d["solberg"]], topic="dialogue_meeting")["id"]

    # Without the summons metadata NAV's invitation is just a message: it needs consent.
    with pytest.raises(ConsentMissing):
        nav.send(case_id, thread, "meeting_invitation", _invitation("dialogue_meeting_2"), nav_summons=False)

    sent = nav.send(case_id, thread, "meeting_invitation", _invitation("dialogue_meeting_2"))
    assert lise.read(sent["id"]).form["meeting_type"] == "dialogue_meeting_2"
    assert gp.read(sent["id"]).form["place"] == "NAV Bergenhus, møterom 3"
    with world.engine.connect() as conn:
        (summons,) = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM nav_summons"))]
    assert (summons["message_id"], summons["meeting_type"], summons["convener_id"]) == (
        sent["id"], "dialogue_meeting_2", d["eide"])
    assert set(summons["invitee_ids"].split(",")) == {d["lise"], d["solberg"]}

    hansen = world.person("hansen")
    assert hansen.ok(hansen.get("/consent/grants")) == []
    log = hansen.ok(hansen.get("/consent/log"))["entries"]
    reached = [e for e in log if e["tag"] in ("disclosure:message:granted", "disclosure:read:granted")]
    assert {(e["recipient_id"], e["basis_text"]) for e in reached} == {
        (d["lise"], "folketrygdloven § 8-7a"), (d["solberg"], "folketrygdloven § 8-7a")}
    assert all(e["basis_ref"].startswith(f"ftrl-8-7a-nav-summons@2026-03/{summons['id']}") for e in reached)
    assert any(e["tag"] == "statutory:nav-summons:created" for e in log)

    # Dialogue meeting 1 is the employer's: the manager's invitation to the GP still needs consent,
    # and the employer cannot make it a summons.
    own = lise.start_thread(case_id, [d["solberg"]], topic="dialogue_meeting")["id"]
    with pytest.raises(ConsentMissing) as meeting_1:
        lise.send(case_id, own, "meeting_invitation", _invitation("dialogue_meeting_1"))
    assert "statutory_possible" not in meeting_1.value.problems[0]
    world.grant_from_hansen(d["solberg"], ["follow_up_plan"])  # for the seal; the summons is refused anyway
    hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "role", "role": "gp"}, "categories": ["follow_up_plan"], "purposes": ["dialogue_meeting"],
        "valid_to": (datetime.now(UTC) + timedelta(weeks=2)).isoformat()}), 201)
    sealed = lise.seal(case_id, own, "meeting_invitation", _invitation("dialogue_meeting_2"))
    with pytest.raises(ClientError) as not_nav:
        lise.send_sealed(case_id, own, sealed, nav_summons={"meeting_type": "dialogue_meeting_2"})
    assert not_nav.value.status == 422 and "only NAV" in not_nav.value.message
