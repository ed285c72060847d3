"""Directory tables.  Cross-package references are plain ID columns, never relationships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from directory.columns import UTCDateTime, new_id, utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(index=True, max_length=40)
    name: str = Field(max_length=200)
    org_number: str | None = Field(default=None, index=True, max_length=9)
    her_id: str | None = Field(default=None, index=True, max_length=9)
    nav_unit_number: str | None = Field(default=None, index=True, max_length=4)
    place: str = Field(default="", max_length=100)
    parent_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Actor(SQLModel, table=True):
    """A person acting in one role (an employee, a GP, a NAV adviser, ...)."""

    __tablename__ = "actor"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    role: str = Field(index=True, max_length=40)
    title: str = Field(default="", max_length=200)
    organisation_id: str | None = Field(
        default=None, foreign_key="organisation.id", index=True, max_length=36
    )
    place: str = Field(default="", max_length=100)
    hpr_number: str | None = Field(default=None, index=True, max_length=9)
    national_id: str | None = Field(default=None, index=True, max_length=11)
    # The OpenID Connect subject this actor signs in as, at the configured issuer.
    oidc_subject: str | None = Field(default=None, unique=True, max_length=200)
    search_text: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Relation(SQLModel, table=True):
    """``from_actor`` stands in relation ``kind`` to ``to_actor`` or ``organisation``."""

    __tablename__ = "relation"
    __table_args__ = (
        Index("ix_relation_to_kind", "to_actor_id", "kind"),
        Index("ix_relation_from_to", "from_actor_id", "to_actor_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    kind: str = Field(max_length=40)
    from_actor_id: str = Field(foreign_key="actor.id", max_length=36)
    to_actor_id: str | None = Field(default=None, foreign_key="actor.id", max_length=36)
    organisation_id: str | None = Field(
        default=None, foreign_key="organisation.id", max_length=36
    )
    valid_from: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    valid_to: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class PublicKey(SQLModel, table=True):
    """A published public key.  Never deleted: revocation sets ``revoked_at``."""

    __tablename__ = "public_key"

    key_id: str = Field(primary_key=True, max_length=64)
    actor_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    purpose: str = Field(max_length=20)
    algorithm: str = Field(max_length=20)
    public_key: str = Field(max_length=2000)  # canonical unpadded base64url
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class KeyBackup(SQLModel, table=True):
    """An actor's private keys, wrapped in the browser with their passphrase.  Opaque
    here: the server stores and returns it, and has no key to open it."""

    __tablename__ = "key_backup"

    actor_id: str = Field(foreign_key="actor.id", primary_key=True, max_length=36)
    backup: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON, see KeyBackupIn
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class SearchPrefix(SQLModel, table=True):
    """The prefixes of every word in the search index (``directory.query.index_prefixes``):
    what a mistyped query word may be corrected to.  Only ever added to; a prefix whose
    actors are gone only costs a search that finds nothing more."""

    __tablename__ = "search_prefix"

    prefix: str = Field(primary_key=True, max_length=40)
