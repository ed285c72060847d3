"""The disclosure log: append-only, hash-chained, with Ed25519-signed heads.

Each entry's hash is ``SHA-256(prev_hash || "\\n" || canonical JSON of its fields)``
where canonical JSON has sorted keys, no spaces, UTF-8, and timestamps written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``.  The first entry's ``prev_hash`` is 64 zeros.  The
server signs ``"samband.no/v1/log-head\\n" || seq || "\\n" || entry_hash`` so that anyone
holding a signed head can detect a rewritten history, even one rehashed consistently.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on
SQLite by the write lock every writing transaction takes at BEGIN.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import SimpleNamespace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import text
from sqlmodel import Session, col, select

from consent.models import DisclosureLogEntry, LogHead
from directory.columns import new_id, utcnow

GENESIS = "0" * 64
HEAD_LABEL = b"samband.no/v1/log-head\n"
_ADVISORY_LOCK = 0x5A4DB4D  # any fixed 64-bit key: one chain, one lock


class AuditTag(StrEnum):
    """``source:subject:action`` ([wh] grammar).  A retired value is never reused."""

    DECISION_GRANTED = "disclosure:decision:granted"
    DECISION_DENIED = "disclosure:decision:denied"
    GRANT_CREATED = "consent:grant:created"
    GRANT_REVOKED = "consent:grant:revoked"
    EXCLUSION_CREATED = "consent:exclusion:created"
    EXCLUSION_LIFTED = "consent:exclusion:lifted"
    REQUEST_CREATED = "consent:request:created"
    REQUEST_ANSWERED = "consent:request:answered"
    NAV_REQUEST_CREATED = "statutory:nav-request:created"
    NAV_SUMMONS_CREATED = "statutory:nav-summons:created"
    PARTICIPANT_ADDED = "case:participant:added"
    PARTICIPANT_REMOVED = "case:participant:removed"
    PARTICIPANT_REFUSED = "case:participant:refused"  # someone tried to add a person the employee excluded
    KEYS_GRANTED = "disclosure:keys:granted"
    KEYS_DENIED = "disclosure:keys:denied"
    MESSAGE_GRANTED = "disclosure:message:granted"
    MESSAGE_DENIED = "disclosure:message:denied"
    READ_GRANTED = "disclosure:read:granted"
    READ_DENIED = "disclosure:read:denied"
    PUSH_GRANTED = "disclosure:push:granted"
    PUSH_DENIED = "disclosure:push:denied"
    MESSAGE_RECALLED = "disclosure:message:recalled"


HASHED_FIELDS = (
    "seq", "entry_id", "occurred_at", "tag", "subject_id", "actor_id", "sender_id",
    "recipient_id", "category", "purpose", "case_id", "outcome", "basis_kind", "basis_ref",
    "basis_text", "reason",
)  # fmt: skip


def _timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_digest(entry: DisclosureLogEntry) -> str:
    fields = {}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        fields[name] = _timestamp(value) if isinstance(value, datetime) else value
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(entry.prev_hash.encode() + b"\n" + body.encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})


def head(session: Session) -> DisclosureLogEntry | None:
    return session.exec(select(DisclosureLogEntry).order_by(col(DisclosureLogEntry.seq).desc()).limit(1)).first()


_HEAD = select(DisclosureLogEntry.seq, DisclosureLogEntry.entry_hash).order_by(col(DisclosureLogEntry.seq).desc()).limit(1)
_INSERT = DisclosureLogEntry.__table__.insert()


def append(session: Session, *, tag: AuditTag, subject_id: str, actor_id: str, outcome: str, **fields) -> DisclosureLogEntry:
    """Append one entry in the caller's transaction (written, not committed).

    ``fields``: ``at`` (default now), ``sender_id``, ``recipient_id``, ``category``,
    ``purpose``, ``case_id``, ``basis_kind``, ``basis_ref``, ``basis_text``, ``reason``.
    """
    seq = append_many(session, [dict(tag=tag, subject_id=subject_id, actor_id=actor_id, outcome=outcome, **fields)])[0]
    return session.get(DisclosureLogEntry, seq)


def append_many(session: Session, rows: list[dict]) -> list[int]:
    """Append entries in order, chained, in the caller's transaction; their ``seq``s.

    One head read and one multi-row insert however many entries: a message to many
    recipients logs every wrap's decision without a round trip per entry.
    """
    if not rows:
        return []
    _lock_chain(session)
    if session.autoflush:  # a Core statement does not autoflush as an ORM query does
        session.flush()
    last = session.execute(_HEAD).first()
    seq, prev = (last.seq, last.entry_hash) if last else (0, GENESIS)
    values = []
    for row in rows:
        row = dict(row)
        seq += 1
        entry = SimpleNamespace(
            seq=seq, entry_id=new_id(), occurred_at=row.pop("at", None) or utcnow(), tag=AuditTag(row.pop("tag")).value,
            prev_hash=prev, **{name: row.pop(name, None) for name in _OPTIONAL}, **row,
        )
        entry.entry_hash = entry_digest(entry)
        prev = entry.entry_hash
        values.append({name: getattr(entry, name) for name in _COLUMNS})
    session.execute(_INSERT, values)
    return [v["seq"] for v in values]


_OPTIONAL = ("sender_id", "recipient_id", "category", "purpose", "case_id", "basis_kind", "basis_ref", "basis_text", "reason")
_COLUMNS = (*HASHED_FIELDS, "prev_hash", "entry_hash")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).rstrip(b"=").decode()


def _head_message(seq: int, entry_hash: str) -> bytes:
    return HEAD_LABEL + str(seq).encode() + b"\n" + entry_hash.encode()


def sign_head(session: Session, signer: Ed25519PrivateKey) -> LogHead | None:
    """Sign the current head if it is not signed yet.  Commits."""
    last = head(session)
    if last is None or session.get(LogHead, last.seq) is not None:
        return None
    signature = signer.sign(_head_message(last.seq, last.entry_hash))
    signed = LogHead(
        seq=last.seq,
        entry_hash=last.entry_hash,
        key_id=key_id(signer.public_key()),
        signature=base64.urlsafe_b64encode(signature).rstrip(b"=").decode(),
    )
    session.add(signed)
    session.commit()
    return signed


def latest_signed_head(session: Session) -> LogHead | None:
    return session.exec(select(LogHead).order_by(col(LogHead.seq).desc()).limit(1)).first()


# ``seq`` is a 32-bit INTEGER column, and PostgreSQL refuses to compare it with a number
# outside that range (SQLite does not mind).  No entry can lie beyond it, so a larger
# "before" bounds nothing and a negative one excludes everything.
_SEQ_MAX = 2**31 - 1


def entries_about(session: Session, subject_id: str, *, limit: int = 200, before_seq: int | None = None) -> list[DisclosureLogEntry]:
    query = select(DisclosureLogEntry).where(DisclosureLogEntry.subject_id == subject_id)
    if before_seq is not None:
        query = query.where(DisclosureLogEntry.seq < min(max(before_seq, 0), _SEQ_MAX))
    return list(session.exec(query.order_by(col(DisclosureLogEntry.seq).desc()).limit(limit)).all())


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    signed_heads: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, public_key: Ed25519PublicKey, *, batch: int = 5000) -> VerifyReport:
    """Recompute the whole chain and check every signed head.

    Names the first entry that was altered (its hash no longer matches its content or
    the next entry's link) or removed (a gap in ``seq``, or a signed head whose entry
    is gone).
    """
    prev_hash, expected, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = session.exec(
            select(DisclosureLogEntry)
            .where(DisclosureLogEntry.seq >= expected)
            .order_by(col(DisclosureLogEntry.seq))
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected:
                return VerifyReport(False, count, 0, expected, f"entry {expected} was removed")
            if row.prev_hash != prev_hash:
                bad = row.seq - 1
                return VerifyReport(False, count, 0, bad, f"entry {bad} was altered (the chain breaks after it)")
            if entry_digest(row) != row.entry_hash:
                return VerifyReport(False, count, 0, row.seq, f"entry {row.seq} was altered")
            prev_hash, expected, count, last_seq = row.entry_hash, row.seq + 1, count + 1, row.seq
        session.expunge_all()

    heads = session.exec(select(LogHead).order_by(col(LogHead.seq))).all()
    want_kid = key_id(public_key)
    for signed in heads:
        try:
            if signed.key_id != want_kid:
                raise InvalidSignature
            sig = base64.urlsafe_b64decode(signed.signature + "=" * (-len(signed.signature) % 4))
            public_key.verify(sig, _head_message(signed.seq, signed.entry_hash))
        except (InvalidSignature, ValueError):
            return VerifyReport(False, count, len(heads), signed.seq, f"the signed head at entry {signed.seq} has an invalid signature")
        if signed.seq > last_seq:
            return VerifyReport(False, count, len(heads), last_seq + 1, f"entries {last_seq + 1}..{signed.seq} were removed (a signed head covers them)")
        entry = session.get(DisclosureLogEntry, signed.seq)
        if entry is None or entry.entry_hash != signed.entry_hash:
            return VerifyReport(False, count, len(heads), signed.seq, f"the log was rewritten at or before entry {signed.seq} (it no longer matches the signed head)")
    return VerifyReport(True, count, len(heads))
