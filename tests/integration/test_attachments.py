"""Encrypted attachments through the Python client, over real HTTP: an epikrise in the
diagnosis section reaches NAV (who may read that section) and not the manager; a recall
removes it from disk and database; bad files and bad uploads leave nothing behind."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from directory.columns import utcnow
from messaging import attachments as a
from messaging import envelope
from messaging.client import ClientError

ASSESSMENT = {"functional_ability": "Kan jobbe 50 % med pauser.", "diagnosis": "L83 Nakkesyndrom"}


def pdf(path: Path, size: int) -> Path:
    """A file that begins like a PDF, ``size`` bytes, written without holding it all."""
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        left = size - 9
        while left > 0:
            step = min(left, 1 << 20)
            f.write(os.urandom(step))
            left -= step
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def gp_thread(world, clients):
    """The GP (solberg) writes to the manager (lise: functional ability by consent) and
    NAV (eide: everything, since NAV asked under ftrl § 21-4)."""
    d = world.demo.actors
    world.grant_from_hansen(d["lise"])
    nav = world.person("eide")
    nav.ok(nav.post("/consent/nav-requests", json={
        "subject_id": d["hansen"], "addressee_id": d["solberg"],
        "categories": ["functional_ability", "diagnosis", "sick_leave"]}), 201)
    case_id = world.demo.cases["hansen"]
    thread = clients("solberg").start_thread(case_id, [d["lise"], d["eide"]], topic="functional_assessment")["id"]
    return case_id, thread


def _rows(world, sql: str, **params) -> list:
    with world.engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def _send(world, clients, gp_thread, files: dict):
    case_id, thread_id = gp_thread
    d = world.demo.actors
    return clients("solberg").send(case_id, thread_id, "functional_assessment", ASSESSMENT, attachments=files,
                                   purposes={d["eide"]: "nav_benefit_assessment"})


def test_an_epikrise_reaches_who_may_read_its_section_and_nobody_else(world, clients, gp_thread, tmp_path, browser):
    epikrise = pdf(tmp_path / "epikrise.pdf", 300_000)
    sent = _send(world, clients, gp_thread, {"diagnosis": [epikrise]})
    [attachment_id] = sent["attachments"]
    nav, lise = clients("eide"), clients("lise")

    message = nav.read(sent["id"])
    [ref] = nav.attachments_of(message)
    assert (ref.id, ref.filename, ref.media_type, ref.size) == (attachment_id, "epikrise.pdf", "application/pdf", 300_000)
    logged = len(_rows(world, "SELECT 1 FROM disclosure_log WHERE tag = 'disclosure:read:granted'"))
    got = nav.download_attachment(ref, tmp_path / "nav")
    assert sha256(got) == sha256(epikrise)
    # A download is a disclosure, logged like reading the message.
    assert len(_rows(world, "SELECT 1 FROM disclosure_log WHERE tag = 'disclosure:read:granted'")) == logged + 1

    # The manager has no basis for the diagnosis section: no reference, and the same
    # 404 as for an id that never existed.
    seen = lise.read(sent["id"])
    assert lise.attachments_of(seen) == [] and "diagnosis" not in seen.form
    with pytest.raises(ClientError) as refused:
        lise.download_attachment(ref, tmp_path / "lise")
    with pytest.raises(ClientError) as made_up:
        lise.download_attachment(a.Reference.from_json({**ref.to_json(), "id": "00000000-0000-4000-8000-000000000000"}),
                                 tmp_path / "lise")
    assert refused.value.status == made_up.value.status == 404
    assert refused.value.code == made_up.value.code == "ATTACHMENT_NOT_FOUND"
    assert not list((tmp_path / "lise").parent.glob("lise*"))

    # The author reads their own copy; a cookie request must come from samband's pages.
    assert sha256(clients("solberg").download_attachment(ref, tmp_path / "mine.pdf")) == sha256(epikrise)
    portal = browser("eide")
    assert portal.get(f"/attachments/{ref.id}").json()["code"] == "NOT_SAME_ORIGIN"
    assert portal.get(f"/attachments/{ref.id}", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200

    # The server never saw the key, the name or the plaintext.
    stored = Path(_rows(world, "SELECT storage_path FROM attachment WHERE id = :i", i=ref.id)[0][0])
    blob = b"".join(p.read_bytes() for p in sorted(stored.iterdir()))
    assert len(blob) == 300_000 + 16 * 5 and epikrise.read_bytes()[:4096] not in blob
    envelope = _rows(world, "SELECT envelope FROM message WHERE id = :m", m=sent["id"])[0][0]
    assert b"epikrise" not in bytes(envelope) and ref.key not in bytes(envelope)


def test_a_recall_takes_the_files_and_rows_with_it(world, clients, gp_thread, tmp_path):
    files = [pdf(tmp_path / "a.pdf", 70_000), pdf(tmp_path / "b.pdf", 1000)]
    sent = _send(world, clients, gp_thread, {"diagnosis": files[:1], "functional_ability": files[1:]})
    paths = [Path(p) for (p,) in _rows(world, "SELECT storage_path FROM attachment WHERE message_id = :m", m=sent["id"])]
    assert len(paths) == 2 and all(p.is_dir() and any(p.iterdir()) for p in paths)
    [lise_ref] = clients("lise").attachments_of(clients("lise").read(sent["id"]))
    assert lise_ref.filename == "b.pdf"

    clients("solberg").recall(sent["id"])
    assert _rows(world, "SELECT id FROM attachment WHERE message_id = :m", m=sent["id"]) == []
    assert not any(p.exists() for p in paths)
    with pytest.raises(ClientError) as gone:
        clients("lise").download_attachment(lise_ref, tmp_path / "late.pdf")
    assert gone.value.status == 404


def test_wrong_files_and_bad_uploads_are_refused_and_leave_nothing(world, clients, gp_thread, tmp_path):
    case_id, thread_id = gp_thread
    gp, lise = clients("solberg"), clients("lise")
    root = world.settings.attachments_dir
    before = set(root.iterdir()) if root.exists() else set()
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 a word file")
    with pytest.raises(a.AttachmentError, match="only PDF, PNG and JPEG"):
        _send(world, clients, gp_thread, {"diagnosis": [tmp_path / "notes.docx"]})
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.truncate(a.MAX_BYTES + 1)
    with pytest.raises(a.AttachmentError, match="at most 25 MB"):
        _send(world, clients, gp_thread, {"diagnosis": [big]})
    # The server says the same to a client that does not check.
    base = f"/cases/{case_id}/threads/{thread_id}/attachments"
    with pytest.raises(ClientError, match="at most 25 MB") as too_big:
        gp._json("POST", base, json={"size": a.MAX_BYTES + 1})
    assert too_big.value.status == 413
    assert _rows(world, "SELECT id FROM attachment") == []
    assert (set(root.iterdir()) if root.exists() else set()) == before

    upload = gp._json("POST", base, json={"size": 5000, "chunk_size": 4096})
    one = f"{base}/{upload['id']}"
    with pytest.raises(ClientError, match="exactly 4112 bytes") as short:
        gp._call("PUT", f"{one}/chunks/0", content=b"x" * 100)
    assert short.value.status == 422
    with pytest.raises(ClientError, match="0 to 1"):
        gp._call("PUT", f"{one}/chunks/2", content=b"x" * 100)
    with pytest.raises(ClientError, match="chunks missing: 0, 1"):
        gp._call("POST", f"{one}/complete")
    assert not [p for p in Path(_rows(world, "SELECT storage_path FROM attachment")[0][0]).iterdir()]
    # Someone else cannot add to it; an unfinished upload cannot be sent.
    with pytest.raises(ClientError) as theirs:
        lise._call("PUT", f"{one}/chunks/0", content=b"x" * 4112)
    assert theirs.value.status == 404
    gp._call("PUT", f"{one}/chunks/0", content=b"x" * 4112)
    gp._call("PUT", f"{one}/chunks/0", content=b"y" * 4112)  # again: replaces it
    sealed = gp.seal(case_id, thread_id, "functional_assessment", ASSESSMENT,
                     purposes={world.demo.actors["eide"]: "nav_benefit_assessment"})
    with pytest.raises(ClientError, match="not complete"):
        gp.send_sealed(case_id, thread_id, sealed, attachments={upload["id"]: 0},
                       purposes={world.demo.actors["eide"]: "nav_benefit_assessment"})
    message_id = envelope.parse(sealed).header.message_id
    assert _rows(world, "SELECT id FROM message WHERE id = :m", m=message_id) == []  # nothing of it was stored
    gp._call("PUT", f"{one}/chunks/1", content=b"z" * (5000 - 4096 + 16))
    assert gp._json("POST", f"{one}/complete")["state"] == "complete"
    with pytest.raises(ClientError, match="already complete|can no longer change") as frozen:
        gp._call("PUT", f"{one}/chunks/1", content=b"z" * (5000 - 4096 + 16))
    assert frozen.value.status == 409
    with pytest.raises(ClientError, match="section 7, which the message does not have"):
        gp.send_sealed(case_id, thread_id, sealed, attachments={upload["id"]: 7},
                       purposes={world.demo.actors["eide"]: "nav_benefit_assessment"})
    sent = gp.send_sealed(case_id, thread_id, sealed, attachments={upload["id"]: 0},
                          purposes={world.demo.actors["eide"]: "nav_benefit_assessment"})
    assert _rows(world, "SELECT message_id, state FROM attachment") == [(sent["id"], "linked")]


def test_uploads_nobody_sent_expire_at_the_next_upload(world, clients, gp_thread):
    case_id, thread_id = gp_thread
    gp = clients("solberg")
    base = f"/cases/{case_id}/threads/{thread_id}/attachments"
    old = gp._json("POST", base, json={"size": 10})
    path = Path(_rows(world, "SELECT storage_path FROM attachment WHERE id = :i", i=old["id"])[0][0])
    ttl = world.settings.attachments.upload_ttl_seconds
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE attachment SET created_at = :t WHERE id = :i"),
                     {"t": utcnow() - timedelta(seconds=ttl + 60), "i": old["id"]})
    fresh = gp._json("POST", base, json={"size": 10})
    assert [r[0] for r in _rows(world, "SELECT id FROM attachment")] == [fresh["id"]]
    assert not path.exists()
