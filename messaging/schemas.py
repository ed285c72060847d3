"""Shapes of cases, threads and messages in and out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

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


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    envelope: str = Field(min_length=1, max_length=8_000_000, description="the sealed envelope, base64url")
    purpose: Purpose | None = Field(default=None, description="default: the message kind's purpose")
    purposes: dict[SambandId, Purpose] = Field(default_factory=dict, description="per-recipient purpose, where it differs")
    nav_request: NavRequestAct | None = Field(
        default=None, description="required with kind nav_request: registers NAV's request (ftrl § 21-4) with the message")
    nav_summons: NavSummonsAct | None = Field(
        default=None, description="NAV's meeting_invitation to dialogue meeting 2 or 3 (ftrl § 8-7a): which meeting")
    attachments: dict[SambandId, Annotated[int, Field(ge=0, le=255)]] = Field(
        default_factory=dict, max_length=20,
        description="your finished uploads in this thread, each with the id of the section it belongs to")


class UploadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int = Field(ge=1, description="the file's plaintext bytes (the ciphertext adds 16 per chunk)")
    chunk_size: int = Field(default=65536, description="plaintext bytes per chunk, 4 KiB to 1 MiB; 64 KiB is usual")
