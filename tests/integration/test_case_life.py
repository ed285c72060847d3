"""The case's whole life over real HTTP: who may end Hansen's case, read-only for the
professionals afterwards (409 CASE_CLOSED on every write, reads still work, the
employee keeps his controls), and the retention purge with a test clock
(``samband purge --now``): content gone from the database, metadata and the log kept,
``samband verify-log`` still OK, the purge in Hansen's log."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select

from messaging.models import Attachment, Case, Message, MessageWrap, Receipt

SAMBAND = [sys.executable, "-m", "web"]


def _env(world) -> dict:
    return {**os.environ, "SAMBAND_DATABASE_URL": world.settings.database_url,
            "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(world.settings.consent.log_signing_key_file)}


def _run(world, *argv) -> subprocess.CompletedProcess:
    return subprocess.run([*SAMBAND, *argv], env=_env(world), capture_output=True, text=True, timeout=180)


def _close(person, case_id: str, reason: str, **extra):
    return person.post(f"/cases/{case_id}/close", json={"reason": reason, **extra})


def _a_conversation(world, clients, attach=None) -> tuple[str, str, dict]:
    """Solberg writes to Hansen and Lise (Hansen lets Lise learn his functional ability),
    with ``attach`` (a file path) in the message's section if given."""
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    clients("hansen")  # his keys, as his browser makes them
    world.grant_from_hansen(d["lise"])
    gp = clients("solberg")
    thread = gp.start_thread(case_id, [d["hansen"], d["lise"]], topic="conversation")["id"]
    sent = gp.send(case_id, thread, "note", {"category": "functional_ability", "text": "Han kan gå gradvis opp."},
                   attachments={"functional_ability": [attach]} if attach else None)
    return case_id, thread, sent


def test_nav_or_the_employer_when_back_at_work_ends_a_case_and_no_one_else(world):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    lise, gp, hansen, eide, ole = (world.person(u) for u in ("lise", "solberg", "hansen", "eide", "ole"))

    refused = _close(lise, case_id, "benefit_ended_52_weeks")
    assert refused.status_code == 403 and refused.json()["code"] == "MAY_NOT_END_CASE"
    assert "NAV" in refused.json()["message"]
    for person in (gp, hansen):
        answer = _close(person, case_id, "back_at_work")
        assert answer.status_code == 403 and answer.json()["code"] == "MAY_NOT_END_CASE", answer.text
    assert _close(ole, case_id, "back_at_work").status_code == 404  # not in the case: no such case
    wrong = _close(eide, case_id, "retired")
    assert wrong.status_code == 422
    future = _close(eide, case_id, "back_at_work", ended_on=(date.today() + timedelta(days=3)).isoformat())
    assert future.status_code == 422 and "future" in future.json()["message"]
    before = _close(eide, case_id, "back_at_work", ended_on="2000-01-01")
    assert before.status_code == 422 and "before the case started" in before.json()["message"]
    assert hansen.ok(hansen.get(f"/cases/{case_id}"))["closure"] is None  # nothing half-written

    ended = lise.ok(_close(lise, case_id, "back_at_work"))  # the employer may, when he is back at work
    closure = ended["closure"]
    assert ended["closed_reason"] == "back_at_work" and ended["closed_on"] == date.today().isoformat()
    assert closure["closed_by"] == d["lise"] and closure["rules_version"] == "2026-01"
    assert closure["purge_on"] == (date.today() + timedelta(days=365)).isoformat() and closure["purge_soon"] is False
    again = _close(eide, case_id, "other")
    assert again.status_code == 409 and again.json()["code"] == "CASE_CLOSED"

    seen = hansen.ok(hansen.get(f"/cases/{case_id}"))
    assert seen["closure"]["reason"] == "back_at_work"
    assert [c["closed_on"] for c in hansen.ok(hansen.get("/cases")) if c["id"] == case_id] == [date.today().isoformat()]
    entries = hansen.ok(hansen.get("/consent/log"))["entries"]
    ended_entries = [e for e in entries if e["tag"] == "case:case:ended"]
    assert len(ended_entries) == 1 and ended_entries[0]["actor_id"] == d["lise"]


def test_after_the_end_professionals_read_but_every_write_answers_409(world, clients):
    d = world.demo.actors
    case_id, thread, sent = _a_conversation(world, clients)
    gp, lise = clients("solberg"), clients("lise")
    sealed = gp.seal(case_id, thread, "note", {"category": "functional_ability", "text": "Skrevet før slutt."})
    grant = world.grant_from_hansen(d["eide"])
    eide = world.person("eide")
    eide.ok(_close(eide, case_id, "back_at_work"))

    solberg = world.person("solberg")
    writes = {
        "send": lambda: solberg.post(f"/cases/{case_id}/threads/{thread}/messages", json={
            "envelope": __import__("base64").urlsafe_b64encode(sealed).decode().rstrip("=")}),
        "keys": lambda: solberg.post(f"/cases/{case_id}/threads/{thread}/keys", json={
            "categories": ["functional_ability"], "purpose": "workplace_adaptation"}),
        "start thread": lambda: solberg.post(f"/cases/{case_id}/threads", json={"member_ids": [d["lise"]]}),
        "add participant": lambda: solberg.post(f"/cases/{case_id}/participants", json={
            "actor_id": d["kari"], "reason": "HR skal hjelpe med tilrettelegging"}),
        "grade": lambda: solberg.post(f"/cases/{case_id}/grades", json={"from_date": date.today().isoformat(), "grade": 50}),
        "recall": lambda: solberg.post(f"/messages/{sent['id']}/recall"),
        "consent request": lambda: solberg.post("/consent/requests", json={
            "subject_id": d["hansen"], "reason": "Trenger funksjonsvurdering", "grant": {
                "recipient": {"kind": "person", "id": d["solberg"]}, "categories": ["functional_ability"],
                "purposes": ["workplace_adaptation"], "case_id": case_id,
                "valid_to": (datetime.now(UTC) + timedelta(weeks=4)).isoformat()}}),
    }
    for name, write in writes.items():
        answer = write()
        assert answer.status_code == 409, (name, answer.status_code, answer.text)
        body = answer.json()
        assert body["code"] == "CASE_CLOSED" and "read-only" in body["message"], (name, body)
    with Session(world.engine) as session:  # nothing of the refused writes stayed
        assert session.exec(select(Message).where(Message.case_id == case_id)).all()[0].recalled_at is None
        assert len(session.exec(select(Message).where(Message.case_id == case_id)).all()) == 1

    # Reads still work: the case, its threads, the messages, and the content for Lise.
    assert solberg.ok(solberg.get(f"/cases/{case_id}"))["closure"]["reason"] == "back_at_work"
    assert [t["id"] for t in solberg.ok(solberg.get(f"/cases/{case_id}/threads"))] == [thread]
    assert [m["id"] for m in solberg.ok(solberg.get(f"/cases/{case_id}/threads/{thread}/messages"))] == [sent["id"]]
    assert lise.read(sent["id"]).form["text"] == "Han kan gå gradvis opp."

    # The employee keeps his controls: he withdraws a consent and takes someone out.
    hansen = world.person("hansen")
    withdrawn = hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))
    assert withdrawn["revoked_at"] is not None
    assert hansen.post(f"/cases/{case_id}/participants/{d['vold']}/remove").status_code == 204
    assert clients("hansen").read(sent["id"]).form["text"] == "Han kan gå gradvis opp."


def test_the_purge_with_a_test_clock_deletes_content_keeps_metadata_and_the_log_verifies(world, clients, tmp_path):
    d = world.demo.actors
    report = tmp_path / "arbeidsevne.pdf"
    report.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 300)
    case_id, thread, sent = _a_conversation(world, clients, attach=report)
    assert len(sent["attachments"]) == 1
    stored = world.settings.attachments_dir
    assert any(stored.rglob("*")), "the attachment's chunks are on disk before the purge"
    eide = world.person("eide")
    eide.ok(_close(eide, case_id, "benefit_ended_52_weeks"))
    public = tmp_path / "log.pub"
    assert _run(world, "export-public-key", "--out", str(public)).returncode == 0

    def state() -> tuple[list, list, list]:
        with Session(world.engine) as session:
            messages = session.exec(select(Message).where(Message.case_id == case_id)).all()
            ids = [m.id for m in messages]
            wraps = session.exec(select(MessageWrap).where(col(MessageWrap.message_id).in_(ids))).all()
            receipts = session.exec(select(Receipt).where(col(Receipt.message_id).in_(ids))).all()
            return [(m.id, m.kind, m.sender_id, m.envelope) for m in messages], wraps, receipts

    day_before = (date.today() + timedelta(days=364)).isoformat()
    early = _run(world, "purge", "--now", day_before)
    assert early.returncode == 0 and "purged the content of 0 case(s)" in early.stdout, early.stdout + early.stderr
    messages, wraps, receipts = state()
    assert len(messages) == 1 and messages[0][3] is not None and wraps and receipts

    bad = _run(world, "purge", "--now", "next year")
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr

    thirteen_months = (datetime.now(UTC) + timedelta(days=396)).isoformat()
    done = _run(world, "purge", "--now", thirteen_months)
    assert done.returncode == 0 and "purged the content of 1 case(s) (1 messages)" in done.stdout, done.stdout + done.stderr
    after, wraps_after, receipts_after = state()
    # The sealed bytes (sections and wrapped keys) are gone; the metadata stays, as documented.
    assert after == [(sent["id"], "note", d["solberg"], None)]
    assert [(w.recipient_id, w.section_id, w.category) for w in wraps_after] == \
        [(w.recipient_id, w.section_id, w.category) for w in wraps]
    assert {(r.actor_id, r.delivered_at) for r in receipts_after} == {(r.actor_id, r.delivered_at) for r in receipts}
    with Session(world.engine) as session:
        assert session.get(Case, case_id).purged_at is not None
        assert session.exec(select(Attachment).where(Attachment.message_id == sent["id"])).all() == []
    assert not [f for f in stored.rglob("*") if f.is_file()], "the attachment's files went with the content"

    again = _run(world, "purge", "--now", thirteen_months)
    assert again.returncode == 0 and "purged the content of 0 case(s)" in again.stdout  # idempotent

    gone = clients("lise").http.get(f"/messages/{sent['id']}/view")
    assert gone.status_code == 410 and gone.json()["code"] == "CONTENT_PURGED"
    hansen = world.person("hansen")
    listed = hansen.ok(hansen.get(f"/cases/{case_id}/threads/{thread}/messages"))
    assert [m["id"] for m in listed] == [sent["id"]]
    assert hansen.ok(hansen.get(f"/cases/{case_id}"))["closure"]["purged_at"] is not None

    verified = _run(world, "verify-log", "--public-key", str(public))
    assert verified.returncode == 0 and verified.stdout.startswith("OK:"), verified.stdout + verified.stderr
    entries = hansen.ok(hansen.get("/consent/log"))["entries"]
    purged = [e for e in entries if e["tag"] == "case:content:purged"]
    assert len(purged) == 1 and "1 messages' content deleted" in purged[0]["reason"]
    assert any(e["tag"] == "disclosure:message:granted" for e in entries)  # the log keeps what was shared


def test_the_portal_warns_before_the_purge_and_his_log_says_what_happened(world, clients, browser):
    case_id, _thread, _sent = _a_conversation(world, clients)
    eide = world.person("eide")
    eide.ok(_close(eide, case_id, "new_employer"))
    hansen = browser("hansen")
    page = hansen.get("/portal").text
    assert 'data-testid="case-closed"' in page and "ny arbeidsgiver" in page
    assert 'data-testid="purge-warning"' not in page and 'id="download-all"' in page

    # Eleven months on (the end date moved back, as the clock would): the warning, with the date.
    ended = date.today() - timedelta(days=340)
    with Session(world.engine) as session:
        case = session.get(Case, case_id)
        case.closed_on = ended
        session.add(case)
        session.commit()
    page = hansen.get("/portal").text
    warning = page[page.index('data-testid="purge-warning"'):]
    purge_on = ended + timedelta(days=365)
    assert "Snart slettes innholdet" in warning and f"{purge_on.day}. " in warning[:300]

    with Session(world.engine) as session:  # a month and a day later
        case = session.get(Case, case_id)
        case.closed_on = date.today() - timedelta(days=366)
        session.add(case)
        session.commit()
    purged = _run(world, "purge")  # the real clock: now it is due
    assert purged.returncode == 0 and "purged the content of 1 case(s)" in purged.stdout, purged.stdout + purged.stderr
    page = hansen.get("/portal").text
    assert 'data-testid="purge-warning"' not in page and "Innholdet i meldingene ble slettet" in page
    log = hansen.get("/portal/log").text
    assert "Maria Eide avsluttet saken din" in log
    assert "Innholdet i meldingene i saken din ble slettet etter oppbevaringstiden" in log


def test_every_page_of_an_ended_case_still_opens_for_everyone_in_it(world, clients, browser):
    """Read-only means readable: the inbox, the coordinator's overview, the thread, the
    employee's portal and log all answer 200 after the end (the forms on them are what
    goes), and none offers to appoint a coordinator."""
    case_id, thread, _sent = _a_conversation(world, clients)
    eide = world.person("eide")
    eide.ok(_close(eide, case_id, "back_at_work"))
    pages = {
        "eide": ["/inbox", "/inbox/coordinator"],
        "solberg": ["/inbox", f"/inbox/cases/{case_id}/threads/{thread}"],
        "lise": ["/inbox"],
        "hansen": ["/portal", "/portal/log", f"/portal/cases/{case_id}/threads/{thread}"],
    }
    for username, paths in pages.items():
        person = browser(username)
        for path in paths:
            answer = person.get(path)
            assert answer.status_code == 200, (username, path, answer.status_code)
            assert 'data-testid="case-closed"' in answer.text or path in ("/inbox/coordinator", "/portal/log"), (username, path)
            assert f'action="/inbox/cases/{case_id}/coordinator"' not in answer.text, (username, path)
