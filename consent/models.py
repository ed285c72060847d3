"""Consent tables.  ``consent_event`` and ``disclosure_log`` are insert-only (a log tree row
moves forward with its log; its heads are insert-only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from directory.columns import UTCDateTime, new_id, utcnow


class ConsentEvent(SQLModel, table=True):
    """One thing the employee did: granted, revoked, excluded, lifted an exclusion.

    Current consent state is derived by folding a subject's events in ``seq`` order.
    """

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_event_subject_seq", "subject_id", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(default_factory=new_id, unique=True, max_length=36)
    subject_id: str = Field(foreign_key="actor.id", max_length=36)
    kind: str = Field(max_length=40)  # a consent.audit.ConsentEventKind value
    target_id: str = Field(max_length=36)  # the grant or exclusion the event is about
    payload: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    recorded_by: str = Field(max_length=36)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ConsentRequestRow(SQLModel, table=True):
    """A professional asks the employee for consent; the employee answers."""

    __tablename__ = "consent_request"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    subject_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    requester_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the grant asked for, JSON
    reason: str = Field(max_length=1000)
    status: str = Field(default="pending", max_length=20)  # pending|accepted|declined|withdrawn
    grant_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class NavRequestRow(SQLModel, table=True):
    """NAV's request to a GP or specialist for information (dialogmelding forespørsel)."""

    __tablename__ = "nav_request"
    __table_args__ = (Index("ix_nav_request_subject_addressee", "subject_id", "addressee_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    subject_id: str = Field(foreign_key="actor.id", max_length=36)
    requester_id: str = Field(foreign_key="actor.id", max_length=36)
    requester_organisation_id: str | None = Field(default=None, max_length=36)
    addressee_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    categories: str = Field(max_length=400)  # comma-separated Category values
    purpose: str = Field(max_length=40)
    reference: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Set when the request was made by sending a ``nav_request`` message (one act, one
    # transaction); None for a request made on its own (POST /consent/nav-requests).
    message_id: str | None = Field(default=None, max_length=36, index=True)
    answer_by: date | None = None


class NavSummonsRow(SQLModel, table=True):
    """NAV calls dialogue meeting 2 or 3 (folketrygdloven § 8-7a) and names who it calls.

    Made with the ``meeting_invitation`` message that carries the summons, in the same
    transaction; holds metadata only (which meeting, who is called), never the content.
    """

    __tablename__ = "nav_summons"
    __table_args__ = (Index("ix_nav_summons_subject_convener", "subject_id", "convener_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    subject_id: str = Field(foreign_key="actor.id", max_length=36)
    case_id: str = Field(max_length=36)
    convener_id: str = Field(foreign_key="actor.id", max_length=36)
    meeting_type: str = Field(max_length=40)  # dialogue_meeting_2 | dialogue_meeting_3
    invitee_ids: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated actor ids
    message_id: str = Field(max_length=36, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DisclosureLogEntry(SQLModel, table=True):
    """One decision, permit or deny, with its basis: one leaf of its subject's tree.

    ``leaf_index`` is the entry's place in the subject's own log (0, 1, 2, ...),
    ``leaf_hash`` the RFC 9162 hash of its canonical JSON (``consent.logformat``).
    ``seq`` numbers every entry across all subjects, for paging only: it is not hashed.
    Holds identifiers only, never content.
    """

    __tablename__ = "disclosure_log"
    __table_args__ = (Index("ix_disclosure_log_subject_leaf", "subject_id", "leaf_index", unique=True),)

    seq: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(default_factory=new_id, unique=True, max_length=36)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    tag: str = Field(max_length=60)  # source:subject:action, e.g. disclosure:decision:granted
    subject_id: str = Field(max_length=36)
    actor_id: str = Field(max_length=36)  # who asked / acted
    sender_id: str | None = Field(default=None, max_length=36)
    recipient_id: str | None = Field(default=None, max_length=36)
    category: str | None = Field(default=None, max_length=40)
    purpose: str | None = Field(default=None, max_length=40)
    case_id: str | None = Field(default=None, max_length=36)
    outcome: str = Field(max_length=10)  # permit | deny | record
    basis_kind: str | None = Field(default=None, max_length=20)
    basis_ref: str | None = Field(default=None, max_length=200)
    basis_text: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=400)
    leaf_index: int
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogTree(SQLModel, table=True):
    """One subject's Merkle tree as it stands: its size and frontier (O(log n) append)."""

    __tablename__ = "disclosure_log_tree"

    log_id: str = Field(primary_key=True, max_length=64)  # consent.logformat.log_id(subject_id)
    subject_id: str = Field(unique=True, max_length=36)
    size: int
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # merkle.Frontier.pack()
    last_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # the newest leaf's occurred_at


class LogHead(SQLModel, table=True):
    """A signed tree head: the server's Ed25519 signature over one log's root at one size.

    Every head ever signed is kept, so any older head can be proven consistent with a newer one.
    """

    __tablename__ = "disclosure_log_tree_head"

    log_id: str = Field(primary_key=True, max_length=64)
    tree_size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    root_hash: str = Field(max_length=64)  # hex
    signed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=200)  # base64url
