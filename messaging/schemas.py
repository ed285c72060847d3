"""Shapes of cases, threads and messages in and out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from consent.schemas import NavRequestAct, NavSummonsAct, SambandId
from consent.types import Category, Purpose


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: date
    grade: int = Field(default=100, ge=1, le=100, description="sick-leave grade in percent")


class CasePublic(BaseModel):
    id: str
    employee_id: str
    employer_organisation_id: str | None
    start_date: date
    grade: int
    closed_on: date | None = Field(default=None, description="the case's end date; from then on it is read-only")
    closed_reason: str | None = Field(default=None, description="why it ended (see messaging/rules/retention-*.toml)")


class CaseClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(pattern=r"^(back_at_work|benefit_ended_52_weeks|new_employer|other)$",
                        description="back_at_work (NAV or the employer), benefit_ended_52_weeks, new_employer, other (NAV)")
    ended_on: date | None = Field(default=None, description="the case's last day; default today")


class ClosurePublic(BaseModel):
    closed_on: date
    closed_at: datetime
    reason: str
    closed_by: str | None
    purge_on: date = Field(description="from this day the messages' content and attachments are deleted")
    purged_at: datetime | None
    purge_soon: bool = Field(description="the purge is within the rules' warning window")
    rules_version: str


class ParticipantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor_id: SambandId
    reason: str = Field(min_length=3, max_length=500, description="why, in words the employee reads")


class ParticipantPublic(BaseModel):
    actor_id: str
    name: str
    case_role: str
    reason: str
    added_by: str
    added_at: datetime
    can_receive_messages: bool


class GradeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_date: date
    grade: int = Field(ge=0, le=100)


class GradePublic(BaseModel):
    from_date: date
    grade: int


class MilestonePublic(BaseModel):
    code: str
    title_nb: str
    title_en: str
    due_date: date
    responsible: list[str]
    status: str
    law: str | None = None
    due_soon_from: date | None = None


class CaseDetail(CasePublic):
    participants: list[ParticipantPublic]
    grades: list[GradePublic]
    milestones: list[MilestonePublic]
    closure: ClosurePublic | None = Field(default=None, description="the case's end; null while it is open")


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_ids: list[SambandId] = Field(min_length=1, max_length=30)
    topic: str = Field(default="conversation", pattern=r"^[a-z_]{1,40}$")


class ThreadPublic(BaseModel):
    id: str
    case_id: str
    topic: str
    created_by: str
    created_at: datetime
    member_ids: list[str]


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[Category] = Field(min_length=1)
    purpose: Purpose
    purposes: dict[SambandId, Purpose] = Field(default_factory=dict, description="per-recipient purpose, where it differs")
    nav_summons: NavSummonsAct | None = Field(
        default=None, description="NAV asks for keys to call the members to dialogue meeting 2 or 3 (ftrl § 8-7a)")


MeetingType = Literal["dialogue_meeting_1", "dialogue_meeting_2", "dialogue_meeting_3", "other_meeting"]
MeetingAnswer = Literal["coming", "new_time_wanted", "cannot_come"]


class MeetingTaskAct(BaseModel):
    """One task agreed in the minutes: its id (also written in the encrypted minutes),
    who owns it and by when.  Its text stays in the minutes."""

    model_config = ConfigDict(extra="forbid")

    task_id: SambandId
    owner_id: SambandId
    due_date: date | None = None


class MeetingAct(BaseModel):
    """The metadata a meeting message carries, which the server checks against the
    envelope and records with the message: which meeting (its id: new on the
    invitation), its type (on the invitation), the answer's kind (on a response), the
    tasks' owners and due dates (on the minutes)."""

    model_config = ConfigDict(extra="forbid")

    meeting_id: SambandId
    meeting_type: MeetingType | None = None
    answer: MeetingAnswer | None = None
    tasks: list[MeetingTaskAct] = Field(default_factory=list, max_length=30)


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    envelope: str = Field(min_length=1, max_length=8_000_000, description="the sealed envelope, base64url")
    purpose: Purpose | None = Field(default=None, description="default: the message kind's purpose")
    purposes: dict[SambandId, Purpose] = Field(default_factory=dict, description="per-recipient purpose, where it differs")
    nav_request: NavRequestAct | None = Field(
        default=None, description="required with kind nav_request: registers NAV's request (ftrl § 21-4) with the message")
    nav_summons: NavSummonsAct | None = Field(
        default=None, description="NAV's meeting_invitation to dialogue meeting 2 or 3 (ftrl § 8-7a): which meeting")
    plan: PlanMeta | None = Field(
        default=None, description="with follow_up_plan and follow_up_plan_ack in plan threads (docs/follow-up-plan.md)")

    meeting: MeetingAct | None = Field(
        default=None, description="on meeting_invitation, _change, _cancellation, _response and minutes: the meeting "
                                  "it belongs to (docs/meetings.md)")

    attachments: dict[SambandId, Annotated[int, Field(ge=0, le=255)]] = Field(
        default_factory=dict, max_length=20,
        description="your finished uploads in this thread, each with the id of the section it belongs to")


class PlanMeta(BaseModel):
    """What the server keeps of a follow-up plan message, sent beside the sealed envelope
    (docs/follow-up-plan.md); the plan itself stays sealed.

    - a ``follow_up_plan`` in the case's plan thread is a new version: ``evaluation_date``;
    - a ``follow_up_plan`` in a share thread sends a version on: ``shares`` (its message id);
    - a ``follow_up_plan_ack`` in the plan thread answers the version it replies to:
      ``acknowledgement`` as in the sealed form (only "read_and_agree" acknowledges)."""

    model_config = ConfigDict(extra="forbid")

    evaluation_date: date | None = Field(default=None, description="when the plan is to be evaluated")
    shares: SambandId | None = Field(default=None, description="the message id of the version sent on")
    acknowledgement: Literal["read_and_agree", "read_with_comments"] | None = Field(
        default=None, description="the answer in a follow_up_plan_ack")


class PlanShareCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient_id: SambandId = Field(description="the GP or NAV adviser of the case to send the plan to")


MessageCreate.model_rebuild()


# --- the coordinator and deadlines (issue 11) ---------------------------------------------


class CoordinatorAppoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor_id: SambandId = Field(description="who is to coordinate")
    employee_agreed: bool | None = Field(
        default=None, description="whether the employee agreed (true), objected (false), or was not asked (null)")
    wishes_message_id: SambandId | None = Field(
        default=None, description="a message the employee wrote in the case with his wishes (sealed; the server keeps only its id)")


class CoordinatorView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agreed: bool = Field(description="the employee agrees with his coordinator (true) or objects (false)")
    wishes_message_id: SambandId | None = None


class AppointmentPublic(BaseModel):
    id: str
    coordinator_id: str
    coordinator_name: str
    appointed_by: str
    appointed_by_name: str
    rules_version: str
    employee_view: str = Field(description="agreed | objected | not_asked")
    wishes_message_id: str | None
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None = Field(description="handed_over | ended, once it ended")


class CoordinatorPublic(BaseModel):
    case_id: str
    current: list[str] = Field(description="who coordinates the case now (usually one)")
    current_names: list[str]
    history: list[AppointmentPublic]


class DeadlinePublic(BaseModel):
    kind: str = Field(description="nav_request | consent_request | consent_expiring | milestone | a registered source's kind")
    case_id: str | None
    due_at: date
    overdue: bool
    action: str = Field(description="what to do, a stable code; its words are the portal's deadline.<action>")
    text: str = Field(description="the same in plain words, in the caller's language")
    link: str
    ref: str | None = Field(description="the id of the thing: a request, a consent, a milestone code")


class MeetingInviteePublic(BaseModel):
    actor_id: str
    name: str
    role: str
    answer: MeetingAnswer | None
    answered_at: datetime | None


class MeetingTaskPublic(BaseModel):
    id: str
    meeting_id: str
    case_id: str
    thread_id: str
    meeting_type: str
    minutes_message_id: str
    owner_id: str
    due_date: date | None
    created_at: datetime
    done_at: datetime | None


class MeetingPublic(BaseModel):
    id: str
    case_id: str
    thread_id: str
    meeting_type: str
    convener_id: str
    state: Literal["invited", "changed", "cancelled", "held"]
    invitation_message_id: str
    details_message_id: str = Field(description="the invitation or its latest change: where the current time and place are")
    invited_at: datetime
    change_count: int
    changed_at: datetime | None
    cancelled_at: datetime | None
    held_at: datetime | None
    minutes_message_id: str | None
    invitees: list[MeetingInviteePublic]
    tasks: list[MeetingTaskPublic]
    may_change: bool = Field(description="the caller may change, cancel or write minutes (convener or coordinator)")
    may_answer: bool = Field(description="the caller is invited and the meeting is still open")


class UploadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int = Field(ge=1, description="the file's plaintext bytes (the ciphertext adds 16 per chunk)")
    chunk_size: int = Field(default=65536, description="plaintext bytes per chunk, 4 KiB to 1 MiB; 64 KiB is usual")
