"""Organisations from the registries: Enhetsregisteret's units and sub-units, NORG2's NAV
units, and the address register's communication parties (organisations and the people
in them).  Each ``parse`` checks one record without the database; each ``apply`` writes
one batch of parsed rows and says what happened to each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from directory import query
from directory import types as t
from directory.columns import new_id
from directory.importers.common import (
    CREATED,
    RELATION,
    UNCHANGED,
    UPDATED,
    Context,
    Outcome,
    RowError,
    Skip,
    Writes,
    actors_by,
    full_name,
    get,
    identifier,
    orgs_by,
    place_name,
    search_text,
    text,
)

# --- Enhetsregisteret -------------------------------------------------------------------

SUB_UNIT_FORMS = {"BEDR", "AAFY"}  # organisasjonsform of an underenhet


@dataclass(frozen=True)
class Unit:
    org_number: str
    name: str
    form: str
    parent: str | None
    place: str

    @property
    def key(self) -> str:
        return self.org_number


class Enhetsregisteret:
    name = "enhetsregisteret"
    columns = ("organisasjonsnummer", "navn", "organisasjonsform.kode")

    def parse(self, record: dict) -> Unit:
        org_number = identifier(record, "organisasjonsnummer", t.parse_org_number)
        # ``{"kode": "AS", ...}`` in JSON, the column ``organisasjonsform.kode`` in CSV.
        form = text(record, "organisasjonsform.kode", max_length=10)
        parent = identifier(record, "overordnetEnhet", t.parse_org_number, required=False)
        if form in SUB_UNIT_FORMS and parent is None:
            raise RowError("a sub-unit (organisasjonsform BEDR/AAFY) needs overordnetEnhet")
        if parent == org_number:
            raise RowError("overordnetEnhet is the unit itself")
        address = "beliggenhetsadresse" if get(record, "beliggenhetsadresse.poststed") else "forretningsadresse"
        return Unit(org_number, text(record, "navn"), form, parent,  # type: ignore[arg-type]
                    place_name(text(record, f"{address}.poststed", required=False, max_length=100)))

    def apply(self, session: Session, rows: list[Unit], ctx: Context, writes: Writes) -> list[Outcome]:
        existing = orgs_by(session, "org_number", [r.org_number for r in rows])
        parents = orgs_by(session, "org_number", [r.parent for r in rows if r.parent])
        ids = {n: found[0].id for n, found in parents.items()}
        ids.update({n: found[0].id for n, found in existing.items()})
        new = {r.org_number: new_id() for r in rows if r.org_number not in existing}
        ids.update(new)
        out = []
        for r in rows:
            parent_id = ids.get(r.parent) if r.parent else None
            if r.parent and parent_id is None:
                ctx.pending_parents.append((int(r.org_number), int(r.parent)))
            if r.org_number in new:
                writes.add_org(id=new[r.org_number], kind=t.OrganisationKind.EMPLOYER.value, name=r.name,
                               org_number=r.org_number, place=r.place, parent_id=parent_id)
                out.append(Outcome(CREATED, f"create organisation {r.org_number} {r.name!r}"))
                continue
            changed = []
            for org in existing[r.org_number]:
                values = {"name": r.name, "place": r.place}
                if parent_id is not None:
                    values["parent_id"] = parent_id
                diff = {k: v for k, v in values.items() if getattr(org, k) != v}
                if diff:
                    writes.org_updates.append({"_id": org.id, **diff})
                    changed += [f"{k} {getattr(org, k)!r} -> {v!r}" for k, v in diff.items() if k != "parent_id"]
                    changed += ["parent" for k in diff if k == "parent_id"]
            out.append(Outcome(UPDATED, f"update organisation {r.org_number}: {', '.join(changed)}")
                       if changed else Outcome(UNCHANGED))
        return out


def resolve_pending_parents(session: Session, ctx: Context, batch: int) -> tuple[int, int]:
    """Sub-units read before their parent: link them now.  Returns (linked, still missing)."""
    linked = missing = 0
    pending, ctx.pending_parents = ctx.pending_parents, []
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        children = orgs_by(session, "org_number", [f"{c:09d}" for c, _ in chunk])
        parents = orgs_by(session, "org_number", [f"{p:09d}" for _, p in chunk])
        writes = Writes()
        for child, parent in chunk:
            found = parents.get(f"{parent:09d}")
            if not found:
                missing += 1
                continue
            for org in children.get(f"{child:09d}", []):
                if org.parent_id != found[0].id:
                    writes.org_updates.append({"_id": org.id, "parent_id": found[0].id})
            linked += 1
        writes.flush(session)
    return linked, missing


# --- NORG2 -------------------------------------------------------------------------------

NORG2_CLOSED = {"Nedlagt"}


@dataclass(frozen=True)
class NavUnit:
    number: str
    name: str

    @property
    def key(self) -> str:
        return self.number


class Norg2:
    name = "norg2"
    columns = ("enhetNr", "navn", "status")

    def parse(self, record: dict) -> NavUnit:
        if isinstance(record.get("enhet"), dict):  # /enhet/kontaktinformasjon/organisering/all wraps each unit
            record = record["enhet"]
        number = identifier(record, "enhetNr", t.parse_nav_unit_number)
        name = text(record, "navn")
        status = text(record, "status", max_length=40)
        if status in NORG2_CLOSED:
            raise Skip(f"NAV unit {number} is {status}")
        return NavUnit(number, name)  # type: ignore[arg-type]

    def apply(self, session: Session, rows: list[NavUnit], ctx: Context, writes: Writes) -> list[Outcome]:
        existing = orgs_by(session, "nav_unit_number", [r.number for r in rows])
        out = []
        for r in rows:
            if r.number not in existing:
                writes.add_org(kind=t.OrganisationKind.NAV_UNIT.value, name=r.name, nav_unit_number=r.number)
                out.append(Outcome(CREATED, f"create NAV unit {r.number} {r.name!r}"))
                continue
            stale = [o for o in existing[r.number] if o.name != r.name]
            for o in stale:
                writes.org_updates.append({"_id": o.id, "name": r.name})
            out.append(Outcome(UPDATED, f"update NAV unit {r.number}: name -> {r.name!r}") if stale else Outcome(UNCHANGED))
        return out


# --- the address register (Adresseregisteret, AR) ------------------------------------------

# What kind of organisation a communication party is, from words in its name (AR's own
# business-type codes are not in its public shape); ``kind`` in the record overrides.
KIND_WORDS = (
    (("bedriftshelse", "bht"), t.OrganisationKind.COMPANY_HEALTH_SERVICE),
    (("distriktspsykiatrisk", "dps"), t.OrganisationKind.DISTRICT_PSYCHIATRIC_CENTRE),
    (("rehabilitering",), t.OrganisationKind.REHABILITATION_PROGRAMME),
    (("sykehus", "klinikk", "poliklinikk", "helse "), t.OrganisationKind.HOSPITAL_CLINIC),
)


def kind_for(name: str) -> str:
    lowered = f"{name.lower()} "
    for words, kind in KIND_WORDS:
        if any(w in lowered.split() or (len(w) > 4 and w in lowered) for w in words):
            return kind.value
    return t.OrganisationKind.GP_OFFICE.value


@dataclass(frozen=True)
class Party:
    her_id: str
    type: str  # "Organization" | "Person"
    name: str
    parent_her_id: str | None
    org_number: str | None
    hpr_number: str | None
    kind: str | None

    @property
    def key(self) -> str:
        return self.her_id


class Adresseregisteret:
    name = "adresseregisteret"
    columns = ("herId", "type", "name")

    def parse(self, record: dict) -> Party:
        her_id = identifier(record, "herId", t.parse_her_id)
        kind_of_party = text(record, "type", max_length=40)
        if kind_of_party not in ("Organization", "Person", "Service"):
            raise RowError(f"type must be Organization, Person or Service, not {kind_of_party!r}")
        if kind_of_party == "Service":
            raise Skip(f"HER-id {her_id} is a service, not an organisation or a person")
        parent = identifier(record, "parentHerId", t.parse_her_id, required=False)
        name = text(record, "name", required=False) or full_name_of(record)
        if not name:
            raise RowError("name is missing")
        kind = text(record, "kind", required=False, max_length=40)
        if kind is not None and kind not in {k.value for k in t.OrganisationKind}:
            raise RowError(f"kind {kind!r} is not an organisation kind of samband")
        if kind_of_party == "Person":
            hpr = identifier(record, "hprNumber", t.parse_hpr_number, required=False)
            if hpr is None:
                raise RowError("a person needs hprNumber (the HPR number samband knows health personnel by)")
            if parent is None:
                raise RowError("a person in an organisation needs parentHerId")
            return Party(her_id, "Person", name, parent, None, hpr, None)
        org_number = identifier(record, "organizationNumber", t.parse_org_number, required=False)
        return Party(her_id, "Organization", name, parent, org_number, None, kind)

    def apply(self, session: Session, rows: list[Party], ctx: Context, writes: Writes) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        orgs = [(i, r) for i, r in enumerate(rows) if r.type == "Organization"]
        people = [(i, r) for i, r in enumerate(rows) if r.type == "Person"]
        by_her = orgs_by(session, "her_id", [r.her_id for _, r in orgs] + [r.parent_her_id for _, r in people if r.parent_her_id])
        by_number = orgs_by(session, "org_number", [r.org_number for _, r in orgs if r.org_number])
        known: dict[str, object] = {h: found[0] for h, found in by_her.items()}
        for i, r in orgs:
            kind = r.kind or kind_for(r.name)
            if r.her_id in by_her:
                org = by_her[r.her_id][0]
                # Enhetsregisteret owns the name of a unit with an organisation number: the
                # two registers' names differ, and each import would undo the other's.
                values = {"name": None if org.org_number else r.name, "kind": r.kind}
                diff = {k: v for k, v in values.items() if v is not None and getattr(org, k) != v}
                if diff:
                    writes.org_updates.append({"_id": org.id, **diff})
                outcomes[i] = Outcome(UPDATED, f"update HER-id {r.her_id}: {', '.join(diff)}") if diff else Outcome(UNCHANGED)
                continue
            # The same organisation from Enhetsregisteret, not yet known by its HER-id: give it one.
            same = [o for o in by_number.get(r.org_number or "", []) if o.her_id is None]
            if len(same) == 1:
                org = same[0]
                writes.org_updates.append({"_id": org.id, "her_id": r.her_id, "kind": kind})
                known[r.her_id] = _Org(org.id, org.name, org.place, kind)
                outcomes[i] = Outcome(UPDATED, f"give organisation {r.org_number} HER-id {r.her_id} ({kind})")
                continue
            org_id = writes.add_org(kind=kind, name=r.name, her_id=r.her_id, org_number=r.org_number)
            known[r.her_id] = _Org(org_id, r.name, "", kind)
            outcomes[i] = Outcome(CREATED, f"create {kind} HER-id {r.her_id} {r.name!r}")
        health = [role.value for role in t.HEALTH_PERSONNEL]
        actors = actors_by(session, "hpr_number", [r.hpr_number for _, r in people], roles=health)
        memberships = _memberships(session, [a.id for found in actors.values() for a in found])
        for i, r in people:
            org = known.get(r.parent_her_id)  # type: ignore[arg-type]
            if org is None:
                outcomes[i] = Outcome("rejected", reason=f"parentHerId {r.parent_her_id} is no organisation in samband "
                                      "(import its communication party first)")
                continue
            found = actors.get(r.hpr_number)  # type: ignore[arg-type]
            if not found:
                outcomes[i] = Outcome("rejected", reason=f"no health personnel with HPR number {r.hpr_number} in samband "
                                      "(import hpr first)")
                continue
            changed = []
            for actor in found:
                values: dict = {}
                if actor.her_id != r.her_id:
                    values["her_id"] = r.her_id
                if actor.organisation_id is None:
                    values["organisation_id"] = org.id
                    values["place"] = actor.place or org.place
                    values["search_text"] = search_text(actor.name, actor.role, actor.title, values["place"], org)
                    writes.prefixes |= query.index_prefixes(values["search_text"])
                if values:
                    writes.update_actor(actor.id, **values)
                    changed.append(actor.id)
                if (actor.id, org.id) not in memberships:
                    writes.add_relation(kind=t.RelationKind.MEMBER_OF.value, from_actor_id=actor.id,
                                        organisation_id=org.id, source=self.name)
                    memberships.add((actor.id, org.id))
                    changed.append(actor.id)
            outcomes[i] = Outcome(UPDATED, f"HPR {r.hpr_number} gets HER-id {r.her_id} at {r.parent_her_id}") \
                if changed else Outcome(UNCHANGED)
        return [outcomes[i] for i in range(len(rows))]


@dataclass(frozen=True)
class _Org:
    id: str
    name: str
    place: str
    kind: str


def _memberships(session: Session, actor_ids: list[str]) -> set[tuple[str, str]]:
    if not actor_ids:
        return set()
    rows = session.execute(select(RELATION.c.from_actor_id, RELATION.c.organisation_id).where(
        RELATION.c.kind == t.RelationKind.MEMBER_OF.value, RELATION.c.from_actor_id.in_(actor_ids),
        RELATION.c.valid_to.is_(None))).all()
    return {(a, o) for a, o in rows}


def full_name_of(record: dict) -> str:
    return full_name(text(record, "firstName", required=False), text(record, "middleName", required=False),
                     text(record, "lastName", required=False))
