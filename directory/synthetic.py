"""Deterministic synthetic directories, for benchmarks and load tests.

One seeded ``random.Random`` draws everything, identifiers included, so a seed always
gives the same population: the same ids, names, numbers and relations.  Rows go in
with SQLAlchemy Core ``insert()`` executemany, ``BATCH`` rows per transaction.  On
SQLite the ``actor_fts`` search index is filled by the insert trigger on ``actor``.

Identifiers are valid but synthetic: national identity numbers use birth month + 80
(the convention of NAV's and Skatteetaten's test populations), so none can be a real
person's; organisation numbers carry a correct modulus-11 check digit.

This writes straight to the tables, past the service layer's checks.  It is for
throwaway databases only, never a database that holds real people.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, Table, insert, select

from directory import types as t
from directory.models import Actor, Organisation, Relation
from directory.service import search_terms, search_text_for

BATCH = 10_000
_T = TypeVar("_T")
REFERENCE_TIME = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""Default "now" of a population: every relation is active at this time."""

GIVEN = (
    "Ole Lars Jan Per Bjørn Kjell Knut Arne Svein Hans Geir Thomas Morten Tor Erik Terje "
    "Anders Martin Jon Rune Trond Andreas Espen Magnus Jonas Kristian Håkon Sindre Emil "
    "Mathias Henrik Øyvind Stian Vegard Even Sander Tobias Aksel Jakob Filip Ali Mohammed "
    "Piotr Tomasz Ahmad Eirik Gunnar Odd Asbjørn Leif Anne Inger Kari Marit Ingrid Liv Eva "
    "Berit Astrid Bjørg Hilde Anna Solveig Marianne Randi Ida Nina Maria Elisabeth Kristin "
    "Silje Camilla Ingeborg Tone Hanne Ellen Heidi Sofie Nora Emma Thea Ingvild Malin Julie "
    "Sara Maja Åse Gunn Turid Aisha Fatima Agnieszka Guro Synnøve Ragnhild Tuva Frida Mari"
).split()
SURNAMES = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
    "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
    "Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand "
    "Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie "
    "Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke Kristensen "
    "Fredriksen Holm Lien Hauge Christensen Andresen Nielsen Knudsen Evensen Sæther Aas "
    "Myhre Hanssen Ahmed Haugland Thomassen Sivertsen Simonsen Danielsen Berntsen Sandvik "
    "Rønning Arnesen Antonsen Næss Vik Haug Ellingsen Thorsen Edvardsen Birkeland Isaksen "
    "Gulbrandsen Ruud Aasen Strøm Myklebust Tangen Ødegård Eliassen Helland Bøe Jenssen "
    "Aune Mikkelsen Tveit Brekke Abrahamsen Madsen Khan Hussain Kowalski Nowak Grønvold"
).split()
PLACES = (
    "Oslo|Bergen|Trondheim|Stavanger|Bærum|Kristiansand|Drammen|Asker|Lillestrøm|Fredrikstad|"
    "Sandnes|Tromsø|Sarpsborg|Skien|Ålesund|Sandefjord|Nordre Follo|Larvik|Bodø|Arendal|"
    "Tønsberg|Indre Østfold|Karmøy|Ullensaker|Haugesund|Porsgrunn|Moss|Ringsaker|Lørenskog|"
    "Hamar|Halden|Kongsberg|Øygarden|Molde|Askøy|Gjøvik|Lillehammer|Horten|Harstad|Sola|"
    "Rana|Kristiansund|Elverum|Steinkjer|Stjørdal|Levanger|Alta|Narvik|Kongsvinger|Time|"
    "Holmestrand|Grimstad|Hammerfest|Vefsn|Bjørnafjorden|Alver|Voss|Sunnfjord|Vestby|"
    "Ringerike|Ski|Eidsvoll|Notodden|Verdal|Namsos|Orkland|Vadsø|Sør-Varanger|Lenvik|"
    "Senja|Brønnøy|Lyngdal|Flekkefjord|Mandal|Egersund|Stord|Odda|Førde|Florø|Ørsta|Volda|"
    "Sogndal|Tynset|Røros|Oppdal|Fauske|Sortland|Lofoten|Kautokeino|Båtsfjord|Tana"
).split("|")
_PLACE_WEIGHTS = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(len(PLACES))))
STREETS = "Storgata Kirkegata Torget Sentrum Strandgata Bryggen Parken Elvebakken Fjellvegen Stasjonsveien".split()
INDUSTRIES = "Bygg Transport Elektro Regnskap Eiendom Rør Maskin Data Handel Snekkeri Verksted Mat Renhold Logistikk".split()
WORDS = "Nordlys Fjord Kyst Polar Vestland Tind Havbris Furu Bjørk Granitt Måke Fjell".split()
DEPARTMENTS = (
    "Ortopedisk avdeling|Nevrologisk poliklinikk|Revmatologisk avdeling|Medisinsk klinikk|"
    "Klinikk for fysikalsk medisin og rehabilitering|Arbeidsmedisinsk avdeling"
).split("|")
FIELDS = "ortopedi|nevrologi|revmatologi|indremedisin|psykiatri|arbeidsmedisin|fysikalsk medisin".split("|")
EMPLOYEE_TITLES = (
    "Sykepleier|Lærer|Butikkmedarbeider|Ingeniør|Konsulent|Lagermedarbeider|Renholder|"
    "Saksbehandler|Elektriker|Tømrer|Sjåfør|Kokk|Helsefagarbeider|Selger|Regnskapsfører"
).split("|")
TITLES: dict[t.Role, tuple[str, ...]] = {
    t.Role.NEAREST_MANAGER: ("Avdelingsleder", "Teamleder", "Driftsleder", "Daglig leder", "Seksjonsleder", "Butikksjef"),
    t.Role.HR: ("HR-rådgiver", "HR-sjef", "Personalkonsulent"),
    t.Role.UNION_REPRESENTATIVE: ("Tillitsvalgt", "Hovedtillitsvalgt", "Klubbleder"),
    t.Role.GP: ("Fastlege", "Fastlege, spesialist i allmennmedisin", "Lege i spesialisering, allmennmedisin"),
    t.Role.LOCUM: ("Vikarlege", "Fastlegevikar"),
    t.Role.SPECIALIST: tuple(f"{p} {f}" for p in ("Overlege,", "Spesialist i") for f in FIELDS),
    t.Role.PSYCHOLOGIST: ("Psykolog", "Psykologspesialist", "Spesialist i klinisk psykologi"),
    t.Role.PHYSIOTHERAPIST: ("Fysioterapeut", "Manuellterapeut", "Spesialist i muskel- og skjelettfysioterapi"),
    t.Role.NAV_ADVISER: ("Veileder", "Veileder, sykefraværsoppfølging", "Rådgiver"),
    t.Role.IA_CONTACT: ("Rådgiver, inkluderende arbeidsliv", "IA-rådgiver"),
    t.Role.BHT_PHYSICIAN: ("Bedriftslege", "Bedriftslege, spesialist i arbeidsmedisin"),
    t.Role.BHT_NURSE: ("Bedriftssykepleier", "Sykepleier, bedriftshelsetjenesten"),
    t.Role.COORDINATOR: ("Koordinator", "Koordinator, Raskere tilbake", "Jobbspesialist"),
}

K = t.OrganisationKind
# (role, share of its group, organisation kinds it works at)
SPECIALIST_ROLES = (
    (t.Role.SPECIALIST, 0.55, (K.HOSPITAL_CLINIC, K.DISTRICT_PSYCHIATRIC_CENTRE)),
    (t.Role.PSYCHOLOGIST, 0.25, (K.DISTRICT_PSYCHIATRIC_CENTRE,)),
    (t.Role.PHYSIOTHERAPIST, 0.20, (K.REHABILITATION_PROGRAMME, K.HOSPITAL_CLINIC)),
)
OTHER_ROLES = (
    (t.Role.HR, 0.30, (K.EMPLOYER,)),
    (t.Role.UNION_REPRESENTATIVE, 0.15, (K.EMPLOYER,)),
    (t.Role.LOCUM, 0.10, (K.GP_OFFICE,)),
    (t.Role.IA_CONTACT, 0.05, (K.NAV_UNIT,)),
    (t.Role.BHT_PHYSICIAN, 0.10, (K.COMPANY_HEALTH_SERVICE,)),
    (t.Role.BHT_NURSE, 0.15, (K.COMPANY_HEALTH_SERVICE,)),
    (t.Role.COORDINATOR, 0.15, (K.REHABILITATION_PROGRAMME,)),
)
QUERY_KINDS = ("surname_prefix", "given_surname", "place_role", "organisation", "hpr", "org_number")


@dataclass(frozen=True)
class EmployeeSample:
    employee_id: str
    employer_id: str  # organisation id
    manager_id: str
    gp_id: str
    nav_adviser_id: str | None = None


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


class _Draw:
    """Every random choice of one population, from one seeded generator."""

    def __init__(self, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.used: set[str] = set()

    def id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def place(self) -> str:
        return self.rng.choices(PLACES, cum_weights=_PLACE_WEIGHTS)[0]

    def name(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (f" {r.choice(GIVEN)}" if r.random() < 0.2 else "")
        surname = r.choice(SURNAMES) + (f"-{r.choice(SURNAMES)}" if r.random() < 0.08 else "")
        return f"{given} {surname}"

    def past(self, min_days: float, max_days: float) -> datetime:
        return self.now - timedelta(seconds=int(self.rng.uniform(min_days, max_days) * 86400))

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value is not None and value not in self.used:
                self.used.add(value)
                return value

    def national_id(self) -> str:
        def make() -> str | None:
            year = self.rng.randint(1958, 2006)
            # Individual numbers 000-499 belong to 1900-1999 births, 500-999 to 2000-2039.
            ind = self.rng.randint(0, 499) if year < 2000 else self.rng.randint(500, 999)
            day, month = self.rng.randint(1, 28), self.rng.randint(1, 12) + 80
            return t.with_national_id_check_digits(f"{day:02d}{month:02d}{year % 100:02d}{ind:03d}")

        return self._unique(make)

    def org_number(self) -> str:
        return self._unique(lambda: t.with_org_number_check_digit(str(self.rng.randrange(80_000_000, 100_000_000))))

    def her_id(self) -> str:
        # Six digits, so a HER-id never equals a (seven-digit) HPR number.
        return self._unique(lambda: str(self.rng.randrange(100_000, 1_000_000)))

    def nav_unit_number(self) -> str:
        return self._unique(lambda: f"{self.rng.randrange(100, 10_000):04d}")

    def hpr_number(self) -> str:
        return self._unique(lambda: str(self.rng.randrange(1_000_000, 10_000_000)))


def _org_name(d: _Draw, kind: t.OrganisationKind, place: str) -> str:
    r = d.rng
    if kind is K.EMPLOYER:
        return r.choice((
            f"{r.choice(SURNAMES)} {r.choice(INDUSTRIES)} AS",
            f"{place} {r.choice(INDUSTRIES)} AS",
            f"{r.choice(WORDS)} {r.choice(INDUSTRIES)} ASA",
            f"{place} kommune",
        ))  # fmt: skip
    if kind is K.GP_OFFICE:
        return r.choice((f"{place} legesenter", f"{r.choice(STREETS)} legekontor {place}", f"Legene på {r.choice(STREETS)}"))
    if kind is K.NAV_UNIT:
        return f"NAV {place}" + (f" {r.choice(STREETS)}" if r.random() < 0.5 else "")
    if kind is K.COMPANY_HEALTH_SERVICE:
        return r.choice((f"{place} BHT", f"{r.choice(WORDS)} Bedriftshelsetjeneste AS"))
    if kind is K.HOSPITAL_CLINIC:
        return f"Sykehuset {place}, {r.choice(DEPARTMENTS)}"
    if kind is K.DISTRICT_PSYCHIATRIC_CENTRE:
        return r.choice((f"{place} DPS", f"DPS {place}"))
    return r.choice((f"{place} rehabiliteringssenter", f"Raskere tilbake {place}", f"{r.choice(WORDS)} Helsesportsenter"))


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


def _batched(items: Iterable[_T]) -> Iterator[list[_T]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, BATCH)):
        yield chunk


def _write(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert in batches, one transaction per batch (a WAL file the size of the whole
    database would otherwise build up before the first checkpoint)."""
    n = 0
    for chunk in _batched(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), chunk)
        n += len(chunk)
    return n


def _split(total: int, shares: Iterable[tuple[t.Role, float, tuple[K, ...]]]) -> list[tuple[t.Role, int, tuple[K, ...]]]:
    shares = list(shares)
    counts = [int(total * s) for _, s, _ in shares]
    counts[0] += total - sum(counts)
    return [(role, n, kinds) for (role, _, kinds), n in zip(shares, counts)]


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
        samples: how many employees and queries per kind to sample for the summary.

    Returns:
        The counts written, sampled employees with their manager, GP and NAV adviser,
        and search queries known to hit.
    """
    started = perf_counter()
    if min(managers, gps, specialists, nav_advisers) < 1 or employees < 0:
        raise ValueError("a population needs at least one manager, GP, specialist and NAV adviser")
    if others is None:
        others = (managers + gps + specialists + nav_advisers) // 10
    d = _Draw(seed, now)
    actors: Counter[str] = Counter()
    relations: Counter[str] = Counter()

    orgs: dict[K, list[_Org]] = {}
    org_rows = []
    for kind, n in _organisation_counts(employees, managers, gps, specialists, nav_advisers).items():
        orgs[kind] = []
        for _ in range(n):
            place = d.place()
            org = _Org(d.id(), kind.value, _org_name(d, kind, place), place)
            orgs[kind].append(org)
            org_rows.append({
                "id": org.id, "kind": org.kind, "name": org.name, "place": place, "parent_id": None,
                "org_number": d.org_number(),
                "her_id": d.her_id() if kind in (K.GP_OFFICE, K.HOSPITAL_CLINIC, K.DISTRICT_PSYCHIATRIC_CENTRE) else None,
                "nav_unit_number": d.nav_unit_number() if kind is K.NAV_UNIT else None,
                "created_at": d.past(365, 3650),
            })  # fmt: skip
    _write(engine, cast(Table, Organisation.__table__), org_rows)

    # Professionals first, so employees' relations can point at them.
    staff: dict[t.Role, list[str]] = {}
    staff_org: dict[str, _Org] = {}
    by_place: dict[t.Role, dict[str, list[str]]] = {}
    plan = [
        (t.Role.NEAREST_MANAGER, managers, (K.EMPLOYER,)),
        (t.Role.GP, gps, (K.GP_OFFICE,)),
        (t.Role.NAV_ADVISER, nav_advisers, (K.NAV_UNIT,)),
        *_split(specialists, SPECIALIST_ROLES),
        *_split(others, OTHER_ROLES),
    ]

    def professionals() -> Iterator[dict[str, Any]]:
        for role, n, kinds in plan:
            pool = [o for k in kinds for o in orgs[k]]
            ids = staff.setdefault(role, [])
            for i in range(n):
                # The first pass gives every organisation one person, then at random.
                org = pool[i] if i < len(pool) else d.rng.choice(pool)
                person = _Person(d.name(), d.rng.choice(TITLES[role]), org.place, role.value)
                actor_id = d.id()
                ids.append(actor_id)
                staff_org[actor_id] = org
                by_place.setdefault(role, {}).setdefault(org.place, []).append(actor_id)
                actors[role.value] += 1
                yield {
                    "id": actor_id, "name": person.name, "role": role.value, "title": person.title,
                    "organisation_id": org.id, "place": org.place, "oidc_subject": None,
                    "hpr_number": d.hpr_number() if role in t.HEALTH_PERSONNEL else None,
                    "national_id": d.national_id(),
                    "search_text": search_text_for(cast(Actor, person), cast(Organisation, org)),
                    "created_at": d.past(30, 3 * 365),
                }  # fmt: skip

    def member_of(actor_ids: Iterable[str], org_of) -> Iterator[dict[str, Any]]:
        for actor_id in actor_ids:
            relations[t.RelationKind.MEMBER_OF.value] += 1
            yield _relation(d, t.RelationKind.MEMBER_OF, actor_id, None, org_of(actor_id))

    _write(engine, cast(Table, Actor.__table__), professionals())
    _write(engine, cast(Table, Relation.__table__), member_of(staff_org, lambda a: staff_org[a].id))

    def near(role: t.Role, place: str, share: float) -> str:
        local = by_place[role].get(place)
        return d.rng.choice(local) if local and d.rng.random() < share else d.rng.choice(staff[role])

    sample_at = set(random.Random(f"{seed}:samples").sample(range(employees), min(samples, employees)))
    chosen: list[EmployeeSample] = []
    managers_ids, specialist_ids = staff[t.Role.NEAREST_MANAGER], staff[t.Role.SPECIALIST]
    employee_ids = (d.id() for _ in range(employees))
    for first, chunk in enumerate(_batched(employee_ids)):
        actor_rows, relation_rows = [], []
        for i, employee_id in enumerate(chunk, start=first * BATCH):
            manager = d.rng.choice(managers_ids)
            employer = staff_org[manager]
            gp = near(t.Role.GP, employer.place, 0.8)
            nav = near(t.Role.NAV_ADVISER, employer.place, 0.9) if d.rng.random() < 0.2 else None
            actor_rows.append({
                "id": employee_id, "name": d.name(), "role": t.Role.EMPLOYEE.value,
                "title": d.rng.choice(EMPLOYEE_TITLES), "organisation_id": employer.id,
                "place": employer.place, "hpr_number": None, "national_id": d.national_id(),
                "oidc_subject": None, "search_text": "", "created_at": d.past(30, 5 * 365),
            })  # fmt: skip
            links = [
                (t.RelationKind.MEMBER_OF, None, employer.id),
                (t.RelationKind.NEAREST_MANAGER_OF, manager, None),
                (t.RelationKind.GP_OF, gp, None),
            ]
            if nav is not None:
                links.append((t.RelationKind.NAV_ADVISER_FOR, nav, None))
            if d.rng.random() < 0.1:
                links.append((t.RelationKind.TREATING_CLINICIAN_OF, d.rng.choice(specialist_ids), None))
            for kind, source, org_id in links:
                relations[kind.value] += 1
                relation_rows.append(
                    _relation(d, kind, source or employee_id, None if org_id else employee_id, org_id)
                )
            if d.rng.random() < 0.03:  # a former manager: an ended relation the queries must skip
                relations[t.RelationKind.NEAREST_MANAGER_OF.value] += 1
                ended = _relation(d, t.RelationKind.NEAREST_MANAGER_OF, d.rng.choice(managers_ids), employee_id, None)
                ended["valid_to"] = d.past(1, 300)
                ended["valid_from"] = ended["valid_to"] - timedelta(days=d.rng.randint(60, 700))
                relation_rows.append(ended)
            if i in sample_at:
                chosen.append(EmployeeSample(employee_id, employer.id, manager, gp, nav))
        actors[t.Role.EMPLOYEE.value] += len(actor_rows)
        _write(engine, cast(Table, Actor.__table__), actor_rows)
        _write(engine, cast(Table, Relation.__table__), relation_rows)

    return PopulationSummary(
        seed=seed,
        reference_time=now,
        actors_by_role=dict(actors),
        organisations_by_kind={k.value: len(v) for k, v in orgs.items()},
        relations_by_kind=dict(relations),
        employees=tuple(chosen),
        queries=sample_queries(engine, per_kind=min(samples, 200), seed=seed),
        seconds=perf_counter() - started,
    )


def _relation(d: _Draw, kind: t.RelationKind, source: str, target: str | None, org_id: str | None) -> dict[str, Any]:
    return {
        "id": d.id(), "kind": kind.value, "from_actor_id": source, "to_actor_id": target,
        "organisation_id": org_id, "valid_from": d.past(1, 700), "valid_to": None,
    }  # fmt: skip


def sample_queries(engine: Engine, *, per_kind: int = 200, seed: int = 1) -> dict[str, tuple[str, ...]]:
    """Search queries that hit professionals in the database at ``engine``, by kind.

    Read back from the database (not remembered by the generator), so a benchmark can
    reuse a database generated earlier.
    """
    a, o = Actor.__table__.c, Organisation.__table__.c
    query = (
        select(a.id, a.name, a.title, a.place, a.hpr_number, o.name, o.org_number)
        .join_from(Actor.__table__, Organisation.__table__, a.organisation_id == o.id)
        .where(a.role != t.Role.EMPLOYEE.value)
        .order_by(a.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    rng = random.Random(f"{seed}:queries")
    picked = rng.sample(rows, min(per_kind, len(rows)))
    out: dict[str, list[str]] = {k: [] for k in QUERY_KINDS}
    for _id, name, title, place, hpr, org_name, org_number in picked:
        words = name.split()
        surname = search_terms(words[-1])[0]
        out["surname_prefix"].append(surname[: rng.randint(3, max(3, len(surname)))])
        out["given_surname"].append(f"{words[0]} {words[-1]}")
        out["place_role"].append(f"{place} {search_terms(title)[0]}")
        out["organisation"].append(org_name)
        if hpr:
            out["hpr"].append(hpr)
        if org_number:
            out["org_number"].append(org_number)
    return {k: tuple(v) for k, v in out.items()}


def sample_employees(engine: Engine, *, n: int, seed: int = 1, at: datetime = REFERENCE_TIME) -> list[EmployeeSample]:
    """``n`` employees drawn at random from the database, with their current manager,
    GP and (if any) NAV adviser."""
    a, r = Actor.__table__.c, Relation.__table__.c
    with engine.connect() as conn:
        ids = conn.execute(select(a.id, a.organisation_id).where(a.role == t.Role.EMPLOYEE.value).order_by(a.id)).all()
        picked = random.Random(f"{seed}:employees").sample(ids, min(n, len(ids)))
        out = []
        for employee_id, employer_id in picked:
            links = dict(
                conn.execute(
                    select(r.kind, r.from_actor_id).where(
                        r.to_actor_id == employee_id, r.valid_from <= at, r.valid_to.is_(None)
                    )
                ).all()
            )
            out.append(
                EmployeeSample(
                    employee_id,
                    employer_id,
                    links[t.RelationKind.NEAREST_MANAGER_OF.value],
                    links[t.RelationKind.GP_OF.value],
                    links.get(t.RelationKind.NAV_ADVISER_FOR.value),
                )
            )
    return out
