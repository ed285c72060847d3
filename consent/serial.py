"""One subject's writes, one at a time, on one clock.

Every write that decides or records something about a sick-listed employee (a
disclosure, a grant, a withdrawal, an exclusion, an entry in his log) first calls
``hold_subject``: it takes that employee's lock for the rest of the transaction and
only then reads the clock.  Two writes about the same employee therefore happen in
the order of their timestamps, and a decision can never be stamped before a
withdrawal that was recorded ahead of it (or the other way round).

On PostgreSQL the lock is a transaction-scoped advisory lock keyed by the subject, so
writes about different employees do not wait for each other here.  SQLite has one
writer; there the lock is the ``BEGIN IMMEDIATE`` a write session already takes, and
``hold_subject`` makes sure the transaction has begun before the clock is read.

Taking the same subject's lock twice in one transaction is harmless.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import event, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from directory.columns import utcnow

# The first key of PostgreSQL's two-key advisory lock: a namespace for subject locks,
# so they never collide with the single-key locks in ``web.database`` and ``consent.audit``.
SUBJECT_LOCK_SPACE = 0x5A4D_0003
_HELD = "samband.subjects_held"


def subject_lock_key(subject_id: str) -> int:
    """A signed 32-bit key for ``subject_id`` (the second key of the advisory lock)."""
    return int.from_bytes(hashlib.sha256(subject_id.encode()).digest()[:4], "big", signed=True)


def hold_subject(session: Session, subject_id: str) -> datetime:
    """Take ``subject_id``'s write lock until the transaction ends; the time, read after.

    Call it before deciding anything about the subject, and use the returned instant
    for every stamp the transaction writes about him.
    """
    connection = session.connection()  # begins the transaction (and SQLite's write lock)
    held = session.info.setdefault(_HELD, set())
    if connection.dialect.name == "postgresql" and subject_id not in held:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": SUBJECT_LOCK_SPACE, "key": subject_lock_key(subject_id)},
        )
    held.add(subject_id)
    return utcnow()


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_held(session: OrmSession, transaction) -> None:
    # The transaction is over and its advisory locks went with it.
    if transaction.parent is None:
        session.info.pop(_HELD, None)
