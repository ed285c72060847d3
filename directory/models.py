"""Directory tables.  Cross-package references are plain ID columns, never relationships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
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
    # NAV's employee ident (``Z123456``), the claim NAV's identity provider signs people in by.
    nav_ident: str | None = Field(default=None, index=True, max_length=7)
    # The address register's HER-id for a person in an organisation (a GP at an office).
    her_id: str | None = Field(default=None, index=True, max_length=9)
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
    # Where the relation comes from: "demo", "operator", or a registry import's source name.
    source: str = Field(default="", max_length=40)
    # The employee confirmed (or disputed) that this is his manager / GP / ...
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    disputed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class IdentityLink(SQLModel, table=True):
    """A sign-in identity (issuer + subject) linked to an actor at its first sign-in, by
    the issuer's linking rule (``web.identity``).  The subject may be pairwise (ID-porten):
    it is only ever compared, never shown."""

    __tablename__ = "identity_link"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_identity_link_issuer_subject"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    actor_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    # The actor field the claim matched: "national_id", "hpr_number", "nav_ident", "subject".
    matched_by: str = Field(max_length=20)
    linked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_sign_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class DirectoryChange(SQLModel, table=True):
    """The audit trail of the directory: one row per change an operator, an import or a
    sign-in made to an organisation, actor, relation or identity link.  National ids in
    ``detail`` are masked; nothing here is ever updated or deleted."""

    __tablename__ = "directory_change"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    # Who: an operator actor, or a label for a command line or import ("cli:ops", "import:hpr").
    by_actor_id: str | None = Field(default=None, foreign_key="actor.id", max_length=36)
    by_label: str = Field(default="", max_length=100)
    action: str = Field(max_length=40)  # "create", "update", "end", "link", "confirm", ...
    target_type: str = Field(max_length=20)  # "organisation", "actor", "relation", "identity_link"
    target_id: str = Field(index=True, max_length=36)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: changed fields


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
