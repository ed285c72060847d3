"""Directory use cases.  Functions take a session; those that write commit once."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from directory import query, store
from directory import types as t
from directory.columns import utcnow
from directory.types import key_id_for  # noqa: F401  (defined there so the client needs no server code)
from directory.errors import ActorNotFound, Conflict, InvalidInput, KeyBackupNotFound, OrganisationNotFound
from directory.models import Actor, KeyBackup, Organisation, PublicKey, Relation
from directory.schemas import (
    ActorCreate,
    ActorPublic,
    KeyBackupIn,
    KeyCreate,
    OrganisationCreate,
    OrganisationPublic,
)

SEARCH_LIMIT_MAX = 50


# --- writing --------------------------------------------------------------------------


def create_organisation(session: Session, data: OrganisationCreate, *, commit: bool = True) -> Organisation:
    required = {
        t.OrganisationKind.EMPLOYER: ("org_number", "an employer needs its organisation number"),
        t.OrganisationKind.GP_OFFICE: ("her_id", "a GP office needs its HER-id"),
        t.OrganisationKind.NAV_UNIT: ("nav_unit_number", "a NAV unit needs its unit number"),
    }
    if data.kind in required:
        field, message = required[data.kind]
        if getattr(data, field) is None:
            raise InvalidInput(message)
    if data.parent_id and store.get_organisation(session=session, organisation_id=data.parent_id) is None:
        raise OrganisationNotFound(f"parent organisation {data.parent_id} does not exist")
    org = Organisation(**data.model_dump())
    session.add(org)
    if commit:
        session.commit()
    return org


def register_actor(session: Session, data: ActorCreate, *, commit: bool = True) -> Actor:
    role = t.Role(data.role)
    if role in t.HEALTH_PERSONNEL and not data.hpr_number:
        raise InvalidInput(f"a {role.value} is health personnel and needs an HPR number")
    org = None
    if data.organisation_id:
        org = store.get_organisation(session=session, organisation_id=data.organisation_id)
        if org is None:
            raise OrganisationNotFound(f"organisation {data.organisation_id} does not exist")
    actor = Actor(**data.model_dump())
    actor.role = role.value
    actor.search_text = search_text_for(actor, org)
    session.add(actor)
    store.add_prefixes(session=session, prefixes=query.index_prefixes(actor.search_text))
    if org is not None:
        session.add(
            Relation(kind=t.RelationKind.MEMBER_OF.value, from_actor_id=actor.id, organisation_id=org.id)
        )
    if commit:
        session.commit()
    return actor


def add_relation(
    session: Session,
    kind: t.RelationKind,
    from_actor_id: str,
    *,
    to_actor_id: str | None = None,
    organisation_id: str | None = None,
    valid_from: datetime | None = None,
    commit: bool = True,
) -> Relation:
    if (to_actor_id is None) == (organisation_id is None):
        raise InvalidInput("a relation points to exactly one actor or one organisation")
    if (kind == t.RelationKind.MEMBER_OF) != (organisation_id is not None):
        raise InvalidInput("only 'member_of' points to an organisation")
    for actor_id in filter(None, (from_actor_id, to_actor_id)):
        require_actor(session, actor_id)
    relation = Relation(
        kind=kind.value,
        from_actor_id=from_actor_id,
        to_actor_id=to_actor_id,
        organisation_id=organisation_id,
        valid_from=valid_from or utcnow(),
    )
    session.add(relation)
    if commit:
        session.commit()
    return relation


def _b64decode_strict(value: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", value) or len(value) % 4 == 1:
        raise InvalidInput("public_key must be unpadded base64url (A-Z a-z 0-9 - _)")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("public_key is not valid base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != value:
        raise InvalidInput("public_key is not canonical base64url")
    return raw


def publish_key(session: Session, actor_id: str, data: KeyCreate, *, commit: bool = True) -> PublicKey:
    """Publish one of the actor's public keys.

    Raises:
        InvalidInput: unknown algorithm for the purpose, bad encoding or wrong length.
        Conflict: the key id is already taken.
    """
    algorithms = t.KEY_ALGORITHMS[t.KeyPurpose(data.purpose)]
    if data.algorithm not in algorithms:
        allowed = ", ".join(sorted(algorithms))
        raise InvalidInput(f"algorithm for a {data.purpose.value} key must be one of: {allowed}")
    raw = _b64decode_strict(data.public_key)
    if len(raw) != algorithms[data.algorithm]:
        raise InvalidInput(
            f"a {data.algorithm} public key is {algorithms[data.algorithm]} bytes, got {len(raw)}"
        )
    key_id = data.key_id or key_id_for(raw)
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", key_id):
        raise InvalidInput("key_id must be 8 to 64 characters of A-Z a-z 0-9 - _")
    if session.get(PublicKey, key_id) is not None:
        raise Conflict(f"key id {key_id} is already published")
    key = PublicKey(
        key_id=key_id,
        actor_id=actor_id,
        purpose=data.purpose.value,
        algorithm=data.algorithm,
        public_key=data.public_key,
    )
    session.add(key)
    if commit:
        session.commit()
    return key


def revoke_key(session: Session, actor_id: str, key_id: str, *, now: datetime | None = None) -> PublicKey:
    key = session.get(PublicKey, key_id)
    if key is None or key.actor_id != actor_id:
        raise ActorNotFound(f"you have no key with id {key_id}", code="KEY_NOT_FOUND")
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        session.add(key)
        session.commit()
    return key


def put_key_backup(session: Session, actor_id: str, data: KeyBackupIn, *, now: datetime | None = None) -> KeyBackup:
    """Store (or replace) the actor's passphrase-wrapped key backup, as canonical JSON."""
    row = session.get(KeyBackup, actor_id) or KeyBackup(actor_id=actor_id, backup="")
    row.backup = data.model_dump_json()
    row.updated_at = now or utcnow()
    session.add(row)
    session.commit()
    return row


def require_key_backup(session: Session, actor_id: str) -> KeyBackup:
    row = session.get(KeyBackup, actor_id)
    if row is None:
        raise KeyBackupNotFound("you have no key backup yet; make your keys on the /keys page")
    return row


# --- reading --------------------------------------------------------------------------


def require_actor(session: Session, actor_id: str) -> Actor:
    actor = store.get_actor(session=session, actor_id=actor_id)
    if actor is None:
        raise ActorNotFound(f"no actor with id {actor_id}")
    return actor


def is_related(session: Session, a: str, b: str, *, at: datetime | None = None) -> bool:
    """True if either actor has an active relation to the other."""
    at = at or utcnow()
    return bool(
        store.active_relations_between(session=session, from_actor_id=a, to_actor_id=b, at=at)
        or store.active_relations_between(session=session, from_actor_id=b, to_actor_id=a, at=at)
    )


def can_see_actor(session: Session, viewer: Actor, actor: Actor) -> bool:
    """Professionals are public; an employee is visible only to themself and to actors
    related to them (their manager, GP, NAV adviser, ...).  Everyone else must not
    learn that the employee exists."""
    if actor.role != t.Role.EMPLOYEE.value or viewer.id == actor.id:
        return True
    return is_related(session, viewer.id, actor.id)


def require_visible_actor(session: Session, viewer: Actor, actor_id: str) -> Actor:
    actor = store.get_actor(session=session, actor_id=actor_id)
    if actor is None or not can_see_actor(session, viewer, actor):
        raise ActorNotFound(f"no actor with id {actor_id} that you can see")
    return actor


def case_roles(session: Session, actor_id: str, subject_id: str, *, at: datetime) -> frozenset[t.CaseRole]:
    """The roles ``actor_id`` plays for ``subject_id`` by active relations."""
    relations = store.active_relations_between(
        session=session, from_actor_id=actor_id, to_actor_id=subject_id, at=at
    )
    return frozenset(
        t.CASE_ROLE_OF_RELATION[t.RelationKind(r.kind)]
        for r in relations
        if t.RelationKind(r.kind) in t.CASE_ROLE_OF_RELATION
    )


def organisation_public(org: Organisation) -> OrganisationPublic:
    return OrganisationPublic.model_validate(org, from_attributes=True)


def actor_public(session: Session, actors: Sequence[Actor]) -> list[ActorPublic]:
    orgs = store.organisations_by_id(session=session, ids=(a.organisation_id for a in actors))
    reachable = store.actors_with_encryption_key(session=session, actor_ids=(a.id for a in actors))
    return [
        ActorPublic(
            id=a.id,
            name=a.name,
            role=t.Role(a.role),
            title=a.title,
            place=a.place,
            organisation=organisation_public(orgs[a.organisation_id])
            if a.organisation_id in orgs
            else None,
            hpr_number=a.hpr_number,
            national_id_masked=t.mask_national_id(a.national_id) if a.national_id else None,
            can_receive_messages=a.id in reachable,
        )
        for a in actors
    ]


def search_terms(text: str) -> list[str]:
    """The words of a query: folded, stop words dropped, at most 8 (``directory.query``)."""
    return query.query_words(text)


def search_text_for(actor: Actor, org: Organisation | None) -> str:
    """The words an actor is found by.  Employees are not in the search index at all:
    who is on sick leave is itself confidential."""
    if actor.role == t.Role.EMPLOYEE.value:
        return ""
    parts = [actor.name, actor.title, actor.place, actor.role.replace("_", " ")]
    if org is not None:
        parts += [org.name, org.place, org.kind.replace("_", " ")]
    # Every word, not ``search_terms``: its 8-word cap is for queries, and applied here
    # it cut the role, organisation and kind off most professionals' index entries.
    text = " ".join(query.words(" ".join(parts)))
    # The column holds SEARCH_TEXT_MAX characters, and PostgreSQL enforces it (SQLite
    # does not): folding can lengthen names ('æ' -> 'ae'), so cut at a word boundary.
    if len(text) > SEARCH_TEXT_MAX:
        text = text[: SEARCH_TEXT_MAX + 1].rsplit(" ", 1)[0][:SEARCH_TEXT_MAX]
    return text


SEARCH_TEXT_MAX = 1000  # directory.models.Actor.search_text


def search(
    session: Session,
    viewer: Actor,
    query_text: str,
    *,
    role: t.Role | None = None,
    organisation_kind: t.OrganisationKind | None = None,
    limit: int = 20,
) -> list[ActorPublic]:
    """Find actors by name, organisation, role, place or identifier.

    A query of digits only is taken as an identifier: HPR number, organisation number,
    HER-id or NAV unit number, and — for a NAV adviser only — a national identity number,
    since NAV may look up any insured person.  Employees are otherwise never found by
    search.

    Full text: stop words are dropped, known phrases expanded both ways ("dps" and
    "distriktspsykiatrisk senter"), and when the words as typed find nobody, words with one
    typing mistake are corrected to the starts of indexed words (``directory.query``).
    The searcher is never in their own results.

    Raises:
        InvalidInput: an empty query, or a limit outside 1..50.
    """
    if not 1 <= limit <= SEARCH_LIMIT_MAX:
        raise InvalidInput(f"limit must be between 1 and {SEARCH_LIMIT_MAX}")
    text = query_text.strip()
    compact = text.replace(" ", "")
    if compact.isdigit():
        actors = store.actors_by_identifier(
            session=session,
            value=compact,
            include_national_id=viewer.role == t.Role.NAV_ADVISER.value,
        )
        # The rule of ``can_see_actor``, for all candidates in one query: an employer's
        # organisation number matches every employee there, and one check each made
        # this lookup take tens of milliseconds.
        employees = [a.id for a in actors if a.role == t.Role.EMPLOYEE.value and a.national_id != compact]
        related = store.related_actor_ids(session=session, actor_id=viewer.id, others=employees, at=utcnow())
        actors = [
            a
            for a in actors
            if a.role != t.Role.EMPLOYEE.value
            or a.national_id == compact
            or a.id in related
        ]
    else:
        groups = query.groups(text)
        if not groups:
            raise InvalidInput("type at least one letter or digit to search for")
        # Over-fetch so that role / organisation filters still fill the page.
        fetch = limit if role is None and organisation_kind is None else limit * 20
        ids = _fulltext(session, groups, fetch, exclude=viewer.id)
        actors = store.actors_by_ids(session=session, ids=ids)
    actors = [a for a in actors if a.id != viewer.id]  # nobody is in their own results
    if role is not None:
        actors = [a for a in actors if a.role == role.value]
    result = actor_public(session, actors)
    if organisation_kind is not None:
        result = [a for a in result if a.organisation and a.organisation.kind == organisation_kind]
    return result[:limit]


def _fulltext(session: Session, groups: list[query.Group], limit: int, *, exclude: str) -> list[str]:
    """The matches of the words as typed; only if there are none, the matches with one
    typing mistake corrected in each word that can be (``query.correctable``).  So an
    exact match always ranks first, and a search for "bergen" does not list "Berge"."""
    ids = store.fulltext_actor_ids(
        session=session, groups=[g.alternatives for g in groups], limit=limit, exclude=[exclude]
    )
    words = {g.word for g in groups if query.correctable(g.word)}
    if ids or not words:
        return ids
    candidates = {w: query.edits(w) for w in words}
    known = store.known_prefixes(session=session, candidates=set(words).union(*candidates.values()))
    # A word that starts some indexed word is taken as typed, unless every word does.
    to_fix = {w for w in words if w not in known} or words
    corrected = [
        g.with_corrections(query.prune(candidates[g.word] & known)) if g.word in to_fix else g for g in groups
    ]
    if corrected == groups:
        return []
    return store.fulltext_actor_ids(
        session=session, groups=[g.alternatives for g in corrected], limit=limit, exclude=[exclude]
    )
