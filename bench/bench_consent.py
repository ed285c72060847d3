"""Consent decision latency over the Norway-scale synthetic population, on SQLite or
PostgreSQL.

    .venv/bin/python -m bench.bench_consent                    # 384 700 actors, 1 000 000 grants, SQLite
    .venv/bin/python -m bench.bench_consent --db postgresql    # the same on a throwaway PostgreSQL cluster
    .venv/bin/python -m bench.bench_consent --small            # ~19 000 actors, 50 000 grants
    .venv/bin/python -m bench.bench_consent --quick            # ~2 600 actors, a smoke check (seconds)

Measures (a) the pure ``consent.policy.decide`` on inputs loaded from the database,
(b) ``ConsentService.decide_for`` including every query it makes, and (c)
``authorize_disclosure`` plus commit, which also appends to the disclosure log.
Target: decide_for p99 under 1 ms with one million grants stored.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
from time import perf_counter_ns

from sqlmodel import Session, col, select

from bench import population as pop
from bench.harness import (
    Latency,
    add_database_options,
    floor_latencies,
    peak_rss_mb,
    prepare_database,
    save,
    statements_per_call,
    table,
    timed,
)
from consent.config import ConsentConfig
from consent.policy import decide
from consent.rules import load_rules
from consent.service import ConsentService
from consent.types import Category, DisclosureRequest, Purpose
from directory.models import Actor
from directory.synthetic import REFERENCE_TIME, sample_employees
from web.database import writer

TARGET_P99_US = 1000.0
FULL = pop.NORWAY
SMALL = pop.SMALL
QUICK = pop.QUICK
SAMPLES = {  # decide_for, policy.decide, authorize_disclosure
    "full": dict(decisions=5_000, pure=50_000, authorize=2_000),
    "small": dict(decisions=5_000, pure=50_000, authorize=2_000),
    "quick": dict(decisions=500, pure=5_000, authorize=200),
}


def _specs(engine, n: int, seed: int) -> list[tuple]:
    """``n`` (subject, sender, recipient, category, purpose) over random employees.

    Sender and recipient are the employee's own GP, manager or NAV adviser, so the
    roles, relations and grants involved are the realistic ones; category and purpose
    are random, so most answers are denials (the slowest path: every grant checked).
    """
    rng = random.Random(f"{seed}:specs")
    employees = sample_employees(engine, n=n, seed=seed)
    wanted = {i for e in employees for i in (e.manager_id, e.gp_id, e.nav_adviser_id) if i}
    with Session(engine, expire_on_commit=False) as session:
        actors = {a.id: a for a in session.exec(select(Actor).where(col(Actor.id).in_(wanted)))}
        session.expunge_all()
    specs = []
    for e in employees:
        pairs = [(e.gp_id, e.manager_id), (e.manager_id, e.gp_id)]
        if e.nav_adviser_id:
            pairs += [(e.gp_id, e.nav_adviser_id), (e.manager_id, e.nav_adviser_id)]
        sender, recipient = rng.choice(pairs)
        specs.append(
            (e.employee_id, actors[sender], actors[recipient], rng.choice(list(Category)), rng.choice(list(Purpose)))
        )
    return specs


def _decide_for(service: ConsentService, engine, spec, at):
    subject, sender, recipient, category, purpose = spec
    with Session(engine) as session:
        start = perf_counter_ns()
        decision = service.decide_for(
            session, subject_id=subject, sender=sender, recipient=recipient,
            category=category, purpose=purpose, case_id=None, at=at,
        )  # fmt: skip
        return perf_counter_ns() - start, decision


def _authorize(service: ConsentService, engine, spec, at) -> int:
    subject, sender, recipient, category, purpose = spec
    with Session(engine) as session:
        start = perf_counter_ns()
        service.authorize_disclosure(
            session, actor=sender, subject_id=subject, sender=sender, recipient=recipient,
            category=category, purpose=purpose, at=at,
        )  # fmt: skip
        session.commit()
        return perf_counter_ns() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", help="~19 000 actors, 50 000 grants")
    size.add_argument("--quick", action="store_true", help="~2 600 actors, 6 666 grants, fewer samples: a smoke check")
    for key, value in FULL.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, help=f"default {value:,}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--decisions", type=int, help="decide_for samples (default 5 000)")
    parser.add_argument("--pure", type=int, help="policy.decide samples (default 50 000)")
    parser.add_argument("--authorize", type=int, help="authorize_disclosure samples (default 2 000)")
    add_database_options(parser)
    parser.add_argument("--profile", action="store_true", help="cProfile decide_for and print the top entries")
    args = parser.parse_args(argv)

    scale = "quick" if args.quick else "small" if args.small else "full"
    defaults = {"full": FULL, "small": SMALL, "quick": QUICK}[scale]
    sizes = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in defaults.items()}
    n = {k: getattr(args, k) or v for k, v in SAMPLES[scale].items()}
    name = "consent" + ("-postgresql" if args.db == "postgresql" else "") + ("" if scale == "full" else f"-{scale}")
    name += "-mmap" if args.mmap_mib > 0 and args.db == "sqlite" else ""
    db = prepare_database(args.db, args.db_path, pop.generate, sizes, args.seed, args.mmap_mib)
    try:
        _measure(args, db, name, sizes, n)
    finally:
        db.close()


def _measure(args, db, name: str, sizes: dict, n: dict) -> None:
    engine = db.engine
    at = db.generated["reference_time"] if db.generated else REFERENCE_TIME
    counts = pop.counts(engine)
    service = ConsentService(ConsentConfig(), load_rules())
    warmup = min(200, n["decisions"])
    specs = _specs(engine, n["decisions"] + warmup, args.seed)

    # (a) the pure decision, on inputs loaded from the database for real subjects.
    inputs = []
    with Session(engine) as session:
        for subject, sender, recipient, category, purpose in specs[:1000]:
            request = DisclosureRequest(
                subject_id=subject, sender=service.facts(session, sender, subject, at),
                recipient=service.facts(session, recipient, subject, at),
                category=category, purpose=purpose, at=at,
            )  # fmt: skip
            grants, exclusions = service.state(session, subject)
            # No NAV requests are generated, so the decision gets none (as decide_for would).
            inputs.append((request, tuple(grants.values()), tuple(exclusions.values())))
    rules = service.rules
    for request, grants, exclusions in inputs[:warmup]:
        decide(request, grants=grants, exclusions=exclusions, rules=rules)
    pure = [
        timed(lambda i=inputs[k % len(inputs)]: decide(i[0], grants=i[1], exclusions=i[2], rules=rules))
        for k in range(n["pure"])
    ]
    loop_start = perf_counter_ns()
    for k in range(n["pure"]):
        i = inputs[k % len(inputs)]
        decide(i[0], grants=i[1], exclusions=i[2], rules=rules)
    pure_ops = n["pure"] / ((perf_counter_ns() - loop_start) / 1e9)
    grants_per_input = sum(len(i[1]) for i in inputs) / len(inputs)

    # (b) decide_for: facts, events, NAV requests and the decision, in a fresh session.
    for spec in specs[:warmup]:
        _decide_for(service, engine, spec, at)
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    results = [_decide_for(service, engine, spec, at) for spec in specs[warmup:]]
    if profile:
        profile.disable()
    loaded = [ns for ns, _ in results]
    permits = sum(1 for _, d in results if d.permitted)

    # (b') the same inside one open session: a request's connection and read
    # transaction are already there when it reaches the gate.
    with Session(engine) as session:
        session.connection()
        in_session = [
            timed(lambda s=s: service.decide_for(session, subject_id=s[0], sender=s[1], recipient=s[2],
                                                 category=s[3], purpose=s[4], case_id=None, at=at))
            for s in specs[warmup:]
        ]

    # (c) authorize_disclosure + commit: the decision and its log entry, one transaction.
    write_engine = writer(engine)
    rng = random.Random(f"{args.seed}:authorize")
    for spec in rng.sample(specs, min(warmup, len(specs))):
        _authorize(service, write_engine, spec, at)
    authorized = [_authorize(service, write_engine, rng.choice(specs), at) for _ in range(n["authorize"])]

    sample = iter(specs[warmup:] * 2)
    statements = statements_per_call(engine, lambda: _decide_for(service, engine, next(sample), at), 100)
    rows = [
        Latency.of("policy.decide (pure)", pure, ops_per_s=pure_ops),
        Latency.of("ConsentService.decide_for", loaded),
        Latency.of("  same, in an open session", in_session),
        Latency.of("authorize_disclosure + commit", authorized),
        *floor_latencies(engine, min(2000, n["decisions"])),
    ]
    db_mb = db.size_mb()
    summary = [f"consent benchmark ({name}), {db.describe()}", pop.describe(counts)]
    summary.append(pop.describe_generation(db.generated, peak_rss_mb(children=True)))
    mmap = f"{args.mmap_mib} MiB" if args.mmap_mib > 0 else "off (as make_engine builds it)"
    summary += [
        f"database: {db_mb:,.0f} MiB; benchmark peak RSS {peak_rss_mb():,.0f} MiB"
        + (f"; mmap_size: {mmap}" if db.backend == "sqlite" else ""),
        f"inputs: {grants_per_input:.1f} grants per subject on average; "
        f"decide_for permitted {permits / len(results):.1%}; {statements:.1f} SQL statements per decide_for "
        f"(each a round trip on PostgreSQL; the floor rows below are one trivial statement)",
        "",
        table(rows),
        "",
        f"target: decide_for p99 < {TARGET_P99_US:.0f} µs -> "
        f"{'MET' if rows[1].p99_us < TARGET_P99_US else 'MISSED'} ({rows[1].p99_us:.0f} µs in a fresh session, "
        f"{rows[2].p99_us:.0f} µs in an open one)",
    ]
    text = "\n".join(summary)
    print(text, flush=True)
    save(
        name,
        {
            **db.result_fields(sizes, counts, db_mb),
            "permit_share": permits / len(results),
            "grants_per_subject": grants_per_input,
            "statements_per_decide_for": statements,
            "samples": n,
            "latency": rows,
            "target_p99_us": TARGET_P99_US,
            "target_met": rows[1].p99_us < TARGET_P99_US,
            "mmap_mib": args.mmap_mib if db.backend == "sqlite" else None,
        },
        text,
        out=args.out,
        postgresql=db.version() if db.backend == "postgresql" else None,
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
