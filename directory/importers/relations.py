"""Relations from the registries: nearest managers (NAV's narmesteleder records) and
regular GPs (the fastlege register).  A relation is keyed by its triple (kind, from
actor, to actor): the newest relation of the triple is updated, else one is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from directory import query
from directory import types as t
from directory.importers.common import (
    CREATED,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    Context,
    Outcome,
    RowError,
    Writes,
    actors_by,
    day,
    end_of,
    full_name,
    get,
    identifier,
    national_id,
    newest_relations,
    orgs_by,
    search_text,
    start_of,
    text,
)


def _relate(writes: Writes, existing, kind: str, source: str, from_id: str, to_id: str,
            fom: date, tom: date | None) -> str:
    """Create or update the triple's relation; returns CREATED, UPDATED or UNCHANGED."""
    valid_from, valid_to = start_of(fom), end_of(tom)
    if existing is None:
        writes.add_relation(kind=kind, from_actor_id=from_id, to_actor_id=to_id, valid_from=valid_from,
                            valid_to=valid_to, source=source)
        return CREATED
    diff = {k: v for k, v in {"valid_from": valid_from, "valid_to": valid_to}.items() if getattr(existing, k) != v}
    if not diff:
        return UNCHANGED
    writes.relation_updates.append({"_id": existing.id, **diff})
    return UPDATED


def _period(record: dict, fom_path: str, tom_path: str) -> tuple[date, date | None]:
    fom = day(record, fom_path)
    tom = day(record, tom_path, required=False)
    if tom is not None and tom < fom:  # type: ignore[operator]
        raise RowError(f"{tom_path} is before {fom_path}")
    return fom, tom  # type: ignore[return-value]


# --- nearest managers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Manager:
    employee: str  # national ids
    org_number: str
    manager: str
    fom: date
    tom: date | None
    employee_name: str | None
    manager_name: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.employee, self.org_number, self.manager)


class Narmesteleder:
    name = "narmesteleder"
    columns = ("fnr", "orgnummer", "narmesteLederFnr", "aktivFom")

    def parse(self, record: dict) -> Manager:
        employee = national_id(record, "fnr")
        manager = national_id(record, "narmesteLederFnr")
        if employee == manager:
            raise RowError("the employee is named his own nearest manager")
        org_number = identifier(record, "orgnummer", t.parse_org_number)
        fom, tom = _period(record, "aktivFom", "aktivTom")
        manager_name = text(record, "narmesteLederNavn", required=False) or text(record, "navn", required=False)
        return Manager(employee, org_number, manager, fom, tom,  # type: ignore[arg-type]
                       text(record, "arbeidstakerNavn", required=False), manager_name)

    def apply(self, session: Session, rows: list[Manager], ctx: Context, writes: Writes) -> list[Outcome]:
        orgs = orgs_by(session, "org_number", [r.org_number for r in rows])
        employees = actors_by(session, "national_id", [r.employee for r in rows], roles=[t.Role.EMPLOYEE.value])
        managers = actors_by(session, "national_id", [r.manager for r in rows], roles=[t.Role.NEAREST_MANAGER.value])
        made: dict[tuple[str, str], str] = {}  # (role, national id) -> actor id made in this batch
        pairs: list[tuple[str | None, str | None]] = []
        problems: list[str | None] = []
        for r in rows:
            org = orgs.get(r.org_number, [None])[0]
            if org is None:
                problems.append(f"organisation {r.org_number} is not in samband (import enhetsregisteret first)")
                pairs.append((None, None))
                continue
            ids = []
            problem = None
            for role, nid, name, found in ((t.Role.NEAREST_MANAGER, r.manager, r.manager_name, managers),
                                           (t.Role.EMPLOYEE, r.employee, r.employee_name, employees)):
                if nid in found:
                    ids.append(found[nid][0].id)
                elif (role.value, nid) in made:
                    ids.append(made[(role.value, nid)])
                elif name:
                    made[(role.value, nid)] = writes.add_actor(name=name, role=role.value, org=org, national_id=nid)
                    ids.append(made[(role.value, nid)])
                else:
                    who = "the nearest manager" if role == t.Role.NEAREST_MANAGER else "the employee"
                    problem = (f"{who} ({t.mask_national_id(nid)}) is not in samband and the record has no name "
                               f"to create him by ({'narmesteLederNavn' if role == t.Role.NEAREST_MANAGER else 'arbeidstakerNavn'})")
                    break
            problems.append(problem)
            pairs.append((ids[0], ids[1]) if problem is None else (None, None))
        existing = newest_relations(session, t.RelationKind.NEAREST_MANAGER_OF.value, [p for p in pairs if p[0]])  # type: ignore[misc]
        out = []
        for r, (manager_id, employee_id), problem in zip(rows, pairs, problems):
            if problem:
                out.append(Outcome("rejected", reason=problem))
                continue
            kind = _relate(writes, existing.get((manager_id, employee_id)), t.RelationKind.NEAREST_MANAGER_OF.value,
                           self.name, manager_id, employee_id, r.fom, r.tom)  # type: ignore[arg-type]
            out.append(Outcome(kind, f"{kind[:-1] if kind != UNCHANGED else ''} nearest manager of "
                                     f"{t.mask_national_id(r.employee)} at {r.org_number}, {r.fom}..{r.tom or ''}"))
        return out


# --- regular GPs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GpListing:
    patient: str
    hpr_number: str
    fom: date
    tom: date | None
    gp_name: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.patient, self.hpr_number)


GP_ROLES = (t.Role.GP.value, t.Role.LOCUM.value)
DOCTOR_ROLES = (t.Role.GP.value, t.Role.LOCUM.value, t.Role.SPECIALIST.value)


class Fastlege:
    name = "fastlege"
    columns = ("pasientFnr", "hprNummer", "fom")

    def parse(self, record: dict) -> GpListing:
        patient = national_id(record, "pasientFnr")
        hpr = identifier(record, "hprNummer", t.parse_hpr_number)
        fom, tom = _period(record, "fom" if get(record, "fom") is not None else "pasientforhold.fom",
                           "tom" if get(record, "fom") is not None else "pasientforhold.tom")
        name = full_name(text(record, "fornavn", required=False, max_length=100),
                         text(record, "mellomnavn", required=False, max_length=100),
                         text(record, "etternavn", required=False, max_length=100)) or None
        return GpListing(patient, hpr, fom, tom, name)  # type: ignore[arg-type]

    def apply(self, session: Session, rows: list[GpListing], ctx: Context, writes: Writes) -> list[Outcome]:
        patients = actors_by(session, "national_id", [r.patient for r in rows], roles=[t.Role.EMPLOYEE.value])
        doctors = actors_by(session, "hpr_number", [r.hpr_number for r in rows], roles=DOCTOR_ROLES)
        gp_of: dict[str, str] = {}  # HPR number -> the GP actor's id
        for hpr, found in doctors.items():
            gps = [a for a in found if a.role in GP_ROLES]
            if gps:
                gp_of[hpr] = sorted(gps, key=lambda a: a.role != t.Role.GP.value)[0].id
            elif len(found) == 1:
                # HPR cannot tell a GP from other doctors; the GP register can.
                a = found[0]
                text_ = search_text(a.name, t.Role.GP.value, a.title, a.place, _org_of(session, a.organisation_id))
                writes.update_actor(a.id, role=t.Role.GP.value, search_text=text_)
                writes.prefixes |= query.index_prefixes(text_)
                gp_of[hpr] = a.id
        pairs, out = [], []
        problems: list[Outcome | None] = []
        for r in rows:
            patient = patients.get(r.patient)
            if not patient:
                problems.append(Outcome(SKIPPED, reason="the patient is not in samband"))
                pairs.append(None)
                continue
            gp = gp_of.get(r.hpr_number)
            if gp is None and r.gp_name:
                gp = gp_of[r.hpr_number] = writes.add_actor(name=r.gp_name, role=t.Role.GP.value, hpr_number=r.hpr_number)
            if gp is None:
                problems.append(Outcome("rejected", reason=f"no GP with HPR number {r.hpr_number} in samband and no "
                                        "name to create one by (import hpr first, or give fornavn/etternavn)"))
                pairs.append(None)
                continue
            problems.append(None)
            pairs.append((gp, patient[0].id))
        existing = newest_relations(session, t.RelationKind.GP_OF.value, [p for p in pairs if p])
        for r, pair, problem in zip(rows, pairs, problems):
            if problem is not None:
                out.append(problem)
                continue
            kind = _relate(writes, existing.get(pair), t.RelationKind.GP_OF.value, self.name, pair[0], pair[1],
                           r.fom, r.tom)
            out.append(Outcome(kind, f"GP {r.hpr_number} of {t.mask_national_id(r.patient)} from {r.fom}"))
        return out


def _org_of(session: Session, org_id: str | None):
    if org_id is None:
        return None
    from sqlalchemy import select

    from directory.importers.common import ORG

    return session.execute(select(ORG).where(ORG.c.id == org_id)).first()
