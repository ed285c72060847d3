"""The disclosure log v2: one append-only Merkle tree per employee, with signed heads.

Every entry about a subject (the sick-listed employee) is one leaf of his own tree,
RFC 9162 §2.1 with SHA-256 (``consent.merkle``); the leaf's bytes, the log id and the
signed tree head's message are defined in ``consent.logformat`` and
``docs/disclosure-log.md``.  ``append_many`` takes each subject's lock
(``consent.serial.hold_subject``), appends to his frontier, and signs one new head per
subject per call with the log key registered by ``register_signer``.  Every head ever
signed is kept, so an older head can always be proven a prefix of a newer one.

``seq`` numbers every entry across subjects (paging, a stable row id); it is not hashed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import and_, bindparam, func, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from consent import logformat, merkle
from consent.logformat import key_id  # noqa: F401  (the log key's id, as before)
from consent.models import DisclosureLogEntry, LogHead, LogTree
from consent.serial import hold_subject
from directory.columns import new_id, utcnow
from directory.errors import InvalidInput


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
    CASE_ENDED = "case:case:ended"  # NAV (or the employer: back at work) ended the case; read-only from then on
    CONTENT_PURGED = "case:content:purged"  # the retention period passed: the case's message content was deleted
    COORDINATOR_APPOINTED = "case:coordinator:appointed"
    COORDINATOR_HANDED_OVER = "case:coordinator:handed-over"
    COORDINATOR_ENDED = "case:coordinator:ended"
    COORDINATOR_VIEW = "case:coordinator:employee-view"  # the employee agreed or objected


_OPTIONAL = ("sender_id", "recipient_id", "category", "purpose", "case_id", "basis_kind", "basis_ref", "basis_text", "reason")
_ENTRY = DisclosureLogEntry.__table__
_TREE = LogTree.__table__
_HEAD = LogHead.__table__

# --- the log key ---------------------------------------------------------------------
# The app registers its log key at start-up (the CLI and loaders too), so an append
# anywhere signs without every caller passing the key along.  Keyed by database, so
# two apps in one process (tests) each sign their own database's heads with their key.

_signers: dict[str, Ed25519PrivateKey] = {}
_key_ids: dict[int, str] = {}  # id(signer) -> its key id, computed once (only registered signers are held)


def _database(url) -> str:
    return make_url(url).render_as_string(hide_password=True) if url is not None else ""


def register_signer(signer: Ed25519PrivateKey | None, database_url: str | None = None) -> None:
    """Sign heads of appends on ``database_url`` (every database, when None) with ``signer``."""
    key = _database(database_url)
    if signer is None:
        _signers.pop(key, None)
    else:
        _signers[key] = signer
    _key_ids.clear()
    _key_ids.update({id(s): logformat.key_id(s.public_key()) for s in _signers.values()})


def signer_for(session: Session) -> Ed25519PrivateKey | None:
    url = getattr(session.get_bind(), "url", None)  # an Engine, or writer()'s engine with options
    return _signers.get(_database(url)) or _signers.get("")


# --- appending -----------------------------------------------------------------------

# Built once: an append is a handful of statements, and building them costs as much as running them.
_TREES = select(_TREE).where(_TREE.c.subject_id.in_(bindparam("subjects", expanding=True)))
_INSERT_ENTRIES = _ENTRY.insert().returning(_ENTRY.c.seq, sort_by_parameter_order=True)
_INSERT_TREES = _TREE.insert()
_INSERT_HEADS = _HEAD.insert()
_GROW = update(_TREE).where(_TREE.c.log_id == bindparam("b_log_id")).values(
    size=bindparam("size"), frontier=bindparam("frontier"), last_at=bindparam("last_at"))


def append(session: Session, *, tag: AuditTag, subject_id: str, actor_id: str, outcome: str, **fields) -> DisclosureLogEntry:
    """Append one entry in the caller's transaction (written, not committed).

    ``fields``: ``at`` (default: the subject's lock instant), ``sender_id``,
    ``recipient_id``, ``category``, ``purpose``, ``case_id``, ``basis_kind``,
    ``basis_ref``, ``basis_text``, ``reason``.
    """
    seq = append_many(session, [dict(tag=tag, subject_id=subject_id, actor_id=actor_id, outcome=outcome, **fields)])[0]
    return session.get(DisclosureLogEntry, seq)


def append_many(session: Session, rows: list[dict]) -> list[int]:
    """Append entries in order, in the caller's transaction; their ``seq``s.

    Each subject's rows become the next leaves of his tree, stamped no earlier than
    his previous leaf, and one head per subject is signed after his last leaf.  One
    tree read, one multi-row insert, one head per subject however many entries.
    """
    if not rows:
        return []
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row["subject_id"], []).append(i)
    # Sorted, so two transactions holding several subjects never wait on each other in a circle.
    instants = {subject: hold_subject(session, subject) for subject in sorted(groups)}
    if session.autoflush:  # a Core statement does not autoflush as an ORM query does
        session.flush()
    db = session.connection()  # Core statements on the transaction's connection: no ORM work per statement
    trees = {t.subject_id: t for t in db.execute(_TREES, {"subjects": list(groups)}).all()}
    values: list[dict] = [{}] * len(rows)
    grown, created = [], []
    for subject, positions in groups.items():
        tree = trees.get(subject)
        log = tree.log_id if tree else logformat.log_id(subject)
        frontier = merkle.Frontier.unpack(tree.size, tree.frontier) if tree else merkle.Frontier()
        last = tree.last_at if tree else None
        for i in positions:
            row = dict(rows[i])
            at = row.pop("at", None) or instants[subject]
            if last is not None and at < last:
                at = last  # a leaf is never stamped before the one it follows
            entry = {
                "entry_id": new_id(), "occurred_at": at, "tag": AuditTag(row.pop("tag")).value,
                "subject_id": row.pop("subject_id"), "actor_id": row.pop("actor_id"), "outcome": row.pop("outcome"),
                **{name: row.pop(name, None) for name in _OPTIONAL},
            }
            if row:
                raise TypeError(f"unknown log fields: {sorted(row)}")
            leaf = merkle.leaf_hash(logformat.leaf_bytes({**entry, "index": frontier.size, "log_id": log}))
            values[i] = {**entry, "leaf_index": frontier.size, "leaf_hash": leaf}
            frontier, last = frontier.append(leaf), at
        state = {"log_id": log, "subject_id": subject, "size": frontier.size, "frontier": frontier.pack(), "last_at": last}
        (grown if tree else created).append(state)
        trees[subject] = state
    seqs = db.execute(_INSERT_ENTRIES, values).scalars().all()
    if created:
        db.execute(_INSERT_TREES, created)
    if grown:
        db.execute(_GROW, [{"b_log_id": g["log_id"], "size": g["size"], "frontier": g["frontier"], "last_at": g["last_at"]}
                           for g in grown])
    signer = signer_for(session)
    if signer is not None:
        signed_at, kid = utcnow(), _key_ids.get(id(signer))
        db.execute(_INSERT_HEADS, [
            _head_row(logformat.sign_head(signer, s["log_id"], s["size"], _root(s).hex(), signed_at, kid=kid))
            for s in (*created, *grown)
        ])
    return list(seqs)


def _root(state) -> bytes:
    size, packed = (state["size"], state["frontier"]) if isinstance(state, dict) else (state.size, state.frontier)
    return merkle.Frontier.unpack(size, packed).root()


def _head_row(signed: dict) -> dict:
    return {**signed, "signed_at": _parse(signed["signed_at"])}


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def sign_missing_heads(session: Session, signer: Ed25519PrivateKey, *, subject_ids: Iterable[str] | None = None,
                       batch: int = 500) -> int:
    """Sign the current head of every log (or of ``subject_ids``' logs) that has none.

    After the v2 migration no log has a head; the next append signs one, and this
    signs the rest (``samband sign-head``, the app at start-up).  Commits per batch;
    the number of heads signed.
    """
    signed = 0
    while True:
        subjects = unsigned_logs(session, subject_ids=subject_ids, limit=batch)
        if not subjects:
            return signed
        for subject in subjects:
            hold_subject(session, subject)
        rows = []
        for tree in session.execute(
            select(_TREE).outerjoin(_HEAD, and_(_HEAD.c.log_id == _TREE.c.log_id, _HEAD.c.tree_size == _TREE.c.size))
            .where(_TREE.c.subject_id.in_(subjects), _HEAD.c.log_id.is_(None))
        ):
            rows.append(_head_row(logformat.sign_head(signer, tree.log_id, tree.size, _root(tree).hex(), utcnow())))
        if rows:
            session.execute(_HEAD.insert(), rows)
        session.commit()
        signed += len(rows)


def unsigned_logs(session: Session, *, subject_ids: Iterable[str] | None = None, limit: int = 500) -> list[str]:
    """Subjects whose log has no head at its current size (a read: check before writing)."""
    missing = (
        select(_TREE.c.subject_id)
        .outerjoin(_HEAD, and_(_HEAD.c.log_id == _TREE.c.log_id, _HEAD.c.tree_size == _TREE.c.size))
        .where(_HEAD.c.log_id.is_(None)).order_by(_TREE.c.subject_id).limit(limit)
    )
    if subject_ids is not None:
        missing = missing.where(_TREE.c.subject_id.in_(sorted(set(subject_ids))))
    return list(session.execute(missing).scalars())


# --- reading -------------------------------------------------------------------------


def tree_of(session: Session, subject_id: str) -> LogTree | None:
    return session.exec(select(LogTree).where(LogTree.subject_id == subject_id)).first()


def tree_by_log_id(session: Session, log: str) -> LogTree | None:
    return session.get(LogTree, log)


def head_at(session: Session, log: str, size: int) -> LogHead | None:
    return session.get(LogHead, (log, size))


def latest_head(session: Session, subject_id: str) -> LogHead | None:
    """The newest signed head of ``subject_id``'s log (None before his first)."""
    return session.exec(
        select(LogHead).where(LogHead.log_id == logformat.log_id(subject_id)).order_by(col(LogHead.tree_size).desc()).limit(1)
    ).first()


def head_json(head: LogHead) -> dict:
    return {
        "log_id": head.log_id, "tree_size": head.tree_size, "root_hash": head.root_hash,
        "signed_at": logformat.timestamp(head.signed_at), "key_id": head.key_id, "signature": head.signature,
    }


def empty_head(subject_or_log: str, signer: Ed25519PrivateKey, *, is_log_id: bool = False) -> dict:
    """The head of a log with no entries yet, signed now (not stored: there is nothing to keep)."""
    log = subject_or_log if is_log_id else logformat.log_id(subject_or_log)
    return logformat.sign_head(signer, log, 0, merkle.EMPTY_ROOT.hex(), utcnow())


# ``leaf_index`` is a 32-bit INTEGER column, and PostgreSQL refuses to compare it with a
# number outside that range (SQLite does not mind).  No entry can lie beyond it.
_INDEX_MAX = 2**31 - 1


def entries_about(session: Session, subject_id: str, *, limit: int = 200, before_index: int | None = None,
                  size: int | None = None) -> list[DisclosureLogEntry]:
    """``subject_id``'s entries, newest first: below leaf ``before_index`` and, with
    ``size``, within the tree of that size (what a head covers)."""
    query = select(DisclosureLogEntry).where(DisclosureLogEntry.subject_id == subject_id)
    bound = min(before_index if before_index is not None else _INDEX_MAX, size if size is not None else _INDEX_MAX)
    query = query.where(DisclosureLogEntry.leaf_index < min(max(bound, 0), _INDEX_MAX))
    return list(session.exec(query.order_by(col(DisclosureLogEntry.leaf_index).desc()).limit(limit)).all())


MISSING_LEAF = bytes(merkle.HASH_SIZE)  # stands in for a leaf whose row is gone


def leaf_hashes(session: Session, subject_id: str, size: int) -> list[bytes]:
    """The stored leaf hashes of ``subject_id``'s first ``size`` leaves, in order (small:
    32 bytes each).  A leaf whose row was removed is ``MISSING_LEAF``: proofs are still
    made from what is stored, and fail at the verifier, instead of failing here."""
    hashes = [MISSING_LEAF] * size
    for index, leaf in session.execute(
        select(_ENTRY.c.leaf_index, _ENTRY.c.leaf_hash).where(_ENTRY.c.subject_id == subject_id, _ENTRY.c.leaf_index < size)
    ):
        hashes[index] = leaf
    return hashes


def leaf_of(entry: DisclosureLogEntry) -> bytes:
    """The leaf bytes of a stored entry, from its columns (what its hash must match)."""
    return logformat.leaf_bytes({
        **{name: getattr(entry, name) for name in logformat.LEAF_FIELDS if name not in ("index", "log_id")},
        "index": entry.leaf_index, "log_id": logformat.log_id(entry.subject_id),
    })


class Tree:
    """Proofs over one log's leaf hashes: every subtree root computed once, so a page of
    inclusion proofs costs O(n + k log n) hashes, not O(k n)."""

    def __init__(self, leaves: Sequence[bytes]):
        self.leaves = list(leaves)
        self._roots: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self.leaves)

    def _root(self, lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return self.leaves[lo]
        got = self._roots.get((lo, hi))
        if got is None:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            got = self._roots[(lo, hi)] = merkle.node_hash(self._root(lo, lo + k), self._root(lo + k, hi))
        return got

    def root(self) -> bytes:
        return merkle.EMPTY_ROOT if not self.leaves else self._root(0, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """merkle.inclusion_proof(index, leaves), from the cached subtree roots."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size}")
        path, lo, hi = [], 0, self.size
        while hi - lo > 1:
            k = 1 << ((hi - lo - 1).bit_length() - 1)
            if index < lo + k:
                path.append(self._root(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._root(lo, lo + k))
                lo = lo + k
        return path[::-1]

    def consistency_proof(self, first: int) -> list[bytes]:
        return merkle.consistency_proof(first, self.leaves)


def consistency(session: Session, tree: LogTree | None, log: str, first: int, second: int | None,
                signer: Ed25519PrivateKey) -> dict:
    """``{"log_id", "first", "second", "proof"}``: that the head of size ``second`` (default:
    the newest) extends the head of size ``first``.  Raises ``InvalidInput`` (422)."""
    size = tree.size if tree else 0
    second = size if second is None else second
    if first < 0 or second < 0:
        raise InvalidInput("first and second are tree sizes: 0 or more")
    if first > second:
        raise InvalidInput(f"first ({first}) must not be larger than second ({second})")
    if second > size:
        raise InvalidInput(f"the log has {size} entries; there is no head of size {second}")

    def signed(n: int) -> dict:
        if n == 0:
            return empty_head(log, signer, is_log_id=True)
        head = head_at(session, log, n)
        if head is None:
            raise InvalidInput(f"no signed head of size {n} exists for this log; ask for the size of a head you were given")
        return head_json(head)

    first_head, second_head = signed(first), signed(second)
    proof = merkle.consistency_proof(first, leaf_hashes(session, tree.subject_id, second)) if 0 < first < second else []
    return {"log_id": log, "first": first_head, "second": second_head, "proof": [p.hex() for p in proof]}


# --- verification (samband verify-log) ------------------------------------------------


@dataclass
class VerifyReport:
    ok: bool
    logs: int = 0
    entries: int = 0
    signed_heads: int = 0
    problems: list[str] = field(default_factory=list)
    unsigned: int = 0  # logs whose newest entries no head covers yet (sign-head signs them)
    stopped: bool = False  # gave up after ``most`` problems

    @property
    def problem(self) -> str | None:
        return self.problems[0] if self.problems else None


def verify(session: Session, public_key: Ed25519PublicKey, *, witnessed: dict[str, dict] | None = None,
           batch: int = 1000, most: int = 50) -> VerifyReport:
    """Recompute every subject's tree from its stored entries and check every head.

    Names, per log, the first entry that was altered (its content no longer hashes to
    its leaf, or the tree no longer matches a signed head), removed (a gap in its
    indexes, or a head covering entries that are gone) or badly signed.  With
    ``witnessed`` (log id → the newest head a witness saw, JSON form), a log now
    shorter than what the witness saw, or different at that size, is reported as cut
    or forked.  Stops after ``most`` problems.
    """
    report = VerifyReport(ok=True)
    want_kid = logformat.key_id(public_key)
    after = ""
    seen: set[str] = set()
    while len(report.problems) < most:
        trees = session.execute(select(_TREE).where(_TREE.c.log_id > after).order_by(_TREE.c.log_id).limit(batch)).all()
        if not trees:
            break
        after = trees[-1].log_id
        by_subject = {t.subject_id: t for t in trees}
        entries: dict[str, list] = {}
        for row in session.execute(select(_ENTRY).where(_ENTRY.c.subject_id.in_(list(by_subject))).order_by(_ENTRY.c.subject_id, _ENTRY.c.leaf_index)):
            entries.setdefault(row.subject_id, []).append(row)
        heads: dict[str, list] = {}
        for row in session.execute(select(_HEAD).where(_HEAD.c.log_id.in_([t.log_id for t in trees])).order_by(_HEAD.c.log_id, _HEAD.c.tree_size)):
            heads.setdefault(row.log_id, []).append(row)
        for tree in trees:
            seen.add(tree.log_id)
            report.logs += 1
            problem = _check_log(tree, entries.get(tree.subject_id, []), heads.get(tree.log_id, []), public_key, want_kid,
                                 report, (witnessed or {}).get(tree.log_id))
            if problem:
                report.problems.append(f"log {tree.log_id} (subject {tree.subject_id}): {problem}")
                if len(report.problems) >= most:
                    report.stopped = True
                    break
        session.expunge_all()
    if len(report.problems) < most:
        # Entries or heads that no tree row accounts for: a tree row was deleted.
        orphans = session.execute(
            select(_ENTRY.c.subject_id, func.count()).where(_ENTRY.c.subject_id.not_in(select(_TREE.c.subject_id)))
            .group_by(_ENTRY.c.subject_id).limit(most)
        ).all()
        for subject, count in orphans:
            report.problems.append(f"log {logformat.log_id(subject)} (subject {subject}): {count} entries but no tree (its tree row was removed)")
        for log, size in session.execute(
            select(_HEAD.c.log_id, func.max(_HEAD.c.tree_size)).where(_HEAD.c.log_id.not_in(select(_TREE.c.log_id)))
            .group_by(_HEAD.c.log_id).limit(most)
        ).all():
            report.problems.append(f"log {log}: signed heads up to size {size} but no entries (the log was removed)")
    for log, head in sorted((witnessed or {}).items()):
        if log not in seen and int(head.get("tree_size", 0)) > 0:
            report.problems.append(f"log {log}: CUT: the witness saw {head['tree_size']} entries; the database has none")
    report.ok = not report.problems
    return report


def _check_log(tree, rows, heads, public_key, want_kid, report: VerifyReport, witnessed: dict | None) -> str | None:
    frontier = merkle.Frontier()
    roots: dict[int, bytes] = {}
    wanted = {h.tree_size for h in heads} | ({int(witnessed["tree_size"])} if witnessed else set())
    problem = None
    for row in rows:
        report.entries += 1
        if row.leaf_index != frontier.size:
            problem = problem or (f"entry {frontier.size} was removed" if row.leaf_index > frontier.size
                                  else f"entry {row.leaf_index} appears twice")
            break
        leaf = merkle.leaf_hash(leaf_of(row))
        if leaf != row.leaf_hash:
            problem = problem or f"entry {row.leaf_index} was altered (its content no longer matches its leaf hash)"
        frontier = frontier.append(leaf)
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root()
    count = frontier.size if problem is None else None
    for head in heads:
        report.signed_heads += 1
        signed = {**head._mapping, "signed_at": logformat.timestamp(head.signed_at)}
        if head.key_id != want_kid or logformat.head_problem(signed, public_key):
            return problem or f"the signed head of size {head.tree_size} has an invalid signature"
    if heads and heads[-1].tree_size > frontier.size:
        return problem or f"entries {frontier.size}..{heads[-1].tree_size - 1} were removed (a signed head covers them)"
    for head in heads:
        if roots.get(head.tree_size, b"").hex() != head.root_hash:
            return problem or _first_bad(rows, head.tree_size)
    if problem:
        return problem
    if tree.size != count or _root(tree) != frontier.root():
        return f"the tree row says {tree.size} entries but {count} are stored, or its root differs (entries were removed or the row was edited)"
    if witnessed is not None:
        size = int(witnessed["tree_size"])
        if size > count:
            return f"CUT: the witness saw {size} entries; the log now has {count}"
        if roots.get(size, b"").hex() != witnessed["root_hash"] and size > 0:
            return f"FORK: the log at size {size} is not the one the witness saw (rewritten)"
    if not heads or heads[-1].tree_size != tree.size:
        report.unsigned += 1
    return None


def _first_bad(rows, size: int) -> str:
    return f"the log was rewritten at or before entry {size - 1} (it no longer matches the signed head of size {size})"
