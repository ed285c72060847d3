"""Directory queries.  Keyword-only ``session``; never commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, or_, text, union_all
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from directory.models import Actor, Organisation, PublicKey, Relation


def get_actor(*, session: Session, actor_id: str) -> Actor | None:
    return session.get(Actor, actor_id)


def get_actor_by_subject(*, session: Session, subject: str) -> Actor | None:
    return session.exec(select(Actor).where(Actor.oidc_subject == subject)).first()


def get_organisation(*, session: Session, organisation_id: str) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def organisations_by_id(*, session: Session, ids: Iterable[str]) -> dict[str, Organisation]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.exec(select(Organisation).where(Organisation.id.in_(wanted))).all()
    return {o.id: o for o in rows}


def active_relations_between(
    *, session: Session, from_actor_id: str, to_actor_id: str, at: datetime
) -> Sequence[Relation]:
    """Relations in force between the two; a relation the employee disputed is not in force
    until an operator resolves it (docs/decisions/0015-provisioning.md)."""
    return session.exec(
        select(Relation).where(
            Relation.from_actor_id == from_actor_id,
            Relation.to_actor_id == to_actor_id,
            Relation.disputed_at.is_(None),
            Relation.valid_from <= at,
            or_(Relation.valid_to.is_(None), Relation.valid_to > at),
        )
    ).all()


def active_relations_to(*, session: Session, to_actor_id: str, at: datetime) -> Sequence[Relation]:
    return session.exec(
        select(Relation).where(
            Relation.to_actor_id == to_actor_id,
            Relation.valid_from <= at,
            or_(Relation.valid_to.is_(None), Relation.valid_to > at),
        )
    ).all()


def active_relations_from(
    *, session: Session, from_actor_id: str, at: datetime
) -> Sequence[Relation]:
    return session.exec(
        select(Relation).where(
            Relation.from_actor_id == from_actor_id,
            Relation.to_actor_id.is_not(None),
            Relation.valid_from <= at,
            or_(Relation.valid_to.is_(None), Relation.valid_to > at),
        )
    ).all()


def related_actor_ids(*, session: Session, actor_id: str, others: Iterable[str], at: datetime) -> set[str]:
    """Those of ``others`` with an active relation to or from ``actor_id``."""
    wanted = list(set(others))
    if not wanted:
        return set()
    active = (Relation.valid_from <= at, or_(Relation.valid_to.is_(None), Relation.valid_to > at))
    outgoing = session.exec(
        select(Relation.to_actor_id).where(
            Relation.from_actor_id == actor_id, col(Relation.to_actor_id).in_(wanted), *active
        )
    ).all()
    incoming = session.exec(
        select(Relation.from_actor_id).where(
            Relation.to_actor_id == actor_id, col(Relation.from_actor_id).in_(wanted), *active
        )
    ).all()
    return {i for i in (*outgoing, *incoming) if i}


def member_organisation_ids(*, session: Session, actor_id: str, at: datetime) -> set[str]:
    rows = session.exec(
        select(Relation.organisation_id).where(
            Relation.from_actor_id == actor_id,
            Relation.organisation_id.is_not(None),
            Relation.valid_from <= at,
            or_(Relation.valid_to.is_(None), Relation.valid_to > at),
        )
    ).all()
    return {r for r in rows if r}


_R = Relation.__table__.c  # type: ignore[attr-defined]
# Built once: the consent gate runs this on every disclosure, and building a statement
# costs more than SQLite takes to answer it.
_ACTIVE = (_R.valid_from <= bindparam("at"), or_(_R.valid_to.is_(None), _R.valid_to > bindparam("at")))
_FACT_COLUMNS = (_R.from_actor_id, _R.kind, _R.to_actor_id, _R.organisation_id)
# Two branches that ix_relation_from_to (from_actor_id, to_actor_id) answers exactly.
# "to_actor_id IS NULL" finds the memberships because a relation points to exactly one
# actor or one organisation (``service.add_relation``).  A single
# "to_actor_id = :subject OR organisation_id IS NOT NULL" had to read every relation of
# the actor from the table: ~200 for a busy GP, up to 0.4 ms.
_FACT_RELATIONS = union_all(
    core_select(*_FACT_COLUMNS).where(
        _R.from_actor_id.in_(bindparam("actor_ids", expanding=True)),
        _R.to_actor_id == bindparam("subject_id"),
        _R.disputed_at.is_(None),  # a disputed manager is no case participant (directory.admin)
        *_ACTIVE,
    ),
    core_select(*_FACT_COLUMNS).where(
        _R.from_actor_id.in_(bindparam("actor_ids", expanding=True)),
        _R.to_actor_id.is_(None),
        _R.organisation_id.is_not(None),
        *_ACTIVE,
    ),
)


def fact_relations(
    *, session: Session, actor_ids: Iterable[str], subject_id: str, at: datetime
) -> Sequence[Row]:
    """Active relations from any of ``actor_ids`` that a consent decision needs: those
    to ``subject_id`` (case roles) and memberships (``organisation_id`` set).

    One query for what ``active_relations_between`` and ``member_organisation_ids``
    answer in two per actor; rows of (from_actor_id, kind, to_actor_id, organisation_id).
    """
    if session.autoflush:  # a Core statement does not autoflush as an ORM query does
        session.flush()
    params = {"actor_ids": list(actor_ids), "subject_id": subject_id, "at": at}
    return session.exec(_FACT_RELATIONS, params=params).all()


def active_keys(*, session: Session, actor_id: str) -> Sequence[PublicKey]:
    return session.exec(
        select(PublicKey)
        .where(PublicKey.actor_id == actor_id, PublicKey.revoked_at.is_(None))
        .order_by(PublicKey.created_at)
    ).all()


def all_keys(*, session: Session, actor_id: str) -> Sequence[PublicKey]:
    return session.exec(
        select(PublicKey).where(PublicKey.actor_id == actor_id).order_by(PublicKey.created_at)
    ).all()


def actors_with_encryption_key(*, session: Session, actor_ids: Iterable[str]) -> set[str]:
    ids = list(set(actor_ids))
    if not ids:
        return set()
    rows = session.exec(
        select(PublicKey.actor_id).where(
            PublicKey.actor_id.in_(ids),
            PublicKey.purpose == "encryption",
            PublicKey.revoked_at.is_(None),
        )
    ).all()
    return set(rows)


def fulltext_actor_ids(
    *, session: Session, groups: Sequence[Sequence[Sequence[str]]], limit: int, exclude: Iterable[str] = ()
) -> list[str]:
    """Actors whose search text matches every group: some alternative of it, all of
    whose words are word prefixes of the text.  ``exclude``: ids left out.

    SQLite uses the FTS5 table ``actor_fts``; PostgreSQL a ``simple`` tsvector with a GIN
    index.  Both are created by the migration; words are already reduced to letters
    and digits, so they cannot carry query syntax.
    """
    dialect = session.get_bind().dialect.name
    skip = sorted(set(exclude))
    if dialect == "sqlite":
        query = " AND ".join(
            "(" + " OR ".join("(" + " AND ".join(f'"{w}"*' for w in alt) + ")" for alt in group) + ")"
            for group in groups
        )
        sql = "SELECT actor_id FROM actor_fts WHERE actor_fts MATCH :q"
        if skip:
            sql += " AND actor_id NOT IN (SELECT value FROM json_each(:skip))"
        rows = session.execute(text(sql + " LIMIT :n"), {"q": query, "n": limit, "skip": json.dumps(skip)})
    else:
        query = " & ".join(
            "(" + " | ".join("(" + " & ".join(f"{w}:*" for w in alt) + ")" for alt in group) + ")"
            for group in groups
        )
        sql = "SELECT id FROM actor WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', :q)"
        if skip:
            sql += " AND id <> ALL(:skip)"
        rows = session.execute(text(sql + " LIMIT :n"), {"q": query, "n": limit, "skip": skip})
    return [r[0] for r in rows]


def known_prefixes(*, session: Session, candidates: Iterable[str]) -> set[str]:
    """Those of ``candidates`` that start some word of the search index."""
    wanted = sorted(set(candidates))
    if not wanted:
        return set()
    if session.get_bind().dialect.name == "sqlite":
        sql = "SELECT prefix FROM search_prefix WHERE prefix IN (SELECT value FROM json_each(:c))"
        rows = session.execute(text(sql), {"c": json.dumps(wanted)})
    else:
        rows = session.execute(text("SELECT prefix FROM search_prefix WHERE prefix = ANY(:c)"), {"c": wanted})
    return {r[0] for r in rows}


def add_prefixes(*, session: Session, prefixes: Iterable[str]) -> None:
    """Record index prefixes, those already there left alone."""
    rows = [{"p": p} for p in sorted(set(prefixes))]
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        sql = "INSERT OR IGNORE INTO search_prefix (prefix) VALUES (:p)"
    else:
        sql = "INSERT INTO search_prefix (prefix) VALUES (:p) ON CONFLICT DO NOTHING"
    session.execute(text(sql), rows)


def actors_by_identifier(*, session: Session, value: str, include_national_id: bool) -> list[Actor]:
    """Actors with this HPR number (or national id), or working at an organisation with
    this org number, HER-id or NAV unit number; at most 200.

    The two kinds of match are a ``UNION ALL`` of two index lookups, not one ``OR``:
    PostgreSQL cannot combine ``hpr_number = v OR organisation_id IN (subquery)`` from
    indexes and scanned the whole actor table instead (about 100-300 ms at 385 000
    actors; bench/REPORT.md), while SQLite happened to split the ``OR`` itself.
    """
    person = [Actor.hpr_number == value]
    if include_national_id:
        person.append(Actor.national_id == value)
    org_ids = select(Organisation.id).where(
        or_(
            Organisation.org_number == value,
            Organisation.her_id == value,
            Organisation.nav_unit_number == value,
        )
    )
    matching = union_all(
        select(Actor.id).where(or_(*person)),
        select(Actor.id).where(col(Actor.organisation_id).in_(org_ids)),
    )
    return list(session.exec(select(Actor).where(col(Actor.id).in_(matching)).limit(200)).all())


def actors_by_ids(*, session: Session, ids: list[str]) -> list[Actor]:
    if not ids:
        return []
    rows = session.exec(select(Actor).where(Actor.id.in_(ids))).all()
    order = {i: n for n, i in enumerate(ids)}
    return sorted(rows, key=lambda a: order.get(a.id, 0))
