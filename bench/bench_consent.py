"""Consent decision latency over a large synthetic population.

    .venv/bin/python -m bench.bench_consent            # 377 700 actors, 1 000 000 grants
    .venv/bin/python -m bench.bench_consent --small    # ~20 000 actors, 50 000 grants

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
from dataclasses import asdict
from pathlib import Path
from time import perf_counter_ns

from sqlmodel import Session, col, select

from bench.harness import Latency, peak_rss_mb, prepare_database, save, sqlite_size_mb, table, timed
from consent.config import ConsentConfig
from consent.policy import decide
from consent.rules import load_rules
from consent.service import ConsentService
from consent.synthetic import generate_grants
from consent.types import Category, DisclosureRequest, Purpose
from directory.models import Actor
from directory.synthetic import REFERENCE_TIME, generate_population, sample_employees
from web.database import make_engine, migrate, writer

TARGET_P99_US = 1000.0
FULL = dict(employees=300_000, managers=50_000, gps=5_000, specialists=20_000, nav_advisers=2_000, grants=1_000_000)
SMALL = dict(employees=15_000, managers=2_500, gps=250, specialists=1_000, nav_advisers=100, grants=50_000)


def _generate(url: str, sizes: dict, seed: int) -> dict:
    """Runs in a child process, so the generator's memory does not count as ours."""
    migrate(url)
    engine = make_engine(url)
    sizes = dict(sizes)
    grants = sizes.pop("grants")
    population = generate_population(engine, seed=seed, **sizes)
    consent = generate_grants(engine, population, grants=grants, seed=seed)
    engine.dispose()
    return {"population": population, "grants": consent}


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
    parser.add_argument("--small", action="store_true", help="a quick run: ~20k actors, 50k grants")
    for key, value in FULL.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, help=f"default {value:,}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--decisions", type=int, default=5_000, help="decide_for samples")
    parser.add_argument("--pure", type=int, default=50_000, help="policy.decide samples")
    parser.add_argument("--authorize", type=int, default=2_000, help="authorize_disclosure samples")
    parser.add_argument("--db", type=Path, help="database file: reused if it exists, else generated and kept")
    parser.add_argument("--mmap-mib", type=int, default=0, help="PRAGMA mmap_size for the measuring engine")
    parser.add_argument("--profile", action="store_true", help="cProfile decide_for and print the top entries")
    args = parser.parse_args(argv)

    defaults = SMALL if args.small else FULL
    sizes = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in defaults.items()}
    name = ("consent-small" if args.small else "consent") + ("-mmap" if args.mmap_mib > 0 else "")
    engine, path, generated, tmp = prepare_database(args.db, _generate, sizes, args.seed, args.mmap_mib)
    at = generated["population"].reference_time if generated else REFERENCE_TIME
    service = ConsentService(ConsentConfig(), load_rules())
    warmup = 200
    specs = _specs(engine, args.decisions + warmup, args.seed)

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
        for k in range(args.pure)
    ]
    loop_start = perf_counter_ns()
    for k in range(args.pure):
        i = inputs[k % len(inputs)]
        decide(i[0], grants=i[1], exclusions=i[2], rules=rules)
    pure_ops = args.pure / ((perf_counter_ns() - loop_start) / 1e9)
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
    authorized = [_authorize(service, write_engine, rng.choice(specs), at) for _ in range(args.authorize)]

    rows = [
        Latency.of("policy.decide (pure)", pure, ops_per_s=pure_ops),
        Latency.of("ConsentService.decide_for", loaded),
        Latency.of("  same, in an open session", in_session),
        Latency.of("authorize_disclosure + commit", authorized),
    ]
    db_mb = sqlite_size_mb(path)
    summary = [f"consent benchmark ({name}), SQLite at {path}"]
    if generated:
        pop, gr = generated["population"], generated["grants"]
        summary += [
            f"population: {pop.actors:,} actors ({pop.actors_by_role.get('employee', 0):,} employees), "
            f"{pop.organisations:,} organisations, {pop.relations:,} relations",
            f"consent events: {gr.grants:,} grants + {gr.revocations:,} revocations over {gr.subjects:,} employees "
            f"(at most {gr.most_events_per_subject} events for one)",
            f"generation: {pop.seconds + gr.seconds:.1f} s (directory {pop.seconds:.1f} s, grants {gr.seconds:.1f} s), "
            f"generator peak RSS {peak_rss_mb(children=True):,.0f} MiB",
        ]
    summary += [
        f"database: {db_mb:,.0f} MiB; benchmark peak RSS {peak_rss_mb():,.0f} MiB; "
        f"mmap_size: {f'{args.mmap_mib} MiB' if args.mmap_mib > 0 else 'off (as make_engine builds it)'}",
        f"inputs: {grants_per_input:.1f} grants per subject on average; "
        f"decide_for permitted {permits / len(results):.1%}",
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
            "sizes": sizes,
            "population": asdict(generated["population"]) | {"employees": None, "queries": None} if generated else None,
            "grants": asdict(generated["grants"]) if generated else None,
            "database_mb": round(db_mb, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "generator_peak_rss_mb": round(peak_rss_mb(children=True), 1) if generated else None,
            "permit_share": permits / len(results),
            "grants_per_subject": grants_per_input,
            "latency": rows,
            "target_p99_us": TARGET_P99_US,
            "mmap_mib": args.mmap_mib,
        },
        text,
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
