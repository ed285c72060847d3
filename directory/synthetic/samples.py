"""Reading samples back from a synthetic population: employees with their links, and
search queries known to hit.  From the database, so a benchmark can reuse one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from directory import types as t
from directory.models import Actor, Organisation, Relation
from directory.service import search_terms
from directory.synthetic.draw import REFERENCE_TIME

QUERY_KINDS = (
    "surname_prefix", "given_surname", "place_role", "organisation", "hpr", "org_number", "role_in_place", "typo",
)  # fmt: skip


@dataclass(frozen=True)
class EmployeeSample:
    employee_id: str
    employer_id: str  # organisation id
    manager_id: str
    gp_id: str
    nav_adviser_id: str | None = None


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
    health = [r for r in rows if r.hpr_number]
    out: dict[str, list[str]] = {k: [] for k in QUERY_KINDS}
    out["hpr"] = [r.hpr_number for r in rng.sample(health, min(per_kind, len(health)))]
    for _id, name, title, place, _hpr, org_name, org_number in picked:
        words = name.split()
        surname = search_terms(words[-1])[0]
        out["surname_prefix"].append(surname[: rng.randint(3, max(3, len(surname)))])
        out["given_surname"].append(f"{words[0]} {words[-1]}")
        out["place_role"].append(f"{place} {search_terms(title)[0]}")
        out["organisation"].append(org_name)
        if org_number:
            out["org_number"].append(org_number)
        # As people type: a role word, a stop word, a place ("psykolog i Bergen"); and a
        # surname with one letter left out, which only the typo correction finds.
        out["role_in_place"].append(f"{search_terms(title)[0]} i {place}")
        if len(surname) >= 5:
            cut = rng.randint(1, len(surname) - 2)
            out["typo"].append(f"{words[0]} {surname[:cut] + surname[cut + 1:]}")
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
