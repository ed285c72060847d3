"""``/admin``: provisioning for operators (docs/provisioning.md).  The rules and the audit
trail are ``directory.admin``'s, the same ``samband admin …`` uses.  Only an actor with
the role ``operator`` gets past the router's dependency; everyone else hears 403 before
anything is read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from directory import admin
from directory.models import Actor
from directory.schemas import ActorCreate, OrganisationCreate
from web.deps import CurrentActor, SessionDep
from web.errors import responses


def operator(me: CurrentActor) -> Actor:
    return admin.require_operator(me)


Operator = Annotated[Actor, Depends(operator)]
router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(operator)], responses=responses(403))


def _by(me: Actor) -> admin.By:
    return admin.By(label=f"operator:{me.name}", actor_id=me.id)


@router.post("/organisations", status_code=201, summary="Create an organisation", responses=responses(409, 404))
def create_organisation(data: OrganisationCreate, session: SessionDep, me: Operator) -> dict[str, Any]:
    if data.parent_id:
        data = data.model_copy(update={"parent_id": admin.resolve_organisation(session, data.parent_id).id})
    return admin.organisation_record(admin.create_organisation(session, _by(me), data))


@router.get("/organisations/{organisation_id}", summary="One organisation (id, org:, her: or nav-unit: reference)")
def get_organisation(organisation_id: str, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.organisation_record(admin.resolve_organisation(session, organisation_id))


@router.patch("/organisations/{organisation_id}", summary="Change an organisation", responses=responses(409, 404))
def update_organisation(organisation_id: str, data: admin.OrganisationUpdate, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.organisation_record(admin.update_organisation(session, _by(me), organisation_id, data))


@router.post("/actors", status_code=201, summary="Create a person in a role", responses=responses(409, 404))
def create_actor(data: ActorCreate, session: SessionDep, me: Operator) -> dict[str, Any]:
    if data.organisation_id:
        data = data.model_copy(update={"organisation_id": admin.resolve_organisation(session, data.organisation_id).id})
    return admin.actor_record(admin.create_actor(session, _by(me), data))


@router.get("/actors/{actor_id}", summary="One person (id, nid:, hpr: or nav: reference)",
            responses=responses(409))
def get_actor(actor_id: str, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.actor_record(admin.resolve_actor(session, actor_id))


@router.patch("/actors/{actor_id}", summary="Change a person", responses=responses(409, 404))
def update_actor(actor_id: str, data: admin.ActorUpdate, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.actor_record(admin.update_actor(session, _by(me), actor_id, data))


@router.post("/relations", status_code=201, summary="Add a relation", responses=responses(409, 404))
def add_relation(data: admin.RelationCreate, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.relation_record(admin.add_relation(session, _by(me), data))


@router.post("/relations/{relation_id}/end", summary="End a relation", responses=responses(409, 404))
def end_relation(relation_id: str, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.relation_record(admin.end_relation(session, _by(me), relation_id))


@router.post("/manager", status_code=201, summary="Name an employee's nearest manager (ends the previous one there)",
             responses=responses(409, 404))
def set_manager(data: admin.ManagerSet, session: SessionDep, me: Operator) -> dict[str, Any]:
    return admin.relation_record(admin.set_manager(session, _by(me), data))


@router.get("/disputes", summary="Relations an employee disputed, waiting for an operator")
def disputes(session: SessionDep, me: Operator) -> list[dict[str, Any]]:
    return [admin.relation_record(r) for r in admin.disputes(session)]


@router.get("/audit", summary="The directory's audit trail, newest first")
def audit(
    session: SessionDep,
    me: Operator,
    limit: Annotated[int, Query(ge=1, le=admin.AUDIT_LIMIT_MAX)] = 50,
    before: Annotated[int | None, Query(ge=1, description="the id of the last row of the previous page")] = None,
) -> list[dict[str, Any]]:
    return [admin.change_record(r) for r in admin.audit(session, limit=limit, before=before)]
