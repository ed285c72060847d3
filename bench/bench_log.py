"""The disclosure log v2: append with a signed head, and proofs, on SQLite.

    .venv/bin/python -m bench.bench_log                      # 1 000 000 entries over 300 000 people (~3 min to build)
    .venv/bin/python -m bench.bench_log --db-path var/bench/log.db   # keep the population and reuse it
    .venv/bin/python -m bench.bench_log --quick              # 20 000 entries over 6 000 people (seconds)

The population is built fast, in bulk, as the migration would leave it: every person's
entries with their leaf index and leaf hash, his tree row (size, frontier) and one
signed head at his current size; one person ("the 1 000-entry log") has exactly 1 000.
Then it times real ``consent.audit.append_many`` calls, each its own write transaction
as a request makes it (``BEGIN IMMEDIATE``, the subject's lock, the append, the signed
head, ``COMMIT``):

- one entry for a random person (a decision, a grant);
- five entries for one person in one call (a message to five recipients: one head);

and, for the 1 000-entry log, in Python: what ``GET /consent/log`` computes for a page
of 200 (leaf hashes read, 200 inclusion proofs), one inclusion proof, its check (leaf
hash + path + the head's Ed25519 signature, as the browser does), a consistency proof
from 500 to 1 000 and its check.  Aim (issue 10): append + signed head ≤ 1 ms p99.
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter, perf_counter_ns, thread_time_ns

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlmodel import Session

from bench.harness import Latency, save, sqlite_size_mb, table, use_mmap
from consent import audit, logformat, merkle
from consent.audit import AuditTag
from consent.models import DisclosureLogEntry, LogHead, LogTree
from directory.columns import new_id
from web.database import make_engine, migrate, writer

TARGET_P99_US = 1000.0
BIG = 1000  # the log whose proofs are timed
BIG_SUBJECT = "ffffffff-0000-4000-8000-000000001000"  # not one of _subject(i)


def _subject(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def _row(subject: str, i: int, at: datetime | None = None) -> dict:
    row = dict(tag=AuditTag.DECISION_GRANTED, subject_id=subject, actor_id="3c0e5c36-4f5e-4b0e-9a51-2f2c7d1e0a01",
               outcome="permit", sender_id="3c0e5c36-4f5e-4b0e-9a51-2f2c7d1e0a01",
               recipient_id="5d1f8c2a-6b7e-4c3d-8e9f-0a1b2c3d4e5f", category="functional_ability",
               purpose="workplace_adaptation", case_id="c0ffee00-0000-4000-8000-00000000000a", basis_kind="consent",
               basis_ref=f"6e2a1c4b-0000-4000-8000-{i % 10**12:012d}", basis_text="ditt samtykke")
    if at is not None:
        row["at"] = at
    return row


def build(engine, key, people: int, entries: int, seed: int) -> None:
    """Bulk: leaves, trees and one signed head per person; ``entries`` spread over ``people``."""
    rng = random.Random(seed)
    counts = [1] * people
    for _ in range(entries - people - BIG):
        counts[rng.randrange(people)] += 1
    start = datetime(2026, 1, 1, tzinfo=UTC)
    entry, tree, head = DisclosureLogEntry.__table__, LogTree.__table__, LogHead.__table__
    fields = [n for n in logformat.LEAF_FIELDS if n not in ("index", "log_id")]
    people_list = [(_subject(i), counts[i]) for i in range(people)] + [(BIG_SUBJECT, BIG)]
    t0 = perf_counter()
    chunk = 5000
    for c in range(0, len(people_list), chunk):
        entries_rows, trees, heads = [], [], []
        for subject, n in people_list[c : c + chunk]:
            log = logformat.log_id(subject)
            frontier, at = merkle.Frontier(), start
            for i in range(n):
                at = at + timedelta(seconds=rng.randrange(1, 86400))
                row = _row(subject, i)
                values = {"entry_id": new_id(), "occurred_at": at, **{k: row.get(k) for k in fields if k not in ("entry_id", "occurred_at")}}
                values["tag"] = row["tag"].value
                leaf = merkle.leaf_hash(logformat.leaf_bytes({**values, "index": i, "log_id": log}))
                entries_rows.append({**values, "subject_id": subject, "leaf_index": i, "leaf_hash": leaf})
                frontier = frontier.append(leaf)
            trees.append({"log_id": log, "subject_id": subject, "size": n, "frontier": frontier.pack(), "last_at": at})
            signed = logformat.sign_head(key, log, n, frontier.root().hex(), at)
            heads.append({**signed, "signed_at": at})
        with Session(engine) as session:
            session.execute(entry.insert(), entries_rows)
            session.execute(tree.insert(), trees)
            session.execute(head.insert(), heads)
            session.commit()
        done = min(c + chunk, len(people_list))
        if done % 50_000 < chunk or done == len(people_list):
            print(f"  {done:>7} people built ({perf_counter() - t0:.0f} s)", flush=True)


def measure_appends(engine, people: int, n: int, per_call: int, seed: int) -> list[Latency]:
    """Each call its own write transaction; ``append_many`` alone (the lock, the tree
    read, the inserts, the signature) and the whole transaction (BEGIN IMMEDIATE ..
    COMMIT, the connection back to the pool)."""
    rng = random.Random(seed)
    inner, whole, cpu = [], [], []
    for k in range(n):
        subject = _subject(rng.randrange(people))
        rows = [_row(subject, k * per_call + j) for j in range(per_call)]
        start, start_cpu = perf_counter_ns(), thread_time_ns()
        with Session(engine) as session:
            began = perf_counter_ns()
            audit.append_many(session, rows)
            inner.append(perf_counter_ns() - began)
            session.commit()
        whole.append(perf_counter_ns() - start)
        cpu.append(thread_time_ns() - start_cpu)
    return [Latency.of(f"append_many({per_call}) + signed head", inner),
            Latency.of("  the whole transaction, committed", whole),
            Latency.of("  its CPU time (this thread)", cpu)]


def measure_floor(engine, n: int) -> Latency:
    """An empty write transaction (BEGIN IMMEDIATE; COMMIT) on the same database: what any write costs here."""
    samples = []
    for _ in range(n):
        start = perf_counter_ns()
        with Session(engine) as session:
            session.connection()
            session.commit()
        samples.append(perf_counter_ns() - start)
    return Latency.of("floor: an empty write transaction", samples)


def measure_proofs(engine, key, n: int) -> list[Latency]:
    public = key.public_key()
    out: dict[str, list[int]] = {k: [] for k in ("page", "generate", "verify", "consistency", "check")}
    with Session(engine) as session:
        tree = audit.tree_of(session, BIG_SUBJECT)
        assert tree.size >= BIG
        head = audit.head_json(audit.head_at(session, tree.log_id, tree.size) or audit.latest_head(session, BIG_SUBJECT))
        size = head["tree_size"]
        entries = audit.entries_about(session, BIG_SUBJECT, limit=200, size=size)
        leaves = {e.leaf_index: audit.leaf_of(e) for e in audit.entries_about(session, BIG_SUBJECT, limit=size, size=size)}
        rng = random.Random(1)
        for _ in range(n // 10 or 1):
            start = perf_counter_ns()
            proofs = audit.Tree(audit.leaf_hashes(session, BIG_SUBJECT, size))
            [proofs.inclusion_proof(e.leaf_index) for e in entries]
            out["page"].append(perf_counter_ns() - start)
        hashes = audit.leaf_hashes(session, BIG_SUBJECT, size)
        half = size // 2
        half_root = merkle.root(hashes[:half])
    proofs = audit.Tree(hashes)
    root = bytes.fromhex(head["root_hash"])
    out["cached"] = []
    for _ in range(n):
        i = rng.randrange(size)
        start = perf_counter_ns()
        path = merkle.inclusion_proof(i, hashes)
        out["generate"].append(perf_counter_ns() - start)
        start = perf_counter_ns()
        assert path == proofs.inclusion_proof(i)
        out["cached"].append(perf_counter_ns() - start)
        leaf = leaves[i]
        start = perf_counter_ns()
        merkle.verify_inclusion(merkle.leaf_hash(leaf), i, size, path, root)
        assert logformat.head_problem(head, public) is None
        out["verify"].append(perf_counter_ns() - start)
    for _ in range(n // 10 or 1):
        start = perf_counter_ns()
        proof = merkle.consistency_proof(half, hashes)
        out["consistency"].append(perf_counter_ns() - start)
        start = perf_counter_ns()
        merkle.verify_consistency(half, size, half_root, root, proof)
        out["check"].append(perf_counter_ns() - start)
    return [
        Latency.of(f"page of 200: read {size} + 200 proofs", out["page"]),
        Latency.of(f"inclusion proof, log of {size}", out["generate"]),
        Latency.of("  the same, subtree roots cached", out["cached"]),
        Latency.of("check: leaf + path + Ed25519 head", out["verify"]),
        Latency.of(f"consistency proof {half} -> {size}", out["consistency"]),
        Latency.of(f"check consistency {half} -> {size}", out["check"]),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 000 entries over 6 000 people, fewer samples")
    parser.add_argument("--people", type=int, help="default 300 000 (--quick 6 000)")
    parser.add_argument("--entries", type=int, help="default 1 000 000 (--quick 20 000)")
    parser.add_argument("--appends", type=int, help="timed appends of each kind (default 3 000; --quick 300)")
    parser.add_argument("--db-path", type=Path, help="keep the population in this SQLite file and reuse it")
    parser.add_argument("--mmap-mib", type=int, default=0, help="the measuring engine also runs PRAGMA mmap_size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    people = args.people or (6_000 if args.quick else 300_000)
    entries = args.entries or (20_000 if args.quick else 1_000_000)
    appends = args.appends or (300 if args.quick else 3_000)
    path = args.db_path or Path("var/bench") / (f"log-{people}-{entries}.db")
    key_file = path.with_suffix(".key")
    key = Ed25519PrivateKey.from_private_bytes(key_file.read_bytes()) if key_file.exists() else Ed25519PrivateKey.generate()
    url = f"sqlite:///{path}"
    fresh = not path.exists()
    if fresh:
        path.parent.mkdir(parents=True, exist_ok=True)
        migrate(url)
    engine = make_engine(url)
    write = writer(engine)
    if fresh:
        print(f"building {entries:,} entries over {people:,} people in {path} ...", flush=True)
        t0 = perf_counter()
        build(write, key, people, entries, args.seed)
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        key_file.write_bytes(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
        print(f"built in {perf_counter() - t0:.0f} s", flush=True)
    if args.mmap_mib:
        engine.dispose()
        engine = make_engine(url)
        use_mmap(engine, args.mmap_mib)
        write = writer(engine)
    audit.register_signer(key, url)
    with Session(engine) as session:
        counts = {
            "entries": session.execute(DisclosureLogEntry.__table__.select().with_only_columns(
                DisclosureLogEntry.__table__.c.seq).order_by(DisclosureLogEntry.__table__.c.seq.desc()).limit(1)).scalar(),
            "logs": session.execute(select(func.count()).select_from(LogTree)).scalar_one(),
            "heads": session.execute(select(func.count()).select_from(LogHead)).scalar_one(),
        }
    print(f"database: {counts}, {sqlite_size_mb(path):,.0f} MB", flush=True)
    rows = [
        *measure_appends(write, people, appends, 1, args.seed + 1),
        *measure_appends(write, people, appends // 3, 5, args.seed + 2),
        measure_floor(write, appends),
        *measure_proofs(engine, key, 2000 if not args.quick else 200),
    ]
    summary = table(rows)
    p99 = rows[0].p99_us
    cpu99 = rows[2].p99_us
    load = [round(x, 2) for x in os.getloadavg()]
    summary += (f"\n\n{counts['entries']:,} entries over {counts['logs']:,} logs ({counts['heads']:,} heads), "
                f"SQLite {sqlite_size_mb(path):,.0f} MB\nappend + signed head p99 {p99:.0f} µs: "
                f"{'within' if p99 <= TARGET_P99_US else 'OVER'} the {TARGET_P99_US:.0f} µs aim (load average {load}); "
                f"CPU time of the whole transaction p99 {cpu99:.0f} µs")
    print(summary)
    name = ("log-quick" if args.quick else "log") + ("-mmap" if args.mmap_mib else "")
    save(name, {"settings": {"people": people, "entries": entries, "appends": appends, "db": str(path), "mmap_mib": args.mmap_mib},
                "counts": counts, "results": rows}, summary, out=args.out)
    engine.dispose()


if __name__ == "__main__":
    main()
