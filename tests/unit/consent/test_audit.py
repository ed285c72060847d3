"""The disclosure log v2: per-person Merkle trees and signed heads, on a real migrated database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlmodel import Session, select

from consent import audit, logformat, merkle
from consent.audit import AuditTag
from consent.models import DisclosureLogEntry, LogHead
from directory.columns import utcnow
from directory.errors import InvalidInput
from tests.support.log_scene import cut_log_tail
from tests.support.postgres import drop_database, fresh_database_url
from web.database import make_engine, migrate, writer


@pytest.fixture
def engine(tmp_path):
    url = fresh_database_url(tmp_path, "log.db")
    migrate(url)
    engine = make_engine(url)
    yield writer(engine)
    audit.register_signer(None, url)
    engine.dispose()
    drop_database(url)


@pytest.fixture
def key(engine):
    key = Ed25519PrivateKey.generate()
    audit.register_signer(key, engine.url.render_as_string(hide_password=False))
    return key


def _row(subject: str, i: int, **extra) -> dict:
    return dict(
        tag=AuditTag.DECISION_GRANTED, subject_id=subject, actor_id=f"actor-{i}", outcome="permit",
        category="functional_ability", purpose="workplace_adaptation", basis_kind="consent", basis_ref=f"grant-{i}",
        basis_text="ditt samtykke ✓", **extra,
    )


def _fill(engine, n: int, subjects=("subject",)) -> None:
    """``n`` appends per subject, one transaction each, interleaved between subjects."""
    for i in range(n):
        with Session(engine) as session:
            audit.append_many(session, [_row(s, i, at=utcnow() + timedelta(seconds=i)) for s in subjects])
            session.commit()


def _log(engine, subject="subject"):
    with Session(engine) as session:
        tree = audit.tree_of(session, subject)
        return tree, audit.leaf_hashes(session, subject, tree.size), session.exec(
            select(LogHead).where(LogHead.log_id == tree.log_id).order_by(LogHead.tree_size)).all()


def test_every_append_signs_a_head_and_every_proof_verifies(engine, key):
    _fill(engine, 9, subjects=("anna", "bjørn"))
    for subject in ("anna", "bjørn"):
        tree, leaves, heads = _log(engine, subject)
        assert tree.size == 9 and tree.log_id == logformat.log_id(subject)
        assert [h.tree_size for h in heads] == list(range(1, 10))  # one head per append
        for head in heads:
            assert logformat.head_problem(audit.head_json(head), key.public_key()) is None
            assert head.root_hash == merkle.root(leaves[: head.tree_size]).hex()
        proofs = audit.Tree(leaves)
        for i in range(9):
            assert proofs.inclusion_proof(i) == merkle.inclusion_proof(i, leaves)
            merkle.verify_inclusion(leaves[i], i, 9, proofs.inclusion_proof(i), bytes.fromhex(heads[-1].root_hash))
        with Session(engine) as session:
            for m in range(0, 10):
                answer = audit.consistency(session, tree, tree.log_id, m, None, key)
                merkle.verify_consistency(m, 9, bytes.fromhex(answer["first"]["root_hash"]),
                                          bytes.fromhex(answer["second"]["root_hash"]),
                                          [bytes.fromhex(p) for p in answer["proof"]])
            with pytest.raises(InvalidInput, match="must not be larger"):
                audit.consistency(session, tree, tree.log_id, 5, 3, key)
            with pytest.raises(InvalidInput, match="no head of size 12"):
                audit.consistency(session, tree, tree.log_id, 1, 12, key)


def test_a_leaf_is_the_entry_as_stored_and_time_never_goes_back(engine, key):
    later = utcnow() + timedelta(hours=1)
    with Session(engine) as session:
        audit.append_many(session, [_row("s", 0, at=later), _row("s", 1, at=later - timedelta(minutes=5)), _row("t", 2)])
        session.commit()
    with Session(engine) as session:
        entries = audit.entries_about(session, "s")
        assert [e.leaf_index for e in entries] == [1, 0]
        assert entries[0].occurred_at == entries[1].occurred_at == later  # stamped no earlier than the leaf before
        for e in entries:
            assert merkle.leaf_hash(audit.leaf_of(e)) == e.leaf_hash
            assert '"log_id":"%s"' % logformat.log_id("s") in audit.leaf_of(e).decode()
        assert audit.tree_of(session, "t").size == 1


def test_untouched_log_verifies(engine, key):
    _fill(engine, 20, subjects=("a", "b", "c"))
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert report.ok and report.logs == 3 and report.entries == 60 and report.signed_heads == 60


def test_changed_row_is_named(engine, key):
    _fill(engine, 10, subjects=("a", "b"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE disclosure_log SET recipient_id = 'someone-else' WHERE subject_id = 'b' AND leaf_index = 6"))
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert not report.ok and report.problems == [
        f"log {logformat.log_id('b')} (subject b): entry 6 was altered (its content no longer matches its leaf hash)"]


def test_removed_row_is_named(engine, key):
    _fill(engine, 10)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE leaf_index = 4"))
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert not report.ok and "entry 4 was removed" in report.problem


def test_consistent_rewrite_is_caught_by_signed_head(engine, key):
    """Someone edits entry 3 and recomputes its leaf hash and the tree: the entries and
    the tree agree, but the signed heads no longer match."""
    _fill(engine, 6)
    with Session(engine) as session:
        entry = session.exec(select(DisclosureLogEntry).where(DisclosureLogEntry.leaf_index == 3)).one()
        entry.basis_text = "forged"
        entry.leaf_hash = merkle.leaf_hash(audit.leaf_of(entry))
        session.add(entry)
        session.commit()
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert not report.ok and "entry 3 was altered" not in report.problem
    assert "rewritten at or before entry 3 (it no longer matches the signed head of size 4)" in report.problem


def test_truncated_tail_is_caught_while_a_head_or_the_tree_remembers_it(engine, key):
    _fill(engine, 5)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE leaf_index >= 3"))
    with Session(engine) as session:
        assert "entries 3..4 were removed (a signed head covers them)" in audit.verify(session, key.public_key()).problem
    with engine.begin() as conn:  # the heads covering them go too: the tree row still says 5
        conn.execute(text("DELETE FROM disclosure_log_tree_head WHERE tree_size >= 4"))
    with Session(engine) as session:
        assert "the tree row says 5 entries but 3 are stored" in audit.verify(session, key.public_key()).problem


def test_a_cut_that_leaves_the_database_consistent_is_caught_by_what_a_witness_saw(engine, key):
    _fill(engine, 5)
    _tree, _leaves, heads = _log(engine)
    seen = {heads[-1].log_id: audit.head_json(heads[-1])}
    with Session(engine) as session:
        assert audit.verify(session, key.public_key(), witnessed=seen).ok
    cut_log_tail(engine, "subject", 3)
    with Session(engine) as session:
        assert audit.verify(session, key.public_key()).ok  # nothing in the database shows it
        report = audit.verify(session, key.public_key(), witnessed=seen)
    assert not report.ok and "CUT: the witness saw 5 entries; the log now has 3" in report.problem


def test_signature_by_another_key_fails(engine, key):
    _fill(engine, 3)
    with Session(engine) as session:
        report = audit.verify(session, Ed25519PrivateKey.generate().public_key())
    assert not report.ok and "invalid signature" in report.problem


def test_heads_missing_after_the_migration_are_signed_once(engine, key):
    audit.register_signer(None, engine.url.render_as_string(hide_password=False))
    _fill(engine, 4, subjects=("a", "b"))  # no key registered: no heads
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
        assert report.ok and report.signed_heads == 0 and report.unsigned == 2
        assert audit.sign_missing_heads(session, key) == 2
        assert audit.sign_missing_heads(session, key) == 0
        report = audit.verify(session, key.public_key())
    assert report.ok and report.signed_heads == 2 and report.unsigned == 0
