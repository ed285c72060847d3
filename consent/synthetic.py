"""Deterministic synthetic consent histories over a synthetic directory.

Writes ``granted`` events, with the payload ``ConsentService.grant`` writes, and
``revoked`` events for about a tenth of them, straight into ``consent_event``
(``directory.synthetic.write_rows``: batched inserts on SQLite, ``COPY`` on
PostgreSQL).  Events go in in time order across all subjects, as a live system would
write them, so one subject's events are scattered through the table rather than
stored side by side.

No disclosure-log rows are written (the log is a hash chain; a benchmark starts it
empty).  For throwaway databases only.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any, cast

from sqlalchemy import Engine, Table, select

from consent.models import ConsentEvent
from consent.service import MAX_GRANT_DAYS, EventKind, _dump
from consent.types import Category as C
from consent.types import Direction, PartyKind
from consent.types import Purpose as P
from directory.models import Actor, Relation
from directory.synthetic import PopulationSummary, write_rows
from directory.types import CaseRole, RelationKind, Role

# What an employee typically lets each side see, and why.
_EMPLOYER_SIDE = (
    (C.SICK_LEAVE, C.FUNCTIONAL_ABILITY, C.WORK_TASKS, C.FOLLOW_UP_PLAN, C.TREATMENT_STATUS, C.PSYCHOSOCIAL),
    (P.WORKPLACE_ADAPTATION, P.FOLLOW_UP_PLAN, P.DIALOGUE_MEETING),
)
_CLINICAL_SIDE = (
    (C.WORK_TASKS, C.FOLLOW_UP_PLAN, C.PSYCHOSOCIAL, C.FUNCTIONAL_ABILITY, C.SICK_LEAVE),
    (P.TREATMENT_COORDINATION, P.FOLLOW_UP_PLAN, P.DIALOGUE_MEETING),
)
_NAV_SIDE = (
    (C.FUNCTIONAL_ABILITY, C.FOLLOW_UP_PLAN, C.TREATMENT_STATUS, C.SPECIALIST_STATEMENT, C.DIAGNOSIS, C.SICK_LEAVE),
    (P.NAV_BENEFIT_ASSESSMENT, P.DIALOGUE_MEETING, P.FOLLOW_UP_PLAN),
)
_RELATION_KINDS = {
    RelationKind.NEAREST_MANAGER_OF.value: "manager",
    RelationKind.GP_OF.value: "gp",
    RelationKind.NAV_ADVISER_FOR.value: "nav",
    RelationKind.TREATING_CLINICIAN_OF.value: "clinician",
}


@dataclass(frozen=True)
class GrantSummary:
    grants: int
    revocations: int
    subjects: int  # employees with at least one grant
    most_events_per_subject: int
    seconds: float


def _people(engine: Engine, at: datetime) -> tuple[list[str], dict[str, str], dict[str, dict[str, str]]]:
    """Employees (sorted), their employer, and their current manager / GP / ... by kind."""
    a, r = Actor.__table__.c, Relation.__table__.c
    links: dict[str, dict[str, str]] = defaultdict(dict)
    with engine.connect() as conn:
        employees = conn.execute(
            select(a.id, a.organisation_id).where(a.role == Role.EMPLOYEE.value).order_by(a.id)
        ).all()
        rows = conn.execute(
            select(r.to_actor_id, r.kind, r.from_actor_id)
            .where(r.kind.in_(list(_RELATION_KINDS)), r.valid_from <= at, r.valid_to.is_(None))
            .order_by(r.to_actor_id, r.kind, r.from_actor_id)
        )
        for employee_id, kind, source in rows:
            links[employee_id][_RELATION_KINDS[kind]] = source
    return [e for e, _ in employees], {e: o for e, o in employees if o}, links


def _party(kind: PartyKind, value: str) -> dict[str, str]:
    return {"kind": kind.value, "value": value}


def _grant_payload(
    rng: random.Random, employer: str | None, links: dict[str, str], valid_from: datetime, valid_to: datetime
) -> dict[str, Any]:
    """One grant, shaped exactly as ``ConsentService.grant`` records it."""
    options: list[tuple[dict[str, str], tuple, str | None]] = []
    if "manager" in links:
        options += [(_party(PartyKind.PERSON, links["manager"]), _EMPLOYER_SIDE, links.get("gp"))] * 3
        options.append((_party(PartyKind.ROLE, CaseRole.NEAREST_MANAGER.value), _EMPLOYER_SIDE, links.get("gp")))
    if "gp" in links:
        options += [(_party(PartyKind.PERSON, links["gp"]), _CLINICAL_SIDE, links.get("manager"))] * 2
        options.append((_party(PartyKind.ROLE, CaseRole.GP.value), _CLINICAL_SIDE, links.get("manager")))
    if "nav" in links:
        options.append((_party(PartyKind.PERSON, links["nav"]), _NAV_SIDE, links.get("gp")))
    options.append((_party(PartyKind.ROLE, CaseRole.NAV_ADVISER.value), _NAV_SIDE, links.get("gp")))
    if "clinician" in links:
        options.append((_party(PartyKind.PERSON, links["clinician"]), _CLINICAL_SIDE, links.get("gp")))
    if employer:
        options.append((_party(PartyKind.ORGANISATION, employer), _EMPLOYER_SIDE, None))
    recipient, (categories, purposes), counterpart = rng.choice(options)
    discloser, direction = None, Direction.ONE_WAY
    roll = rng.random()
    if counterpart is not None and roll < 0.2:
        discloser = _party(PartyKind.PERSON, counterpart)
        direction = Direction.BOTH if roll < 0.05 else Direction.ONE_WAY
    return {
        "recipient": recipient,
        "discloser": discloser,
        "direction": direction.value,
        "categories": sorted(c.value for c in rng.sample(categories, rng.randint(1, 4))),
        "purposes": sorted(p.value for p in rng.sample(purposes, rng.randint(1, 2))),
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat(),
        "case_id": None,
        "request_id": None,
    }


def generate_grants(
    engine: Engine, summary: PopulationSummary, *, grants: int = 1_000_000, revoked_share: float = 0.10, seed: int = 1
) -> GrantSummary:
    """Write ``grants`` consent grants spread at random over the directory's employees.

    Subjects are drawn with replacement, so the number of grants per employee follows
    roughly a Poisson distribution around ``grants / employees``.  Recipients are the
    employee's own manager, GP, NAV adviser or treating clinician (as persons), a case
    role ("my GP"), or their employer organisation.  Grants were given within the 240
    days before ``summary.reference_time``, last 14 to 366 days, one in ten starts
    later than it was given; so a mix is active, scheduled, expired and revoked.

    Args:
        engine: a database holding a population from ``generate_population``.
        summary: that population's summary (for its reference time).
        grants: how many ``granted`` events to write.
        revoked_share: the share of grants that are later revoked.
        seed: the same seed over the same population gives the same events.
    """
    started = perf_counter()
    rng = random.Random(f"{seed}:grants")
    now = summary.reference_time
    employees, employer_of, links = _people(engine, now)
    if not employees:
        raise ValueError("the directory has no employees to give consent")

    # (recorded_at, order, subject, kind, grant id, payload) built first and written in
    # time order; the order number keeps each grant's events in their causal order.
    events: list[tuple[datetime, int, str, str, str, str]] = []
    per_subject: dict[str, int] = defaultdict(int)
    for n in range(grants):
        subject = rng.choice(employees)
        granted_at = now - timedelta(seconds=rng.randrange(1, 240 * 86_400))
        valid_from = granted_at + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.1 else granted_at
        valid_to = valid_from + timedelta(days=rng.randint(14, MAX_GRANT_DAYS))  # the service's limit
        payload = _grant_payload(rng, employer_of.get(subject), links.get(subject, {}), valid_from, valid_to)
        grant_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        events.append((granted_at, 2 * n, subject, EventKind.GRANTED, grant_id, _dump(payload)))
        per_subject[subject] += 1
        if rng.random() < revoked_share:
            revoked_at = granted_at + timedelta(seconds=rng.randint(1, int((now - granted_at).total_seconds())))
            events.append((revoked_at, 2 * n + 1, subject, EventKind.REVOKED, grant_id, _dump({})))
            per_subject[subject] += 1
    events.sort(key=lambda e: (e[0], e[1]))

    rows = (
        {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "subject_id": subject,
            "kind": kind, "target_id": target, "payload": payload, "recorded_by": subject,
            "recorded_at": recorded_at,
        }  # fmt: skip
        for recorded_at, _, subject, kind, target, payload in events
    )
    write_rows(engine, cast(Table, ConsentEvent.__table__), rows)  # in time order, so seq follows time
    return GrantSummary(
        grants=grants,
        revocations=sum(1 for e in events if e[3] == EventKind.REVOKED),
        subjects=len(per_subject),
        most_events_per_subject=max(per_subject.values(), default=0),
        seconds=perf_counter() - started,
    )
