"""Directory routes: search, actors, the caller's own keys and relations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from directory import service, store
from directory import types as t
from directory.errors import OrganisationNotFound, SambandError
from directory.models import Actor
from directory.schemas import (
    ActorPublic,
    KeyBackupIn,
    KeyBackupPublic,
    KeyCreate,
    KeyPublic,
    OrganisationPublic,
    RelationPublic,
)
from web.deps import CurrentActor, SessionDep
from web.errors import responses

router = APIRouter(prefix="/directory", tags=["directory"])


@router.get("/search", response_model=list[ActorPublic], summary="Find a person to write to")
def search(
    session: SessionDep,
    me: CurrentActor,
    q: Annotated[str, Query(min_length=1, max_length=200, description="name, place, organisation, role or an identifier (HPR, org number, HER-id)")],
    role: t.Role | None = None,
    organisation_kind: t.OrganisationKind | None = None,
    limit: Annotated[int, Query(ge=1, le=service.SEARCH_LIMIT_MAX)] = 20,
) -> list[ActorPublic]:
    return service.search(session, me, q, role=role, organisation_kind=organisation_kind, limit=limit)


@router.get("/me", response_model=ActorPublic, summary="Yourself, as others see you")
def me(session: SessionDep, me: CurrentActor) -> ActorPublic:
    return service.actor_public(session, [me])[0]


@router.get("/me/relations", response_model=list[RelationPublic], summary="The people you are related to")
def my_relations(session: SessionDep, me: CurrentActor) -> list[RelationPublic]:
    at = service.utcnow()
    pairs: list[tuple[str, str, object]] = []
    for r in store.active_relations_from(session=session, from_actor_id=me.id, at=at):
        pairs.append((r.kind, r.to_actor_id, r.valid_from))
    for r in store.active_relations_to(session=session, to_actor_id=me.id, at=at):
        pairs.append((r.kind, r.from_actor_id, r.valid_from))
    actors = {a.id: a for a in store.actors_by_ids(session=session, ids=[p[1] for p in pairs])}
    public = {a.id: a for a in service.actor_public(session, list(actors.values()))}
    return [RelationPublic(kind=t.RelationKind(k), actor=public[i], since=s) for k, i, s in pairs if i in public]


@router.get("/actors/{actor_id}", response_model=ActorPublic, summary="One actor")
def get_actor(actor_id: str, session: SessionDep, me: CurrentActor) -> ActorPublic:
    return service.actor_public(session, [service.require_visible_actor(session, me, actor_id)])[0]


@router.get("/actors/{actor_id}/keys", response_model=list[KeyPublic], summary="An actor's public keys")
def actor_keys(actor_id: str, session: SessionDep, me: CurrentActor, include_revoked: bool = False) -> list[KeyPublic]:
    actor: Actor = service.require_visible_actor(session, me, actor_id)
    rows = (store.all_keys if include_revoked else store.active_keys)(session=session, actor_id=actor.id)
    return [KeyPublic.model_validate(k, from_attributes=True) for k in rows]


@router.post("/me/keys", response_model=KeyPublic, status_code=201, summary="Publish one of your public keys",
             responses=responses(409))
def publish_key(data: KeyCreate, session: SessionDep, me: CurrentActor) -> KeyPublic:
    return KeyPublic.model_validate(service.publish_key(session, me.id, data), from_attributes=True)


@router.post("/me/keys/{key_id}/revoke", response_model=KeyPublic, summary="Revoke one of your keys")
def revoke_key(key_id: str, session: SessionDep, me: CurrentActor) -> KeyPublic:
    return KeyPublic.model_validate(service.revoke_key(session, me.id, key_id), from_attributes=True)


MAX_BACKUP_BYTES = 16 * 1024


def _small_body(request: Request) -> None:
    """Refuse an oversized backup before its body is parsed."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BACKUP_BYTES):
        raise SambandError(f"a key backup is at most {MAX_BACKUP_BYTES} bytes", code="BACKUP_TOO_LARGE", status=413)


@router.put("/me/key-backup", response_model=KeyBackupPublic, summary="Store your passphrase-wrapped key backup",
            dependencies=[Depends(_small_body)], responses=responses(413))
def put_key_backup(data: KeyBackupIn, session: SessionDep, me: CurrentActor) -> KeyBackupPublic:
    """The browser wraps the private keys with a key derived from the passphrase before
    they leave the device; the server stores the result and cannot open it."""
    row = service.put_key_backup(session, me.id, data)
    return KeyBackupPublic(backup=data, updated_at=row.updated_at)


@router.get("/me/key-backup", response_model=KeyBackupPublic, summary="Your key backup, to unwrap on a new device")
def get_key_backup(session: SessionDep, me: CurrentActor) -> KeyBackupPublic:
    row = service.require_key_backup(session, me.id)
    return KeyBackupPublic(backup=KeyBackupIn.model_validate_json(row.backup), updated_at=row.updated_at)


@router.get("/organisations/{organisation_id}", response_model=OrganisationPublic, summary="One organisation")
def get_organisation(organisation_id: str, session: SessionDep, _me: CurrentActor, request: Request) -> OrganisationPublic:
    org = store.get_organisation(session=session, organisation_id=organisation_id)
    if org is None:
        raise OrganisationNotFound(f"no organisation with id {organisation_id}")
    return service.organisation_public(org)
