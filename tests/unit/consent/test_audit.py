"""The disclosure log's chain and signed heads, on a real migrated database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlmodel import Session

from consent import audit
from consent.audit import AuditTag
from directory.columns import utcnow
from tests.support.postgres import drop_database, fresh_database_url
from web.database import make_engine, migrate, writer


@pytest.fixture
def engine(tmp_path):
    url = fresh_database_url(tmp_path, "log.db")
    migrate(url)
    engine = make_engine(url)
    yield writer(engine)
    engine.dispose()
    drop_database(url)


def _fill(engine, n: int) -> None:
    with Session(engine) as session:
        for i in range(n):
            audit.append(
                session, tag=AuditTag.DECISION_GRANTED, subject_id="subject", actor_id=f"actor-{i}",
                outcome="permit", category="functional_ability", purpose="workplace_adaptation",
                basis_kind="consent", basis_ref=f"grant-{i}", basis_text="your consent",
                at=utcnow() + timedelta(seconds=i),
            )
        session.commit()


def test_untouched_log_verifies(engine):
    key = Ed25519PrivateKey.generate()
    _fill(engine, 20)
    with Session(engine) as session:
        assert audit.sign_head(session, key) is not None
        report = audit.verify(session, key.public_key())
    assert report.ok and report.entries == 20 and report.signed_heads == 1


def test_changed_row_is_named(engine):
    key = Ed25519PrivateKey.generate()
    _fill(engine, 10)
    with engine.begin() as conn:
        conn.execute(text("UPDATE disclosure_log SET recipient_id = 'someone-else' WHERE seq = 7"))
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert not report.ok and report.first_bad_seq == 7 and "entry 7 was altered" in report.problem


def test_removed_row_is_named(engine):
    key = Ed25519PrivateKey.generate()
    _fill(engine, 10)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE seq = 4"))
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert not report.ok and report.first_bad_seq == 4 and "removed" in report.problem


def test_consistent_rewrite_is_caught_by_signed_head(engine):
    """Someone edits entry 3 and recomputes every hash after it: the chain looks fine,
    but the signed head no longer matches."""
    key = Ed25519PrivateKey.generate()
    _fill(engine, 6)
    with Session(engine) as session:
        audit.sign_head(session, key)
    with Session(engine) as session:
        rows = session.exec(audit.select(audit.DisclosureLogEntry).order_by(audit.DisclosureLogEntry.seq)).all()
        prev = rows[1].entry_hash
        for row in rows[2:]:
            if row.seq == 3:
                row.basis_text = "forged"
            row.prev_hash = prev
            row.entry_hash = audit.entry_digest(row)
            prev = row.entry_hash
            session.add(row)
        session.commit()
        report = audit.verify(session, key.public_key())
    assert not report.ok and report.first_bad_seq == 6 and "signed head" in report.problem


def test_truncated_tail_behind_signed_head_is_caught(engine):
    key = Ed25519PrivateKey.generate()
    _fill(engine, 5)
    with Session(engine) as session:
        audit.sign_head(session, key)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE seq >= 4"))
    with Session(engine) as session:
        report = audit.verify(session, key.public_key())
    assert not report.ok and report.first_bad_seq == 4


def test_signature_by_another_key_fails(engine):
    _fill(engine, 3)
    with Session(engine) as session:
        audit.sign_head(session, Ed25519PrivateKey.generate())
        report = audit.verify(session, Ed25519PrivateKey.generate().public_key())
    assert not report.ok and "invalid signature" in report.problem
