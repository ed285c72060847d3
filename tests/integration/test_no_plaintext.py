"""The server never sees plaintext or private keys: plant unique text in messages, then
search every byte the server stored and everything it logged."""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import UTC, datetime, timedelta


def _forms(marker: str) -> dict[str, dict]:
    return {
        "functional_ability": f"Kan ikke løfte tungt {marker}-funksjon",
        "restrictions": f"Hensyn {marker}-hensyn",
    }


def _stored_bytes(world) -> bytes:
    """Every byte the database keeps on disk for the server's data."""
    url = world.settings.database_url
    if url.startswith("postgresql"):
        # After a checkpoint: the database's relation files, the shared catalogue, and
        # the write-ahead log.
        from tests.support.postgres import cluster

        return b"".join(path.read_bytes() for path in cluster().files_of(url))
    # Make SQLite write the WAL into the main file too, then read every file it keeps.
    with world.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
    db_path = url.split("///", 1)[1]
    stored = b""
    for suffix in ("", "-wal", "-shm"):
        try:
            with open(db_path + suffix, "rb") as f:
                stored += f.read()
        except FileNotFoundError:
            pass
    return stored


def test_database_files_and_logs_hold_no_plaintext_or_private_keys(world, clients, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    d = world.demo.actors
    hansen = world.person("hansen")
    hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "person", "id": d["lise"]}, "categories": ["functional_ability"],
        "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=4)).isoformat(),
    }), 201)
    hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "role", "role": "gp"}, "categories": ["work_tasks"],
        "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=4)).isoformat(),
    }), 201)
    gp, lise = clients("solberg"), clients("lise")
    case_id = world.demo.cases["hansen"]
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]

    markers = [secrets.token_hex(12) for _ in range(3)]
    for marker in markers:
        sent = gp.send(case_id, thread, "functional_assessment", _forms(marker))
        assert lise.read(sent["id"]).form["functional_ability"].endswith(f"{marker}-funksjon")
    note = lise.send(case_id, thread, "note", {"category": "work_tasks", "text": f"Takk {markers[0]}-svar"})
    assert gp.read(note["id"]).form["text"].endswith("-svar")

    stored = _stored_bytes(world)
    assert len(stored) > 50_000
    out, err = capfd.readouterr()
    logged = ("\n".join(r.getMessage() for r in caplog.records) + out + err).encode()

    secrets_to_find = [m.encode() for m in markers]
    for who in ("solberg", "lise"):
        identity = clients(who).identity
        for raw in (identity.encryption_seed, identity.signing_key):
            secrets_to_find += [raw, base64.urlsafe_b64encode(raw).rstrip(b"="), base64.b64encode(raw)]
    for needle in secrets_to_find:
        assert needle not in stored, "plaintext or a private key reached the database"
        assert needle not in logged, "plaintext or a private key reached the logs"
    # The words of the forms are not there either (they are not hex, so check them too).
    for word in ("løfte tungt".encode(), "Hensyn ".encode(), "Takk ".encode()):
        assert word not in stored and word not in logged
