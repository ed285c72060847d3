"""Provisioning: operators create and change organisations, people and relations, and
name nearest managers, without SQL (``samband admin …`` and the ``/admin`` API).

Every change writes one ``directory_change`` row in the same transaction as the change
itself (detail: the changed fields, old -> new, national ids masked), so the audit
trail and the directory never disagree.  Each function commits once, or raises and
writes nothing.  The single rules (which kinds need which registry id, health
personnel need an HPR number) stay in ``directory.service``; this module adds the
checks an operator needs on top: duplicates, references by registry id, updates.

Disputes: an employee who says "that is not my manager" sets ``Relation.disputed_at``
(``dispute_relation``); a disputed relation gives no case role
(``directory.store``), until an operator ends it or names another manager
(docs/decisions/0015-provisioning.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import or_
from sqlmodel import Session, col, select

from directory import query, service, store
from directory import types as t
from directory.columns import utcnow
from directory.errors import ActorNotFound, Conflict, Forbidden, InvalidInput, NotFound, OrganisationNotFound
from directory.models import Actor, DirectoryChange, IdentityLink, Organisation, Relation
from directory.schemas import ActorCreate, OrganisationCreate

AUDIT_LIMIT_MAX = 500

# Roles whose people must carry the registry id they sign in by.
_NEEDS = {
    **{role: ("hpr_number", "is health personnel and needs an HPR number") for role in t.HEALTH_PERSONNEL},
    **{role: ("nav_ident", "works at NAV and needs a NAV ident (e.g. Z123456)") for role in t.NAV_ROLES},
    t.Role.EMPLOYEE: ("national_id", "needs a national identity number: it is what he signs in by"),
}
# Relations that say who someone is *for an employee*: the employee may confirm or dispute them.
CONFIRMABLE = frozenset({t.RelationKind.NEAREST_MANAGER_OF, t.RelationKind.GP_OF})


@dataclass(frozen=True)
class By:
    """Who makes a change: an operator actor (API) or a label (``cli:ops``, ``import:hpr``)."""

    label: str
    actor_id: str | None = None


# --- input shapes ------------------------------------------------------------------------


class OrganisationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    place: str | None = Field(default=None, max_length=100)
    org_number: str | None = None
    her_id: str | None = None
    nav_unit_number: str | None = None
    parent_id: str | None = None

    _org = field_validator("org_number")(lambda v: None if v is None else t.parse_org_number(v))
    _her = field_validator("her_id")(lambda v: None if v is None else t.parse_her_id(v))
    _nav = field_validator("nav_unit_number")(lambda v: None if v is None else t.parse_nav_unit_number(v))


class ActorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    place: str | None = Field(default=None, max_length=100)
    organisation_id: str | None = None
    hpr_number: str | None = None
    national_id: str | None = None
    nav_ident: str | None = None
    her_id: str | None = None

    _hpr = field_validator("hpr_number")(lambda v: None if v is None else t.parse_hpr_number(v))
    _nid = field_validator("national_id")(lambda v: None if v is None else t.parse_national_id(v))
    _nav = field_validator("nav_ident")(lambda v: None if v is None else t.parse_nav_ident(v))
    _her = field_validator("her_id")(lambda v: None if v is None else t.parse_her_id(v))


class RelationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: t.RelationKind
    from_actor: str = Field(min_length=1, max_length=60, description="actor id, or nid:/hpr:/nav: reference")
    to_actor: str | None = Field(default=None, max_length=60, description="actor id or reference")
    organisation: str | None = Field(default=None, max_length=60, description="organisation id, or org:/her:/nav-unit:")


class ManagerSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee: str = Field(min_length=1, max_length=60, description="actor id, or nid:/hpr:/nav: reference")
    manager: str = Field(min_length=1, max_length=60, description="actor id, or nid:/hpr:/nav: reference")


# --- output -------------------------------------------------------------------------------


def organisation_record(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.id, "kind": org.kind, "name": org.name, "org_number": org.org_number, "her_id": org.her_id,
        "nav_unit_number": org.nav_unit_number, "place": org.place, "parent_id": org.parent_id,
    }


def actor_record(actor: Actor) -> dict[str, Any]:
    """An actor as the operator sees it: the national id masked, never in full."""
    return {
        "id": actor.id, "name": actor.name, "role": actor.role, "title": actor.title, "place": actor.place,
        "organisation_id": actor.organisation_id, "hpr_number": actor.hpr_number,
        "national_id_masked": t.mask_national_id(actor.national_id) if actor.national_id else None,
        "nav_ident": actor.nav_ident, "her_id": actor.her_id,
    }


def relation_record(rel: Relation) -> dict[str, Any]:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "id": rel.id, "kind": rel.kind, "from_actor_id": rel.from_actor_id, "to_actor_id": rel.to_actor_id,
        "organisation_id": rel.organisation_id, "valid_from": iso(rel.valid_from), "valid_to": iso(rel.valid_to),
        "source": rel.source, "confirmed_at": iso(rel.confirmed_at), "disputed_at": iso(rel.disputed_at),
    }


def change_record(row: DirectoryChange) -> dict[str, Any]:
    return {
        "id": row.id, "at": row.at.isoformat(), "by_actor_id": row.by_actor_id, "by_label": row.by_label,
        "action": row.action, "target_type": row.target_type, "target_id": row.target_id,
        "detail": json.loads(row.detail),
    }


# --- references ---------------------------------------------------------------------------


def resolve_actor(session: Session, ref: str) -> Actor:
    """An actor by id, or by ``nid:<11 digits>``, ``hpr:<number>``, ``nav:<ident>``."""
    prefixes = {"nid:": ("national_id", t.parse_national_id), "hpr:": ("hpr_number", t.parse_hpr_number),
                "nav:": ("nav_ident", t.parse_nav_ident)}
    for prefix, (field, parse) in prefixes.items():
        if ref.startswith(prefix):
            try:
                value = parse(ref[len(prefix):])
            except ValueError as exc:
                raise InvalidInput(f"{prefix[:-1]} reference: {exc}") from None
            found = session.exec(select(Actor).where(getattr(Actor, field) == value)).all()
            shown = "nid:" + t.mask_national_id(value) if field == "national_id" else ref
            if not found:
                raise ActorNotFound(f"no person with {shown}")
            if len(found) > 1:
                raise Conflict(f"{len(found)} people have {shown} (one person in several roles): use the actor id")
            return found[0]
    actor = store.get_actor(session=session, actor_id=ref)
    if actor is None:
        raise ActorNotFound(f"no person with id {ref} (or use nid:, hpr: or nav: and the number)")
    return actor


def resolve_organisation(session: Session, ref: str) -> Organisation:
    """An organisation by id, or by ``org:<9 digits>``, ``her:<id>``, ``nav-unit:<4 digits>``."""
    prefixes = {"org:": ("org_number", t.parse_org_number), "her:": ("her_id", t.parse_her_id),
                "nav-unit:": ("nav_unit_number", t.parse_nav_unit_number)}
    for prefix, (field, parse) in prefixes.items():
        if ref.startswith(prefix):
            try:
                value = parse(ref[len(prefix):])
            except ValueError as exc:
                raise InvalidInput(f"{prefix[:-1]} reference: {exc}") from None
            found = session.exec(select(Organisation).where(getattr(Organisation, field) == value)).first()
            if found is None:
                raise OrganisationNotFound(f"no organisation with {ref}")
            return found
    org = store.get_organisation(session=session, organisation_id=ref)
    if org is None:
        raise OrganisationNotFound(f"no organisation with id {ref} (or use org:, her: or nav-unit: and the number)")
    return org


# --- the audit trail ----------------------------------------------------------------------


def _shown(field: str, value: Any) -> Any:
    if field == "national_id" and value:
        return t.mask_national_id(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def record(session: Session, by: By, action: str, target_type: str, target_id: str, detail: dict[str, Any]) -> None:
    """One audit row; ``detail`` maps a field to ``[old, new]`` (national ids masked here)."""
    masked = {k: [_shown(k, v) for v in pair] if isinstance(pair, list) else _shown(k, pair)
              for k, pair in detail.items()}
    session.add(DirectoryChange(by_actor_id=by.actor_id, by_label=by.label[:100], action=action,
                                target_type=target_type, target_id=target_id,
                                detail=json.dumps(masked, ensure_ascii=False, sort_keys=True)))


def _created(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: [None, v] for k, v in fields.items() if v not in (None, "")}


# --- organisations ------------------------------------------------------------------------


def _unique_org(session: Session, values: dict[str, str | None], *, other_than: str | None = None) -> None:
    names = {"org_number": "organisation number", "her_id": "HER-id", "nav_unit_number": "NAV unit number"}
    for field, value in values.items():
        if field in names and value:
            found = session.exec(select(Organisation).where(getattr(Organisation, field) == value)).first()
            if found is not None and found.id != other_than:
                raise Conflict(f"{names[field]} {value} is already {found.name} ({found.id})", code="DUPLICATE")


def create_organisation(session: Session, by: By, data: OrganisationCreate) -> Organisation:
    _unique_org(session, data.model_dump())
    org = service.create_organisation(session, data, commit=False)
    record(session, by, "create", "organisation", org.id, _created(organisation_record(org) | {"id": None}))
    session.commit()
    return org


def update_organisation(session: Session, by: By, ref: str, data: OrganisationUpdate) -> Organisation:
    org = resolve_organisation(session, ref)
    changes = data.model_dump(exclude_unset=True)
    _unique_org(session, changes, other_than=org.id)
    if "parent_id" in changes and changes["parent_id"] is not None:
        changes["parent_id"] = resolve_organisation(session, changes["parent_id"]).id
        if changes["parent_id"] == org.id:
            raise InvalidInput("an organisation cannot be its own parent")
    detail = _apply(org, changes)
    for kind, field in ((t.OrganisationKind.EMPLOYER, "org_number"), (t.OrganisationKind.GP_OFFICE, "her_id"),
                        (t.OrganisationKind.NAV_UNIT, "nav_unit_number")):
        if org.kind == kind.value and getattr(org, field) is None:
            raise InvalidInput(f"{_a(kind.value)} keeps its {field.replace('_', ' ')}: it cannot be removed",
                               details=[{"field": field, "message": "required for this kind"}])
    if detail:
        session.add(org)
        # The people there are found by the organisation's name and place.
        if {"name", "place"} & set(detail):
            for actor in session.exec(select(Actor).where(Actor.organisation_id == org.id)).all():
                _reindex(session, actor, org)
        record(session, by, "update", "organisation", org.id, detail)
        session.commit()
    return org


def _apply(row: Any, changes: dict[str, Any]) -> dict[str, list]:
    detail = {}
    for field, new in changes.items():
        old = getattr(row, field)
        if new is None and field in ("name", "title", "place"):
            continue
        if old != new:
            detail[field] = [old, new]
            setattr(row, field, new)
    return detail


# --- people -------------------------------------------------------------------------------


def _check_person(session: Session, role: t.Role, values: dict[str, Any], *, other_than: str | None = None) -> None:
    if role in _NEEDS:
        field, why = _NEEDS[role]
        if not values.get(field):
            raise InvalidInput(f"{_a(role.value)} {why}", details=[{"field": field, "message": why}])
    for field, name in (("national_id", "national identity number"), ("hpr_number", "HPR number"),
                        ("nav_ident", "NAV ident")):
        value = values.get(field)
        if not value:
            continue
        # One person may act in several roles (a GP who is also an employee), never twice in one.
        found = session.exec(select(Actor).where(getattr(Actor, field) == value, Actor.role == role.value)).first()
        if found is not None and found.id != other_than:
            shown = t.mask_national_id(value) if field == "national_id" else value
            raise Conflict(f"{_a(role.value)} with {name} {shown} already exists ({found.id})", code="DUPLICATE")


def _a(role: str) -> str:
    return ("an " if role[0] in "aeiou" else "a ") + role.replace("_", " ")


def create_actor(session: Session, by: By, data: ActorCreate) -> Actor:
    role = t.Role(data.role)
    values = data.model_dump()
    _check_person(session, role, values)
    if data.oidc_subject and store.get_actor_by_subject(session=session, subject=data.oidc_subject):
        raise Conflict("that sign-in subject already belongs to someone", code="DUPLICATE")
    actor = service.register_actor(session, data, commit=False)
    record(session, by, "create", "actor", actor.id,
           _created({k: values[k] for k in ("name", "role", "title", "place", "organisation_id", "hpr_number",
                                             "national_id", "nav_ident", "her_id")}))
    session.commit()
    return actor


def update_actor(session: Session, by: By, ref: str, data: ActorUpdate) -> Actor:
    actor = resolve_actor(session, ref)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("organisation_id"):
        changes["organisation_id"] = resolve_organisation(session, changes["organisation_id"]).id
    merged = {**actor_record(actor), "national_id": actor.national_id,
              **{k: v for k, v in changes.items()}}
    _check_person(session, t.Role(actor.role), merged, other_than=actor.id)
    old_org = actor.organisation_id
    detail = _apply(actor, changes)
    if not detail:
        return actor
    now = utcnow()
    if "organisation_id" in detail:
        # The membership follows the organisation: the old one ends, a new one begins.
        for rel in session.exec(select(Relation).where(
            Relation.from_actor_id == actor.id, Relation.kind == t.RelationKind.MEMBER_OF.value,
            Relation.organisation_id == old_org, Relation.valid_to.is_(None),
        )).all():
            rel.valid_to = now
            session.add(rel)
        if actor.organisation_id:
            session.add(Relation(kind=t.RelationKind.MEMBER_OF.value, from_actor_id=actor.id,
                                 organisation_id=actor.organisation_id, valid_from=now, source="operator"))
    org = store.get_organisation(session=session, organisation_id=actor.organisation_id) if actor.organisation_id else None
    _reindex(session, actor, org)
    record(session, by, "update", "actor", actor.id, detail)
    _unlink_sign_ins(session, by, actor, changed=set(detail))
    session.commit()
    return actor


def _unlink_sign_ins(session: Session, by: By, actor: Actor, *, changed: set[str]) -> None:
    """A sign-in identity linked by an identifier that has now changed is forgotten: an
    identity link wins over the linking rules, so a corrected national id, HPR number or
    NAV ident would otherwise go on letting the old person in as this actor.  The next
    sign-in links again, by the rules (docs/decisions/0014-identity-linking.md)."""
    links = session.exec(select(IdentityLink).where(
        IdentityLink.actor_id == actor.id, col(IdentityLink.matched_by).in_(changed))).all()
    for link in links:
        record(session, by, "unlink", "identity_link", link.id, {"matched_by": link.matched_by})
        session.delete(link)


def _reindex(session: Session, actor: Actor, org: Organisation | None) -> None:
    """The search text follows name, title, place and organisation (``service.search_text_for``);
    the full-text index follows the column (its triggers / tsvector)."""
    actor.search_text = service.search_text_for(actor, org)
    session.add(actor)
    store.add_prefixes(session=session, prefixes=query.index_prefixes(actor.search_text))


# --- relations ----------------------------------------------------------------------------


def add_relation(session: Session, by: By, data: RelationCreate, *, commit: bool = True) -> Relation:
    if (data.to_actor is None) == (data.organisation is None):
        raise InvalidInput("a relation points to exactly one person (to) or one organisation (org)")
    source = resolve_actor(session, data.from_actor)
    target = resolve_actor(session, data.to_actor) if data.to_actor else None
    org = resolve_organisation(session, data.organisation) if data.organisation else None
    if target is not None and target.id == source.id:
        raise InvalidInput("a person cannot be in a relation to himself")
    if target is not None and target.role == t.Role.OPERATOR.value or source.role == t.Role.OPERATOR.value:
        if data.kind != t.RelationKind.MEMBER_OF:
            raise InvalidInput("an operator is never part of a case: only member_of applies to an operator")
    now = utcnow()
    existing = session.exec(select(Relation).where(
        Relation.kind == data.kind.value, Relation.from_actor_id == source.id,
        Relation.to_actor_id == (target.id if target else None) if target else Relation.to_actor_id.is_(None),
        Relation.organisation_id == org.id if org else Relation.organisation_id.is_(None),
        or_(Relation.valid_to.is_(None), Relation.valid_to > now),
    )).first()
    if existing is not None:
        raise Conflict(f"this relation already exists ({existing.id})", code="DUPLICATE")
    rel = service.add_relation(session, data.kind, source.id, to_actor_id=target.id if target else None,
                               organisation_id=org.id if org else None, valid_from=now, commit=False)
    rel.source = "operator"
    record(session, by, "create", "relation", rel.id,
           _created({"kind": rel.kind, "from_actor_id": rel.from_actor_id, "to_actor_id": rel.to_actor_id,
                     "organisation_id": rel.organisation_id}))
    if commit:
        session.commit()
    return rel


def end_relation(session: Session, by: By, relation_id: str, *, commit: bool = True, action: str = "end") -> Relation:
    rel = session.get(Relation, relation_id)
    if rel is None:
        raise NotFound(f"no relation with id {relation_id}", code="RELATION_NOT_FOUND")
    now = utcnow()
    if rel.valid_to is not None and rel.valid_to <= now:
        raise Conflict(f"relation {relation_id} already ended {rel.valid_to.isoformat()}", code="RELATION_ENDED")
    rel.valid_to = now
    session.add(rel)
    record(session, by, action, "relation", rel.id, {"valid_to": [None, now]})
    if commit:
        session.commit()
    return rel


def set_manager(session: Session, by: By, data: ManagerSet) -> Relation:
    """Name ``manager`` the nearest manager of ``employee``; the previous nearest manager at
    the same employer stops being it (a manager at another employer — a second job — stays)."""
    employee = resolve_actor(session, data.employee)
    manager = resolve_actor(session, data.manager)
    if employee.role != t.Role.EMPLOYEE.value:
        raise InvalidInput(f"{employee.name} is a {employee.role}, not an employee")
    if manager.role not in (t.Role.NEAREST_MANAGER.value, t.Role.HR.value):
        raise InvalidInput(f"{manager.name} is a {manager.role}: a nearest manager has the role nearest_manager")
    if manager.id == employee.id:
        raise InvalidInput("an employee cannot be his own nearest manager")
    now = utcnow()
    current = session.exec(select(Relation).where(
        Relation.kind == t.RelationKind.NEAREST_MANAGER_OF.value, Relation.to_actor_id == employee.id,
        Relation.valid_from <= now, or_(Relation.valid_to.is_(None), Relation.valid_to > now),
    )).all()
    managers = {a.id: a for a in store.actors_by_ids(session=session, ids=[r.from_actor_id for r in current])}
    for rel in current:
        if rel.from_actor_id == manager.id and rel.disputed_at is None:
            raise Conflict(f"{manager.name} is already the nearest manager of {employee.name}", code="DUPLICATE")
        same_employer = managers.get(rel.from_actor_id) is not None and \
            managers[rel.from_actor_id].organisation_id == manager.organisation_id
        if same_employer or rel.from_actor_id == manager.id:
            end_relation(session, by, rel.id, commit=False, action="end")
    rel = add_relation(session, by, RelationCreate(kind=t.RelationKind.NEAREST_MANAGER_OF, from_actor=manager.id,
                                                   to_actor=employee.id), commit=False)
    session.commit()
    return rel


# --- the employee confirms -----------------------------------------------------------------


def pending_confirmations(session: Session, employee_id: str) -> list[tuple[Relation, Actor]]:
    """Relations about the employee he has neither confirmed nor disputed: (relation, who)."""
    now = utcnow()
    rows = session.exec(select(Relation).where(
        Relation.to_actor_id == employee_id, col(Relation.kind).in_([k.value for k in CONFIRMABLE]),
        Relation.confirmed_at.is_(None), Relation.disputed_at.is_(None),
        Relation.valid_from <= now, or_(Relation.valid_to.is_(None), Relation.valid_to > now),
    ).order_by(Relation.valid_from)).all()
    actors = {a.id: a for a in store.actors_by_ids(session=session, ids=[r.from_actor_id for r in rows])}
    return [(r, actors[r.from_actor_id]) for r in rows if r.from_actor_id in actors]


def answer_relation(session: Session, employee: Actor, relation_id: str, *, agree: bool) -> Relation:
    """The employee confirms (``agree``) or disputes a relation about him."""
    rel = session.get(Relation, relation_id)
    now = utcnow()
    if (rel is None or rel.to_actor_id != employee.id or t.RelationKind(rel.kind) not in CONFIRMABLE
            or (rel.valid_to is not None and rel.valid_to <= now)):
        raise NotFound("this is not a relation about you (or it has ended)", code="RELATION_NOT_FOUND")
    if rel.confirmed_at is not None or rel.disputed_at is not None:
        return rel  # answered already (a second tap): the first answer stands
    field = "confirmed_at" if agree else "disputed_at"
    setattr(rel, field, now)
    session.add(rel)
    record(session, By(label="employee", actor_id=employee.id), "confirm" if agree else "dispute",
           "relation", rel.id, {field: [None, now]})
    session.commit()
    return rel


def disputes(session: Session) -> list[Relation]:
    """Disputed relations still in force: each waits for an operator."""
    now = utcnow()
    return list(session.exec(select(Relation).where(
        Relation.disputed_at.is_not(None), or_(Relation.valid_to.is_(None), Relation.valid_to > now),
    ).order_by(Relation.disputed_at)).all())


# --- reading the trail ---------------------------------------------------------------------


def audit(session: Session, *, limit: int = 50, before: int | None = None) -> list[DirectoryChange]:
    """The newest changes first; ``before``: page on from an id of the last page."""
    if not 1 <= limit <= AUDIT_LIMIT_MAX:
        raise InvalidInput(f"limit must be between 1 and {AUDIT_LIMIT_MAX}")
    q = select(DirectoryChange).order_by(col(DirectoryChange.id).desc()).limit(limit)
    if before is not None:
        q = q.where(DirectoryChange.id < before)
    return list(session.exec(q).all())


def require_operator(actor: Actor) -> Actor:
    if actor.role != t.Role.OPERATOR.value:
        raise Forbidden("only an operator may change the directory", code="NOT_AN_OPERATOR")
    return actor
