"""Directory search latency over the Norway-scale synthetic population, on SQLite or
PostgreSQL.

    .venv/bin/python -m bench.bench_search                  # 384 700 actors (bench_consent's population)
    .venv/bin/python -m bench.bench_search --db postgresql  # the same on a throwaway PostgreSQL cluster
    .venv/bin/python -m bench.bench_search --actors 500000  # the same proportions, scaled
    .venv/bin/python -m bench.bench_search --small          # ~19 000 actors
    .venv/bin/python -m bench.bench_search --quick          # ~2 600 actors, a smoke check (seconds)

The population is ``bench.population``'s, consent grants included, so a database kept
with ``--db-path`` by ``bench_consent`` is reused here (and the other way round).

Times ``directory.service.search`` (full-text or identifier lookup, then the public
shapes with organisations and key status) over a mix of queries known to hit: surname
prefixes, "given surname", place + role word, organisation names, HPR numbers and
organisation numbers.  Viewers take turns: a GP, a nearest manager, a NAV adviser.
Target: p99 under 20 ms.
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
)
from directory import service
from directory.models import Actor
from directory.synthetic import QUERY_KINDS, sample_queries
from directory.types import Role

TARGET_P99_US = 20_000.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--actors", type=int, help="about this many actors, in the Norway population's proportions")
    size.add_argument("--small", action="store_true", help="~19 000 actors")
    size.add_argument("--quick", action="store_true", help="~2 600 actors, 30 queries per kind: a smoke check")
    parser.add_argument("--per-kind", type=int, help="queries of each kind (default 300; --quick 30)")
    parser.add_argument("--seed", type=int, default=1)
    add_database_options(parser)
    parser.add_argument("--profile", action="store_true", help="cProfile the measured searches")
    args = parser.parse_args(argv)

    if args.actors:
        sizes, scale = pop.scaled(args.actors), f"{args.actors // 1000}k"
    else:
        scale = "quick" if args.quick else "small" if args.small else "full"
        sizes = {"full": pop.NORWAY, "small": pop.SMALL, "quick": pop.QUICK}[scale]
    per_kind = args.per_kind or (30 if args.quick else 300)
    name = "search" + ("-postgresql" if args.db == "postgresql" else "") + ("" if scale == "full" else f"-{scale}")
    name += "-mmap" if args.mmap_mib > 0 and args.db == "sqlite" else ""
    db = prepare_database(args.db, args.db_path, pop.generate, sizes, args.seed, args.mmap_mib)
    try:
        _measure(args, db, name, sizes, per_kind)
    finally:
        db.close()


def _measure(args, db, name: str, sizes: dict, per_kind: int) -> None:
    engine = db.engine
    counts = pop.counts(engine)
    with Session(engine, expire_on_commit=False) as session:
        viewers = [
            session.exec(select(Actor).where(Actor.role == role.value).order_by(col(Actor.id)).limit(1)).one()
            for role in (Role.GP, Role.NEAREST_MANAGER, Role.NAV_ADVISER)
        ]
        session.expunge_all()
    rng = random.Random(f"{args.seed}:search")
    warm = sample_queries(engine, per_kind=min(50, per_kind), seed=args.seed + 1)
    queries = sample_queries(engine, per_kind=per_kind, seed=args.seed)
    mix = [(kind, q) for kind in QUERY_KINDS for q in queries[kind]]
    rng.shuffle(mix)

    def run(query: str, viewer: Actor) -> tuple[int, int]:
        with Session(engine) as session:
            start = perf_counter_ns()
            found = service.search(session, viewer, query, limit=20)
            return perf_counter_ns() - start, len(found)

    for n, q in enumerate(q for kind in QUERY_KINDS for q in warm[kind]):
        run(q, viewers[n % len(viewers)])
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    timings: dict[str, list[int]] = {k: [] for k in QUERY_KINDS}
    hits: dict[str, int] = {k: 0 for k in QUERY_KINDS}
    for n, (kind, q) in enumerate(mix):
        ns, found = run(q, viewers[n % len(viewers)])
        timings[kind].append(ns)
        hits[kind] += found > 0
    if profile:
        profile.disable()

    everything = [ns for kind in QUERY_KINDS for ns in timings[kind]]
    rows = [Latency.of("all queries", everything)] + [
        Latency.of(f"  {kind} (hit {hits[kind] / len(timings[kind]):.0%})", timings[kind])
        for kind in QUERY_KINDS
        if timings[kind]
    ]
    rows += floor_latencies(engine, min(2000, len(mix)))
    cycle = iter(mix * 2)
    statements = statements_per_call(
        engine, lambda: run(next(cycle)[1], viewers[0]), min(len(mix), 300)
    )
    db_mb = db.size_mb()
    searchable = counts["actors"] - counts["employees"]
    mmap = f"{args.mmap_mib} MiB" if args.mmap_mib > 0 else "off (as make_engine builds it)"
    lines = [
        f"search benchmark ({name}), {db.describe()}",
        pop.describe(counts),
        f"searchable (in the full-text index): {searchable:,} professionals; employees are never searchable",
        pop.describe_generation(db.generated, peak_rss_mb(children=True)),
        f"{statements:.1f} SQL statements per search (each a round trip on PostgreSQL; the floor rows below are "
        "one trivial statement)",
        f"database: {db_mb:,.0f} MiB; benchmark peak RSS {peak_rss_mb():,.0f} MiB; viewers: GP, manager, NAV adviser"
        + (f"; mmap_size: {mmap}" if db.backend == "sqlite" else ""),
        "",
        table(rows),
        "",
        f"target: search p99 < {TARGET_P99_US / 1000:.0f} ms -> "
        f"{'MET' if rows[0].p99_us < TARGET_P99_US else 'MISSED'} ({rows[0].p99_us / 1000:.1f} ms)",
    ]
    text = "\n".join(lines)
    print(text, flush=True)
    save(
        name,
        {
            **db.result_fields(sizes, counts, db_mb),
            "statements_per_search": statements,
            "hit_share": {k: hits[k] / len(timings[k]) for k in QUERY_KINDS if timings[k]},
            "example_queries": {k: list(queries[k][:5]) for k in QUERY_KINDS},
            "latency": rows,
            "target_p99_us": TARGET_P99_US,
            "target_met": rows[0].p99_us < TARGET_P99_US,
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
