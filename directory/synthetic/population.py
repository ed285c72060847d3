"""Writing a synthetic population: organisations, professionals, employees, relations."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, Table, insert

from directory import types as t
from directory.models import Actor, Organisation, Relation, SearchPrefix
from directory.query import index_prefixes
from directory.service import search_text_for
from directory.synthetic.draw import REFERENCE_TIME, Draw, organisation_name
from directory.synthetic.samples import EmployeeSample, sample_queries
from directory.synthetic.vocabulary import EMPLOYEE_TITLES, OTHER_ROLES, SPECIALIST_ROLES, TITLES, K

BATCH = 10_000
_T = TypeVar("_T")
_ACTOR = cast(Table, Actor.__table__)
_SEARCH_PREFIX = cast(Table, SearchPrefix.__table__)
_ORGANISATION = cast(Table, Organisation.__table__)
_RELATION = cast(Table, Relation.__table__)


@dataclass(frozen=True)
class PopulationSummary:
    """Counts of what was written, and small samples for benchmarks and tests."""

    seed: int
    reference_time: datetime
    actors_by_role: dict[str, int]
    organisations_by_kind: dict[str, int]
    relations_by_kind: dict[str, int]
    employees: tuple[EmployeeSample, ...] = ()
    queries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> queries that hit
    seconds: float = 0.0

    @property
    def actors(self) -> int:
        return sum(self.actors_by_role.values())

    @property
    def organisations(self) -> int:
        return sum(self.organisations_by_kind.values())

    @property
    def relations(self) -> int:
        return sum(self.relations_by_kind.values())


@dataclass(slots=True)
class _Org:
    id: str
    kind: str
    name: str
    place: str


@dataclass(slots=True)
class _Person:
    # Has the attributes ``search_text_for`` reads, so the index text is computed by
    # the very function the service uses.
    name: str
    title: str
    place: str
    role: str


def _batched(items: Iterable[_T]) -> Iterator[list[_T]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, BATCH)):
        yield chunk


def write_rows(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` in batches of ``BATCH``, one transaction per batch (a WAL file
    the size of the whole database would otherwise build up before the first
    checkpoint).  Returns how many rows were written.

    SQLite gets Core ``insert()`` executemany.  PostgreSQL gets ``COPY ... FROM STDIN``
    (psycopg): one streamed command per batch instead of parsing and planning
    ``INSERT``s; values go through the columns' own bind processing first, so what is
    stored is what an ``insert()`` would have stored (``UTCDateTime`` makes timestamps
    naive UTC, for instance).
    Every row of one call must have the same keys.
    """
    copy = engine.dialect.name == "postgresql"
    n = 0
    for chunk in _batched(rows):
        with engine.begin() as conn:
            if copy:
                _copy(conn, table, chunk)
            else:
                conn.execute(insert(table), chunk)
        n += len(chunk)
    return n


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    from psycopg import sql  # PostgreSQL only; the SQLite path needs no psycopg

    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(conn.dialect) for name in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as out:
            for row in rows:
                out.write_row([
                    value if process is None else process(value)
                    for process, value in zip(processors, (row[name] for name in names))
                ])  # fmt: skip
    finally:
        cursor.close()


_Plan = list[tuple[t.Role, int, tuple[K, ...]]]  # role, how many, organisation kinds they work at
_HAS_HER_ID = (K.GP_OFFICE, K.HOSPITAL_CLINIC, K.DISTRICT_PSYCHIATRIC_CENTRE)


def _split(total: int, shares: Iterable[tuple[t.Role, float, tuple[K, ...]]]) -> _Plan:
    shares = list(shares)
    counts = [int(total * s) for _, s, _ in shares]
    counts[0] += total - sum(counts)
    return [(role, n, kinds) for (role, _, kinds), n in zip(shares, counts)]


def _organisation_counts(employees: int, managers: int, gps: int, specialists: int, navs: int) -> dict[K, int]:
    return {
        K.EMPLOYER: max(1, min(managers, employees // 30 or 1)),
        K.GP_OFFICE: max(1, gps // 4),
        K.NAV_UNIT: max(1, min(9_000, navs // 8)),
        K.COMPANY_HEALTH_SERVICE: max(1, employees // 1_500),
        K.HOSPITAL_CLINIC: max(1, specialists // 60),
        K.DISTRICT_PSYCHIATRIC_CENTRE: max(1, specialists // 250),
        K.REHABILITATION_PROGRAMME: max(1, specialists // 200),
    }


class _Builder:
    """Writes one population, remembering who works where for the employees' links."""

    def __init__(self, engine: Engine, draw: Draw):
        self.engine, self.d = engine, draw
        self.orgs: dict[K, list[_Org]] = {}
        self.staff: dict[t.Role, list[str]] = {}
        self.staff_org: dict[str, _Org] = {}
        self.by_place: dict[t.Role, dict[str, list[str]]] = {}
        self.actors: Counter[str] = Counter()
        self.relations: Counter[str] = Counter()

    def relation(self, kind: t.RelationKind, source: str, target: str | None, org_id: str | None) -> dict[str, Any]:
        self.relations[kind.value] += 1
        return {
            "id": self.d.id(), "kind": kind.value, "from_actor_id": source, "to_actor_id": target,
            "organisation_id": org_id, "valid_from": self.d.past(1, 700), "valid_to": None,
        }  # fmt: skip

    def organisations(self, counts: dict[K, int]) -> None:
        d, rows = self.d, []
        for kind, n in counts.items():
            self.orgs[kind] = []
            for _ in range(n):
                place = d.place()
                org = _Org(d.id(), kind.value, organisation_name(d, kind, place), place)
                self.orgs[kind].append(org)
                rows.append({
                    "id": org.id, "kind": org.kind, "name": org.name, "place": place, "parent_id": None,
                    "org_number": d.org_number(),
                    "her_id": d.her_id() if kind in _HAS_HER_ID else None,
                    "nav_unit_number": d.nav_unit_number() if kind is K.NAV_UNIT else None,
                    "created_at": d.past(365, 3650),
                })  # fmt: skip
        write_rows(self.engine, _ORGANISATION, rows)

    def professionals(self, plan: _Plan) -> None:
        """Everyone but the employees, each a member of one organisation of a fitting kind."""
        prefixes: set[str] = set()

        def rows() -> Iterator[dict[str, Any]]:
            for row in self._professional_rows(plan):
                prefixes.update(index_prefixes(row["search_text"]))
                yield row

        write_rows(self.engine, _ACTOR, rows())
        # What ``register_actor`` records one actor at a time (``store.add_prefixes``).
        write_rows(self.engine, _SEARCH_PREFIX, ({"prefix": p} for p in sorted(prefixes)))
        memberships = (
            self.relation(t.RelationKind.MEMBER_OF, actor_id, None, org.id) for actor_id, org in self.staff_org.items()
        )
        write_rows(self.engine, _RELATION, memberships)

    def _professional_rows(self, plan: _Plan) -> Iterator[dict[str, Any]]:
        d = self.d
        for role, n, kinds in plan:
            pool = [o for k in kinds for o in self.orgs[k]]
            ids = self.staff.setdefault(role, [])
            for i in range(n):
                # The first pass gives every organisation one person, then at random.
                org = pool[i] if i < len(pool) else d.rng.choice(pool)
                person = _Person(d.name(), d.rng.choice(TITLES[role]), org.place, role.value)
                actor_id = d.id()
                ids.append(actor_id)
                self.staff_org[actor_id] = org
                self.by_place.setdefault(role, {}).setdefault(org.place, []).append(actor_id)
                self.actors[role.value] += 1
                yield {
                    "id": actor_id, "name": person.name, "role": role.value, "title": person.title,
                    "organisation_id": org.id, "place": org.place, "oidc_subject": None,
                    "hpr_number": d.hpr_number() if role in t.HEALTH_PERSONNEL else None,
                    "national_id": d.national_id(),
                    "search_text": search_text_for(cast(Actor, person), cast(Organisation, org)),
                    "created_at": d.past(30, 3 * 365),
                }  # fmt: skip

    def employees(self, n: int, sample_at: set[int]) -> list[EmployeeSample]:
        """``n`` employees with their links; returns those whose index is in ``sample_at``."""
        chosen = []
        ids = (self.d.id() for _ in range(n))
        for first, chunk in enumerate(_batched(ids)):
            actor_rows: list[dict[str, Any]] = []
            relation_rows: list[dict[str, Any]] = []
            for i, employee_id in enumerate(chunk, start=first * BATCH):
                sample = self._employee(employee_id, actor_rows, relation_rows)
                if i in sample_at:
                    chosen.append(sample)
            self.actors[t.Role.EMPLOYEE.value] += len(actor_rows)
            write_rows(self.engine, _ACTOR, actor_rows)
            write_rows(self.engine, _RELATION, relation_rows)
        return chosen

    def _near(self, role: t.Role, place: str, share: float) -> str:
        local, rng = self.by_place[role].get(place), self.d.rng
        return rng.choice(local) if local and rng.random() < share else rng.choice(self.staff[role])

    def _employee(self, employee_id: str, actor_rows: list, relation_rows: list) -> EmployeeSample:
        d, R, managers = self.d, t.RelationKind, self.staff[t.Role.NEAREST_MANAGER]
        manager = d.rng.choice(managers)
        employer = self.staff_org[manager]
        gp = self._near(t.Role.GP, employer.place, 0.8)
        nav = self._near(t.Role.NAV_ADVISER, employer.place, 0.9) if d.rng.random() < 0.2 else None
        actor_rows.append({
            "id": employee_id, "name": d.name(), "role": t.Role.EMPLOYEE.value,
            "title": d.rng.choice(EMPLOYEE_TITLES), "organisation_id": employer.id,
            "place": employer.place, "hpr_number": None, "national_id": d.national_id(),
            "oidc_subject": None, "search_text": "", "created_at": d.past(30, 5 * 365),
        })  # fmt: skip
        links = [(R.MEMBER_OF, None, employer.id), (R.NEAREST_MANAGER_OF, manager, None), (R.GP_OF, gp, None)]
        if nav is not None:
            links.append((R.NAV_ADVISER_FOR, nav, None))
        if d.rng.random() < 0.1:
            links.append((R.TREATING_CLINICIAN_OF, d.rng.choice(self.staff[t.Role.SPECIALIST]), None))
        for kind, source, org_id in links:
            relation_rows.append(self.relation(kind, source or employee_id, None if org_id else employee_id, org_id))
        if d.rng.random() < 0.03:  # a former manager: an ended relation the queries must skip
            ended = self.relation(R.NEAREST_MANAGER_OF, d.rng.choice(managers), employee_id, None)
            ended["valid_to"] = d.past(1, 300)
            ended["valid_from"] = ended["valid_to"] - timedelta(days=d.rng.randint(60, 700))
            relation_rows.append(ended)
        return EmployeeSample(employee_id, employer.id, manager, gp, nav)


def generate_population(
    engine: Engine,
    *,
    employees: int = 300_000,
    managers: int = 50_000,
    gps: int = 5_000,
    specialists: int = 20_000,
    nav_advisers: int = 2_000,
    others: int | None = None,
    seed: int = 1,
    now: datetime = REFERENCE_TIME,
    samples: int = 1_000,
) -> PopulationSummary:
    """Write a synthetic directory into an empty, migrated database.

    Args:
        engine: where to write; each batch commits in its own ``engine.begin()``.
        employees: sick-listable employees (never in the search index).
        managers: nearest managers, spread over the employers.
        gps: GPs (fastleger), four to a GP office.
        specialists: treating clinicians in specialist care: specialists,
            psychologists and physiotherapists (55/25/20).
        nav_advisers: NAV advisers, about eight to a NAV unit.
        others: HR, union representatives, locums, IA contacts, BHT staff and
            coordinators; default a tenth of all other professionals.
        seed: the same seed gives the same population.
        now: every relation starts before this time and is active at it.
        samples: how many employees to sample for the summary (and queries per kind,
            up to 200).

    Returns:
        The counts written, sampled employees with their manager, GP and NAV adviser,
        and search queries known to hit.

    Raises:
        ValueError: no manager, GP, specialist or NAV adviser to link employees to.
    """
    started = perf_counter()
    if min(managers, gps, specialists, nav_advisers) < 1 or employees < 0:
        raise ValueError("a population needs at least one manager, GP, specialist and NAV adviser")
    if others is None:
        others = (managers + gps + specialists + nav_advisers) // 10
    build = _Builder(engine, Draw(seed, now))
    build.organisations(_organisation_counts(employees, managers, gps, specialists, nav_advisers))
    # Professionals first, so employees' relations can point at them.
    build.professionals([
        (t.Role.NEAREST_MANAGER, managers, (K.EMPLOYER,)),
        (t.Role.GP, gps, (K.GP_OFFICE,)),
        (t.Role.NAV_ADVISER, nav_advisers, (K.NAV_UNIT,)),
        *_split(specialists, SPECIALIST_ROLES),
        *_split(others, OTHER_ROLES),
    ])  # fmt: skip
    sample_at = set(random.Random(f"{seed}:samples").sample(range(employees), min(samples, employees)))
    chosen = build.employees(employees, sample_at)
    return PopulationSummary(
        seed=seed,
        reference_time=now,
        actors_by_role=dict(build.actors),
        organisations_by_kind={k.value: len(v) for k, v in build.orgs.items()},
        relations_by_kind=dict(build.relations),
        employees=tuple(chosen),
        queries=sample_queries(engine, per_kind=min(samples, 200), seed=seed),
        seconds=perf_counter() - started,
    )
