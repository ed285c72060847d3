"""Directory search latency over a large synthetic population.

    .venv/bin/python -m bench.bench_search                  # 500 000 actors
    .venv/bin/python -m bench.bench_search --small          # 20 000 actors
    .venv/bin/python -m bench.bench_search --actors 1000000

Times ``directory.service.search`` (full-text or identifier lookup, then the public
shapes with organisations and key status) over a mix of queries known to hit: surname
prefixes, "given surname", place + role word, organisation names, HPR numbers and
organisation numbers.  Viewers take turns: a GP, a nearest manager, a NAV adviser.
Target: p99 under 20 ms over 500 000 actors.
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

from bench.harness import Latency, peak_rss_mb, prepare_database, save, sqlite_size_mb, table
from directory import service
from directory.models import Actor
from directory.synthetic import QUERY_KINDS, generate_population, sample_queries
from directory.types import Role
from web.database import make_engine, migrate

TARGET_P99_US = 20_000.0
# The consent benchmark's population; scaled to the number of actors asked for.
BASE = dict(employees=300_000, managers=50_000, gps=5_000, specialists=20_000, nav_advisers=2_000)
BASE_OTHERS = sum(v for k, v in BASE.items() if k != "employees") // 10


def sizes_for(actors: int) -> dict[str, int]:
    scale = actors / (sum(BASE.values()) + BASE_OTHERS)
    sizes = {k: max(1, round(v * scale)) for k, v in BASE.items()}
    sizes["others"] = max(0, actors - sum(sizes.values()))
    return sizes


def _generate(url: str, sizes: dict, seed: int):
    """Runs in a child process, so the generator's memory does not count as ours."""
    migrate(url)
    engine = make_engine(url)
    summary = generate_population(engine, seed=seed, **sizes)
    engine.dispose()
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=500_000)
    parser.add_argument("--small", action="store_true", help="20 000 actors")
    parser.add_argument("--per-kind", type=int, default=300, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="database file: reused if it exists, else generated and kept")
    parser.add_argument("--mmap-mib", type=int, default=0, help="PRAGMA mmap_size for the measuring engine")
    parser.add_argument("--profile", action="store_true", help="cProfile the measured searches")
    args = parser.parse_args(argv)

    actors = 20_000 if args.small else args.actors
    sizes = sizes_for(actors)
    name = ("search-small" if args.small else "search") + ("-mmap" if args.mmap_mib > 0 else "")
    engine, path, summary, tmp = prepare_database(args.db, _generate, sizes, args.seed, args.mmap_mib)

    with Session(engine, expire_on_commit=False) as session:
        viewers = [
            session.exec(select(Actor).where(Actor.role == role.value).order_by(col(Actor.id)).limit(1)).one()
            for role in (Role.GP, Role.NEAREST_MANAGER, Role.NAV_ADVISER)
        ]
        session.expunge_all()
    rng = random.Random(f"{args.seed}:search")
    warm = sample_queries(engine, per_kind=50, seed=args.seed + 1)
    queries = sample_queries(engine, per_kind=args.per_kind, seed=args.seed)
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
    db_mb = sqlite_size_mb(path)
    lines = [f"search benchmark ({name}), SQLite at {path}"]
    if summary:
        lines += [
            f"population: {summary.actors:,} actors ({summary.actors_by_role.get('employee', 0):,} employees, "
            f"not searchable), {summary.organisations:,} organisations, {summary.relations:,} relations",
            f"generation: {summary.seconds:.1f} s, generator peak RSS {peak_rss_mb(children=True):,.0f} MiB",
        ]
    lines += [
        f"database: {db_mb:,.0f} MiB; benchmark peak RSS {peak_rss_mb():,.0f} MiB; viewers: GP, manager, NAV adviser",
        f"mmap_size: {f'{args.mmap_mib} MiB' if args.mmap_mib > 0 else 'off (as make_engine builds it)'}",
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
            "sizes": sizes,
            "population": asdict(summary) | {"employees": None, "queries": None} if summary else None,
            "database_mb": round(db_mb, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "generator_peak_rss_mb": round(peak_rss_mb(children=True), 1) if summary else None,
            "hit_share": {k: hits[k] / len(timings[k]) for k in QUERY_KINDS if timings[k]},
            "example_queries": {k: list(queries[k][:5]) for k in QUERY_KINDS},
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
