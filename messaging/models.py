"""Messaging tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from directory.columns import UTCDateTime, new_id, utcnow


class Case(SQLModel, table=True):
    """One sick-leave episode (sykefraværstilfelle) of one employee."""

    __tablename__ = "sick_leave_case"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    employee_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    employer_organisation_id: str | None = Field(
        default=None, foreign_key="organisation.id", max_length=36
    )
    start_date: date
    grade: int = Field(default=100)  # sykmeldingsgrad in percent
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class CaseGrade(SQLModel, table=True):
    """Grade history: from ``from_date`` the sick-leave grade is ``grade`` percent."""

    __tablename__ = "case_grade"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="sick_leave_case.id", index=True, max_length=36)
    from_date: date
    grade: int
    recorded_by: str = Field(max_length=36)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class CaseParticipant(SQLModel, table=True):
    """Someone taking part in a case, added one at a time, by relation, with a reason
    the employee can read."""

    __tablename__ = "case_participant"
    __table_args__ = (Index("ix_case_participant_actor", "actor_id", "case_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="sick_leave_case.id", index=True, max_length=36)
    actor_id: str = Field(foreign_key="actor.id", max_length=36)
    case_role: str = Field(max_length=40)  # a directory.types.CaseRole value, or "employee"
    reason: str = Field(max_length=500)
    added_by: str = Field(max_length=36)
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    removed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class Thread(SQLModel, table=True):
    """A conversation inside a case among a subset of its participants.  It has no
    free-text title: anything written about the person goes in encrypted messages."""

    __tablename__ = "thread"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="sick_leave_case.id", index=True, max_length=36)
    topic: str = Field(max_length=40)  # a message kind or "conversation"
    created_by: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ThreadMember(SQLModel, table=True):
    __tablename__ = "thread_member"

    thread_id: str = Field(foreign_key="thread.id", primary_key=True, max_length=36)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True, max_length=36, index=True)
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Message(SQLModel, table=True):
    """An accepted envelope.  The server keeps the sealed bytes; it never had a key."""

    __tablename__ = "message"

    id: str = Field(primary_key=True, max_length=36)  # the envelope's message id
    case_id: str = Field(foreign_key="sick_leave_case.id", index=True, max_length=36)
    thread_id: str = Field(foreign_key="thread.id", index=True, max_length=36)
    sender_id: str = Field(foreign_key="actor.id", max_length=36)
    kind: str = Field(max_length=64)
    purpose: str = Field(max_length=40)
    in_reply_to: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    accepted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    recalled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class MessageWrap(SQLModel, table=True):
    """Which recipient key holds a wrap for which section (routing metadata)."""

    __tablename__ = "message_wrap"
    __table_args__ = (Index("ix_message_wrap_recipient", "recipient_id", "message_id"),)

    message_id: str = Field(foreign_key="message.id", primary_key=True, max_length=36)
    recipient_id: str = Field(foreign_key="actor.id", primary_key=True, max_length=36)
    key_id: str = Field(primary_key=True, max_length=64)
    section_id: int = Field(primary_key=True)
    category: str = Field(max_length=40)
    purpose: str = Field(max_length=40)  # why this recipient gets it; re-checked on every read


class Receipt(SQLModel, table=True):
    __tablename__ = "receipt"

    message_id: str = Field(foreign_key="message.id", primary_key=True, max_length=36)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True, max_length=36)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class InboxEvent(SQLModel, table=True):
    """What one actor should hear about, in order: a new message, a receipt, a recall.

    ``seq`` is the cursor a client resumes from; the realtime hub only says "look",
    and every push re-reads from here, so a reconnecting client misses nothing.
    """

    __tablename__ = "inbox_event"
    __table_args__ = (Index("ix_inbox_event_actor_seq", "actor_id", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    actor_id: str = Field(foreign_key="actor.id", max_length=36)
    kind: str = Field(max_length=20)  # message | receipt | recall
    message_id: str = Field(max_length=36)
    case_id: str = Field(max_length=36)
    thread_id: str = Field(max_length=36)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Attachment(SQLModel, table=True):
    """An encrypted attachment's ciphertext chunks on disk (``storage_path``), and whose
    it is.  The key, the file name and the media type are inside the section's sealed
    content; the server sees sizes only (docs/envelope.md, "Attachments")."""

    __tablename__ = "attachment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="sick_leave_case.id", index=True, max_length=36)
    thread_id: str = Field(foreign_key="thread.id", max_length=36)
    uploader_id: str = Field(foreign_key="actor.id", max_length=36)
    message_id: str | None = Field(default=None, foreign_key="message.id", index=True, max_length=36)
    section_id: int | None = Field(default=None)
    size: int  # plaintext bytes, as the uploader declared (the ciphertext is size + 16 per chunk)
    chunk_size: int  # plaintext bytes per chunk (the last may be shorter)
    chunk_count: int
    state: str = Field(max_length=16)  # uploading | complete | linked
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    storage_path: str = Field(max_length=1000)
