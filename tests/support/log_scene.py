"""Hansen's disclosure log in tests: an exchange that fills it, and what an intruder
with the database does to it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from consent import logformat, merkle
from messaging.client import ConsentMissing


def log_exchange(world, clients) -> dict:
    """Hansen lets Lise see his functional ability; the GP sends her an assessment, which
    she opens twice; the GP's attempt to send the same to the company physician, who has
    no consent, is stopped.  The message Lise read."""
    d = world.demo.actors
    world.grant_from_hansen(d["lise"])
    case_id = world.demo.cases["hansen"]
    gp = clients("solberg")
    thread = gp.start_thread(case_id, [d["lise"]], topic="functional_assessment")["id"]
    sent = gp.send(case_id, thread, "functional_assessment", {"functional_ability": "Kan jobbe halv dag."})
    lise = clients("lise")
    lise.read(sent["id"])
    lise.read(sent["id"])
    other = gp.start_thread(case_id, [d["vold"]], topic="functional_assessment")["id"]
    with pytest.raises(ConsentMissing):
        gp.send(case_id, other, "functional_assessment", {"functional_ability": "Kan jobbe halv dag."})
    return sent


def cut_log_tail(engine: Engine, subject_id: str, keep: int) -> None:
    """Cut a person's log to its first ``keep`` entries as a careful intruder would: the
    rows and the newer heads go, and the tree is put back to that size, so the server's
    own log is consistent again (and a head of that size exists)."""
    log = logformat.log_id(subject_id)
    with engine.begin() as db:
        db.execute(text("DELETE FROM disclosure_log WHERE subject_id = :s AND leaf_index >= :k"), {"s": subject_id, "k": keep})
        db.execute(text("DELETE FROM disclosure_log_tree_head WHERE log_id = :l AND tree_size > :k"), {"l": log, "k": keep})
        rows = db.execute(text("SELECT leaf_hash, occurred_at FROM disclosure_log WHERE subject_id = :s ORDER BY leaf_index"),
                          {"s": subject_id}).all()
        frontier = merkle.Frontier()
        for row in rows:
            frontier = frontier.append(bytes(row.leaf_hash))
        db.execute(text("UPDATE disclosure_log_tree SET size = :n, frontier = :f, last_at = :t WHERE log_id = :l"),
                   {"n": frontier.size, "f": frontier.pack(), "t": rows[-1].occurred_at if rows else None, "l": log})
