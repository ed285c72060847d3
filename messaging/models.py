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
    # The case's end (messaging.caselife): from then on it is read-only for professionals,
    # and its message content is purged ``retention`` days after ``closed_on``.
    closed_on: date | None = Field(default=None)  # the last day of the case (the end date)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))  # when it was recorded
    closed_reason: str | None = Field(default=None, max_length=40)  # a messaging.caselife.EndReason value
    closed_by: str | None = Field(default=None, max_length=36)
    purged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


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
    # NULL once the retention period after the case's end has passed (messaging.caselife.purge):
    # the row, its receipts and the log's entries about it stay; the sealed bytes do not.
    envelope: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
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


class CoordinatorAppointment(SQLModel, table=True):
    """One stretch of one person coordinating one case (messaging/coordinator.py).

    The directory relation ``coordinator_of`` is what consent and participation read;
    this row is its history: who appointed whom, under which rules, how it ended, and
    whether the employee agreed.  No free text of the employee's: his wishes in his own
    words go as an encrypted message in the case (docs/coordinator.md).
    """

    __tablename__ = "coordinator_appointment"
    __table_args__ = (Index("ix_coordinator_appointment_case", "case_id", "started_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="sick_leave_case.id", max_length=36)
    subject_id: str = Field(foreign_key="actor.id", max_length=36)
    coordinator_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    appointed_by: str = Field(foreign_key="actor.id", max_length=36)
    rules_version: str = Field(max_length=20)
    # agreed | objected | not_asked: what the employee said, by the appointer or by himself
    employee_view: str = Field(default="not_asked", max_length=20)
    employee_view_by: str | None = Field(default=None, max_length=36)
    wishes_message_id: str | None = Field(default=None, max_length=36)  # his words, sealed, in the case
    relation_id: str | None = Field(default=None, max_length=36)
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    ended_by: str | None = Field(default=None, max_length=36)
    end_reason: str | None = Field(default=None, max_length=20)  # handed_over | ended


class PlanVersion(SQLModel, table=True):
    """One version of a case's follow-up plan: an encrypted ``follow_up_plan`` message in
    the case's plan thread.  The server numbers versions (1, 2, ...) under the employee's
    lock and keeps only what it sees: who, when, which message, the evaluation date the
    sender gave beside the message, and when the employee acknowledged it."""

    __tablename__ = "plan_version"
    __table_args__ = (Index("ix_plan_version_case_number", "case_id", "number", unique=True),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="sick_leave_case.id", max_length=36)
    thread_id: str = Field(foreign_key="thread.id", max_length=36)
    message_id: str = Field(foreign_key="message.id", unique=True, max_length=36)
    number: int
    author_id: str = Field(foreign_key="actor.id", max_length=36)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    evaluation_date: date
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    acknowledgement_id: str | None = Field(default=None, max_length=36)  # the employee's ack message
    evaluated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class PlanShare(SQLModel, table=True):
    """A plan version sent on (to the GP, to NAV): a sealed copy in a share thread."""

    __tablename__ = "plan_share"

    message_id: str = Field(foreign_key="message.id", primary_key=True, max_length=36)
    version_id: str = Field(foreign_key="plan_version.id", index=True, max_length=36)
    thread_id: str = Field(foreign_key="thread.id", max_length=36)
    shared_by: str = Field(foreign_key="actor.id", max_length=36)
    shared_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Meeting(SQLModel, table=True):
    """A meeting (a dialogue meeting 1, 2, 3 or another), made by the invitation that
    called it.  Metadata only: which meeting, who called whom, its state and when each
    thing happened.  Time, place, agenda and minutes stay in the encrypted messages."""

    __tablename__ = "meeting"

    id: str = Field(primary_key=True, max_length=36)  # chosen by the convener's client
    case_id: str = Field(foreign_key="sick_leave_case.id", index=True, max_length=36)
    thread_id: str = Field(foreign_key="thread.id", index=True, max_length=36)
    meeting_type: str = Field(max_length=40)  # dialogue_meeting_1 | _2 | _3 | other_meeting
    convener_id: str = Field(foreign_key="actor.id", max_length=36)
    state: str = Field(max_length=20)  # invited | changed | cancelled | held
    invitation_message_id: str = Field(max_length=36)
    details_message_id: str = Field(max_length=36)  # the invitation or latest change: the current time and place
    invited_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    change_count: int = Field(default=0)
    changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    held_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    minutes_message_id: str | None = Field(default=None, max_length=36)


class MeetingInvitee(SQLModel, table=True):
    """One person called to a meeting and the kind of their latest answer to its
    current time and place (a change clears the answers: they were to the old time)."""

    __tablename__ = "meeting_invitee"

    meeting_id: str = Field(foreign_key="meeting.id", primary_key=True, max_length=36)
    actor_id: str = Field(foreign_key="actor.id", primary_key=True, max_length=36, index=True)
    answer: str | None = Field(default=None, max_length=20)  # coming | new_time_wanted | cannot_come
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    answer_message_id: str | None = Field(default=None, max_length=36)


class MeetingTask(SQLModel, table=True):
    """A task agreed in a meeting's minutes: who owns it and by when.  Its text stays
    inside the encrypted minutes (the task id is written there too)."""

    __tablename__ = "meeting_task"
    __table_args__ = (Index("ix_meeting_task_owner", "owner_id", "done_at"),)

    id: str = Field(primary_key=True, max_length=36)  # chosen by the writer's client
    meeting_id: str = Field(foreign_key="meeting.id", index=True, max_length=36)
    case_id: str = Field(foreign_key="sick_leave_case.id", max_length=36)
    minutes_message_id: str = Field(max_length=36)
    owner_id: str = Field(foreign_key="actor.id", max_length=36)
    due_date: date | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


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
