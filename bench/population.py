"""The benchmarks' one synthetic population, and its exact counts read back.

``NORWAY`` is the issue's Norway-scale population: 300 000 employees, 50 000 nearest
managers, 5 000 GPs, 20 000 specialists and therapists (specialists, psychologists,
physiotherapists), 2 000 NAV advisers in 250 NAV units, and 1 000 000 consent grants
(plus a tenth as many revocations).  ``directory.synthetic.generate_population`` adds
a tenth as many other professionals (HR, union representatives, BHT staff, ...),
7 700, so 384 700 actors in all.  ``bench_consent`` and ``bench_search`` generate the
same database for the same sizes and seed, so one kept database (``--db-path``)
serves both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from time import perf_counter

from sqlalchemy import Engine, func, select

NORWAY = dict(employees=300_000, managers=50_000, gps=5_000, specialists=20_000, nav_advisers=2_000, grants=1_000_000)
SMALL = {k: v // 20 for k, v in NORWAY.items()}  # 19 235 actors, 50 000 grants
QUICK = {k: v // 150 for k, v in NORWAY.items()}  # ~2 560 actors, 6 666 grants: a smoke check


def scaled(actors: int) -> dict[str, int]:
    """``NORWAY``'s proportions, grants included, for about ``actors`` actors in all
    (the generator adds the other professionals: a tenth of the professionals)."""
    people = {k: v for k, v in NORWAY.items() if k != "grants"}
    total = sum(people.values()) + sum(v for k, v in people.items() if k != "employees") // 10
    return {k: max(1, round(v * actors / total)) for k, v in NORWAY.items()}


def generate(url: str, sizes: dict, seed: int) -> dict:
    """Migrate the empty database at ``url`` and write the population and its grants.

    Meant to run in a child process (``harness.prepare_database``), so the
    generator's memory is not the benchmark's.  Returns plain data for the results.
    """
    from consent.synthetic import generate_grants
    from directory.synthetic import generate_population
    from web.database import make_engine, migrate

    started = perf_counter()
    migrate(url)
    engine = make_engine(url)
    people = {k: v for k, v in sizes.items() if k != "grants"}
    population = generate_population(engine, seed=seed, **people)
    grants = generate_grants(engine, population, grants=sizes.get("grants", 0), seed=seed) if sizes.get("grants") else None
    engine.dispose()
    return {
        "seconds": perf_counter() - started,
        "directory_seconds": population.seconds,
        "grants_seconds": grants.seconds if grants else 0.0,
        "reference_time": population.reference_time,
        "grants": asdict(grants) if grants else None,
    }


def counts(engine: Engine) -> dict:
    """What the database holds, counted: actors by role, organisations by kind,
    relations by kind (active or ended), consent events by kind, and the totals."""
    from consent.models import ConsentEvent
    from directory.models import Actor, Organisation, Relation

    def by(column) -> dict[str, int]:
        with engine.connect() as conn:
            rows = conn.execute(select(column, func.count()).group_by(column)).all()
        return dict(sorted(((str(k), int(n)) for k, n in rows), key=lambda kv: -kv[1]))

    actors = by(Actor.__table__.c.role)
    events = by(ConsentEvent.__table__.c.kind)
    with engine.connect() as conn:
        subjects = conn.execute(select(func.count(func.distinct(ConsentEvent.__table__.c.subject_id)))).scalar_one()
    roles = Counter(actors)
    return {
        "actors": sum(actors.values()),
        "employees": roles["employee"],
        "nearest_managers": roles["nearest_manager"],
        "gps": roles["gp"],
        "specialists_and_therapists": roles["specialist"] + roles["psychologist"] + roles["physiotherapist"],
        "nav_advisers": roles["nav_adviser"],
        "nav_units": by(Organisation.__table__.c.kind).get("nav_unit", 0),
        "grants": events.get("granted", 0),
        "revocations": events.get("revoked", 0),
        "subjects_with_consent_events": int(subjects),
        "actors_by_role": actors,
        "organisations_by_kind": by(Organisation.__table__.c.kind),
        "relations_by_kind": by(Relation.__table__.c.kind),
        "consent_events_by_kind": events,
    }


def describe(c: dict) -> str:
    """One line of the counts for a printed summary."""
    return (
        f"population: {c['actors']:,} actors = {c['employees']:,} employees, {c['nearest_managers']:,} managers, "
        f"{c['gps']:,} GPs, {c['specialists_and_therapists']:,} specialists and therapists, "
        f"{c['nav_advisers']:,} NAV advisers in {c['nav_units']:,} NAV units, "
        f"{c['actors'] - c['employees'] - c['nearest_managers'] - c['gps'] - c['specialists_and_therapists'] - c['nav_advisers']:,} "
        f"others; {sum(c['organisations_by_kind'].values()):,} organisations, "
        f"{sum(c['relations_by_kind'].values()):,} relations; "
        f"{c['grants']:,} grants + {c['revocations']:,} revocations over {c['subjects_with_consent_events']:,} employees"
    )


def describe_generation(generated: dict | None, generator_peak_rss_mb: float) -> str:
    """One line on how the database came to be, for a printed summary."""
    if not generated:
        return "generation: none, a kept database was reused"
    vacuum = generated.get("vacuum_analyze_seconds")
    return (
        f"generation: {generated['seconds']:.1f} s (directory {generated['directory_seconds']:.1f} s, grants "
        f"{generated['grants_seconds']:.1f} s{'' if vacuum is None else f', then VACUUM ANALYZE {vacuum:.1f} s'}), "
        f"generator peak RSS {generator_peak_rss_mb:,.0f} MiB"
    )
