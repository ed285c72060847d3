"""What the importers share: a row's fields, the result of applying a row, dates in
Norwegian time, and the directory writes (Core statements, batched) every importer uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session

from directory import query, service, store
from directory import types as t
from directory.columns import new_id, utcnow
from directory.models import Actor, Organisation, Relation

ORG = Organisation.__table__  # type: ignore[attr-defined]
ACTOR = Actor.__table__  # type: ignore[attr-defined]
RELATION = Relation.__table__  # type: ignore[attr-defined]
OSLO = ZoneInfo("Europe/Oslo")


class RowError(Exception):
    """This row is rejected; the message says why (national ids masked)."""


class Skip(Exception):
    """This row is read but has nothing for samband (a nurse in HPR, a closed NAV unit)."""


CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"


@dataclass
class Outcome:
    kind: str  # CREATED | UPDATED | UNCHANGED | SKIPPED, or "rejected"
    change: str = ""  # for --dry-run's list of the first changes
    reason: str = ""  # why rejected or skipped


@dataclass
class Context:
    """State of one import run that outlives a batch."""

    source: str
    pending_parents: list[tuple[int, int]] = field(default_factory=list)  # (org number, parent org number)


def get(record: dict, path: str):
    """``record["a"]["b"]`` for ``"a.b"`` (JSON), or the column ``a.b`` (CSV, in any case);
    ``None`` when missing or empty."""
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            value = None
            break
        value = value[part]
    if value is None:  # a CSV column (``reading`` lower-cases the header)
        value = record.get(path) or record.get(path.lower())
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def text(record: dict, path: str, *, required: bool = True, max_length: int = 200) -> str | None:
    value = get(record, path)
    if value is None:
        if required:
            raise RowError(f"{path} is missing")
        return None
    if not isinstance(value, (str, int)):
        raise RowError(f"{path} must be text")
    value = str(value)
    if len(value) > max_length:
        raise RowError(f"{path} is longer than {max_length} characters")
    return value


def identifier(record: dict, path: str, parse, *, required: bool = True) -> str | None:
    value = get(record, path)
    if value is None:
        if required:
            raise RowError(f"{path} is missing")
        return None
    try:
        return parse(str(value))
    except ValueError as exc:
        raise RowError(f"{path}: {exc}") from None


def national_id(record: dict, path: str) -> str:
    value = get(record, path)
    if value is None:
        raise RowError(f"{path} is missing")
    try:
        return t.parse_national_id(str(value))
    except ValueError as exc:
        raise RowError(f"{path}: {exc}") from None  # the value itself is never repeated


def day(record: dict, path: str, *, required: bool = True) -> date | None:
    value = get(record, path)
    if value is None:
        if required:
            raise RowError(f"{path} is missing")
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RowError(f"{path} is not a date (YYYY-MM-DD)") from None


def start_of(d: date) -> datetime:
    """The start of a day in Norway, in UTC."""
    return datetime.combine(d, time(0), OSLO).astimezone(UTC)


def end_of(d: date | None) -> datetime | None:
    """A register's inclusive last day as the exclusive end a relation's ``valid_to`` is."""
    return None if d is None else start_of(d + timedelta(days=1))


def full_name(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def place_name(value: str | None) -> str:
    """Registers write places in capitals (``BRØNNØYSUND``); shown as ``Brønnøysund``."""
    if not value:
        return ""
    return value.title() if value.isupper() else value


# --- reading the directory, a batch at a time --------------------------------------


def orgs_by(session: Session, column: str, values: Iterable[str]) -> dict[str, list]:
    wanted = sorted(set(values))
    if not wanted:
        return {}
    rows = session.execute(select(ORG).where(ORG.c[column].in_(wanted))).all()
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(getattr(r, column), []).append(r)
    return out


def actors_by(session: Session, column: str, values: Iterable[str], roles: Iterable[str] | None = None) -> dict[str, list]:
    wanted = sorted(set(values))
    if not wanted:
        return {}
    stmt = select(ACTOR).where(ACTOR.c[column].in_(wanted))
    if roles is not None:
        stmt = stmt.where(ACTOR.c.role.in_(sorted(set(roles))))
    out: dict[str, list] = {}
    for r in session.execute(stmt).all():
        out.setdefault(getattr(r, column), []).append(r)
    return out


def newest_relations(session: Session, kind: str, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], object]:
    """The newest relation of ``kind`` for each (from actor, to actor) pair."""
    if not pairs:
        return {}
    froms = sorted({p[0] for p in pairs})
    rows = session.execute(
        select(RELATION).where(RELATION.c.kind == kind, RELATION.c.from_actor_id.in_(froms))
    ).all()
    wanted = set(pairs)
    out: dict[tuple[str, str], object] = {}
    for r in rows:
        key = (r.from_actor_id, r.to_actor_id)
        if key in wanted and (key not in out or r.valid_from > out[key].valid_from):
            out[key] = r
    return out


# --- writing --------------------------------------------------------------------------


def search_text(name: str, role: str, title: str, place: str, org) -> str:
    """``directory.service.search_text_for`` for a row not (yet) an ``Actor``."""
    return service.search_text_for(
        SimpleNamespace(name=name, role=role, title=title, place=place), org  # type: ignore[arg-type]
    )


class Writes:
    """A batch's inserts and updates, sent with ``executemany`` in a fixed order
    (organisations, actors, relations, then updates) so references are there first."""

    def __init__(self) -> None:
        self.now = utcnow()
        self.orgs: list[dict] = []
        self.actors: list[dict] = []
        self.relations: list[dict] = []
        self.org_updates: list[dict] = []
        self.actor_updates: list[dict] = []
        self.relation_updates: list[dict] = []
        self.prefixes: set[str] = set()

    def add_org(self, **values) -> str:
        if "id" not in values:
            values["id"] = new_id()
        values.setdefault("created_at", self.now)
        for k in ("org_number", "her_id", "nav_unit_number", "parent_id"):
            values.setdefault(k, None)
        values.setdefault("place", "")
        self.orgs.append(values)
        return values["id"]

    def add_actor(self, *, name: str, role: str, org=None, **values) -> str:
        values.update(name=name, role=role)
        if "id" not in values:
            values["id"] = new_id()
        values.setdefault("created_at", self.now)
        values.setdefault("title", "")
        values.setdefault("place", org.place if org is not None else "")
        values["organisation_id"] = org.id if org is not None else None
        for k in ("hpr_number", "national_id", "nav_ident", "her_id", "oidc_subject"):
            values.setdefault(k, None)
        values["search_text"] = search_text(name, role, values["title"], values["place"], org)
        self.prefixes |= query.index_prefixes(values["search_text"])
        self.actors.append(values)
        if org is not None:
            self.add_relation(kind=t.RelationKind.MEMBER_OF.value, from_actor_id=values["id"],
                              organisation_id=org.id, source="")
        return values["id"]

    def add_relation(self, **values) -> str:
        if "id" not in values:
            values["id"] = new_id()
        values.setdefault("to_actor_id", None)
        values.setdefault("organisation_id", None)
        values.setdefault("valid_from", self.now)
        values.setdefault("valid_to", None)
        values.setdefault("confirmed_at", None)
        values.setdefault("disputed_at", None)
        self.relations.append(values)
        return values["id"]

    def update_actor(self, actor_id: str, **values) -> None:
        self.actor_updates.append({"_id": actor_id, **values})

    def flush(self, session: Session) -> None:
        if self.orgs:
            session.execute(ORG.insert(), self.orgs)
        if self.actors:
            session.execute(ACTOR.insert(), self.actors)
        for table, rows in ((ORG, self.org_updates), (ACTOR, self.actor_updates), (RELATION, self.relation_updates)):
            _updates(session, table, rows)
        if self.relations:
            session.execute(RELATION.insert(), self.relations)
        if self.prefixes:
            store.add_prefixes(session=session, prefixes=self.prefixes)


def _updates(session: Session, table, rows: list[dict]) -> None:
    """``UPDATE table SET … WHERE id = :_id`` with executemany, grouped by the columns set."""
    from sqlalchemy import bindparam

    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "_id")), []).append(row)
    for columns, group in groups.items():
        # A bound name may not be a column's name (SQLAlchemy reserves those for SET).
        stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(f"v_{c}") for c in columns})
        session.execute(stmt, [{"_id": r["_id"], **{f"v_{c}": r[c] for c in columns}} for r in group])
