"""Input and output shapes of the consent API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from consent.types import Category, Direction, PartyKind, Purpose
from directory.types import CaseRole

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _samband_id(value: str) -> str:
    if not _UUID.match(value):
        raise ValueError(
            "is not a samband id; ids are lower-case UUIDs such as "
            "'1b4e28ba-2fa1-41d2-883f-0016d3cca427' — copy it from the directory"
        )
    return value


SambandId = Annotated[str, AfterValidator(_samband_id)]


class PartyIn(BaseModel):
    """Who: a named person, everyone in an organisation, or whoever holds a role for you."""

    model_config = ConfigDict(extra="forbid")

    kind: PartyKind
    id: SambandId | None = Field(default=None, description="actor or organisation id")
    role: CaseRole | None = Field(default=None, description="for kind=role, e.g. nearest_manager")

    @model_validator(mode="after")
    def _one_reference(self) -> "PartyIn":
        if self.kind is PartyKind.ROLE:
            if self.role is None or self.id is not None:
                raise ValueError("a party of kind 'role' names a role (e.g. 'gp') and no id")
        elif self.id is None or self.role is not None:
            raise ValueError(f"a party of kind '{self.kind.value}' needs an id and no role")
        return self

    @property
    def value(self) -> str:
        return self.role.value if self.role is not None else self.id  # type: ignore[return-value]


class GrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: PartyIn
    discloser: PartyIn | None = Field(default=None, description="who may disclose; none = anyone in your case")
    direction: Direction = Direction.ONE_WAY
    categories: list[Category] = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)
    valid_from: AwareDatetime | None = Field(default=None, description="default: now")
    valid_to: AwareDatetime
    case_id: SambandId | None = None

    @model_validator(mode="after")
    def _coherent(self) -> "GrantCreate":
        if self.valid_from is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from: a consent must last some time")
        if self.direction is Direction.BOTH and self.discloser is None:
            raise ValueError("direction 'both' needs a discloser: both ways between whom?")
        return self


class PartyPublic(BaseModel):
    kind: PartyKind
    id: str | None = None
    role: CaseRole | None = None
    name: str | None = None


class GrantPublic(BaseModel):
    id: str
    subject_id: str
    recipient: PartyPublic
    discloser: PartyPublic | None
    direction: Direction
    categories: list[Category]
    purposes: list[Purpose]
    valid_from: datetime
    valid_to: datetime
    case_id: str | None
    granted_at: datetime
    revoked_at: datetime | None
    status: Literal["active", "scheduled", "expired", "revoked"]


class ExclusionCreate(BaseModel):
    """Never this person, or never anyone at this organisation except the named people.

    Give ``actor_id`` or ``organisation_id``, not both; ``except_ids`` only with an
    organisation.  An exclusion that covers ``sick_leave`` (every category does) also
    keeps the people it names out of the case (docs/decisions/0009)."""

    model_config = ConfigDict(extra="forbid")

    actor_id: SambandId | None = None
    organisation_id: SambandId | None = None
    except_ids: list[SambandId] = Field(default_factory=list, max_length=50,
                                        description="people at the organisation who are not excluded")
    categories: list[Category] = Field(default_factory=list, description="empty: every category")

    @model_validator(mode="after")
    def _one_target(self) -> "ExclusionCreate":
        if (self.actor_id is None) == (self.organisation_id is None):
            raise ValueError("give either 'actor_id' (one person) or 'organisation_id' (everyone there), not both")
        if self.except_ids and self.organisation_id is None:
            raise ValueError("'except_ids' names exceptions to an organisation; give 'organisation_id' too")
        return self


class ExclusionPublic(BaseModel):
    id: str
    actor_id: str | None
    actor_name: str | None
    organisation_id: str | None = None
    organisation_name: str | None = None
    except_ids: list[str] = Field(default_factory=list)
    categories: list[Category]
    created_at: datetime
    lifted_at: datetime | None


class ConsentRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_id: SambandId
    grant: GrantCreate
    reason: str = Field(min_length=3, max_length=1000, description="why, in plain words, for the employee")


class ConsentRequestPublic(BaseModel):
    id: str
    subject_id: str
    requester_id: str
    requester_name: str | None
    grant: GrantCreate
    reason: str
    status: Literal["pending", "accepted", "declined", "withdrawn"]
    grant_id: str | None
    created_at: datetime
    answered_at: datetime | None


class ConsentRequestAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool


class NavRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_id: SambandId
    addressee_id: SambandId
    categories: list[Category] = Field(min_length=1)
    purpose: Purpose = Purpose.NAV_BENEFIT_ASSESSMENT
    reference: str = Field(default="", max_length=200)


class NavRequestAct(BaseModel):
    """The metadata of a ``nav_request`` message: what the server must know to register
    NAV's request (folketrygdloven § 21-4) with the message, never its content.  The
    requester is the sender, the subject the case's employee."""

    model_config = ConfigDict(extra="forbid")

    addressee_ids: list[SambandId] = Field(
        min_length=1, max_length=30, description="the health personnel asked: recipients of this message")
    categories: list[Category] = Field(min_length=1, max_length=8, description="what NAV asks for")
    reference: str = Field(default="", max_length=200, description="NAV's own reference, if any")
    answer_by: date | None = Field(default=None, description="the answer-by date NAV gives")


class NavSummonsAct(BaseModel):
    """The metadata of NAV's ``meeting_invitation`` to dialogue meeting 2 or 3
    (folketrygdloven § 8-7a): which meeting.  The people called are the message's
    recipients; the server never sees the invitation's content."""

    model_config = ConfigDict(extra="forbid")

    meeting_type: Literal["dialogue_meeting_2", "dialogue_meeting_3"]


class NavRequestPublic(BaseModel):
    id: str
    subject_id: str
    requester_id: str
    addressee_id: str
    categories: list[Category]
    purpose: Purpose
    reference: str
    created_at: datetime
    expires_at: datetime
    message_id: str | None = None
    answer_by: date | None = None


class DecisionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_id: SambandId = Field(description="the sick-listed person the information is about")
    recipient_id: SambandId
    category: Category
    purpose: Purpose
    sender_id: SambandId | None = Field(default=None, description="default: you")
    case_id: SambandId | None = None


class BasisPublic(BaseModel):
    kind: str
    ref: str
    text: str


class DecisionPublic(BaseModel):
    permitted: bool
    basis: BasisPublic | None = None
    reason: str | None = None
    message: str | None = None
    log_entry: int


class LogEntryPublic(BaseModel):
    seq: int
    entry_id: str
    occurred_at: datetime
    tag: str
    outcome: str
    actor_id: str
    sender_id: str | None
    recipient_id: str | None
    recipient_name: str | None = None
    category: str | None
    purpose: str | None
    case_id: str | None
    basis_kind: str | None
    basis_ref: str | None
    basis_text: str | None
    reason: str | None
    index: int = Field(description="The entry's place in your own log: 0, 1, 2, ...")
    leaf: str = Field(description="The entry's canonical JSON, exactly the bytes that were hashed (docs/disclosure-log.md)")
    inclusion_proof: list[str] = Field(description="Hex hashes proving the leaf is in the tree of the returned head (RFC 9162 §2.1.3)")


class TreeHeadPublic(BaseModel):
    """A signed tree head: the server's Ed25519 signature over one log's root at one size."""

    log_id: str
    tree_size: int
    root_hash: str
    signed_at: str = Field(description="YYYY-MM-DDTHH:MM:SS.ffffffZ, exactly as signed")
    key_id: str
    signature: str = Field(description="base64url, no padding")


class LogKeyPublic(BaseModel):
    key_id: str
    ed25519: str = Field(description="The raw 32-byte Ed25519 public key, base64url without padding")


class LogPublic(BaseModel):
    log_id: str
    head: TreeHeadPublic
    public_key: LogKeyPublic
    entries: list[LogEntryPublic]
    next_before: int | None = Field(description="Pass as before= for the next (older) page; null on the last")


class ConsistencyPublic(BaseModel):
    log_id: str
    first: TreeHeadPublic
    second: TreeHeadPublic
    proof: list[str] = Field(description="Hex hashes proving the second head's tree extends the first's (RFC 9162 §2.1.4)")


class WitnessHeadsPublic(BaseModel):
    heads: list[TreeHeadPublic]
    next_after: str | None = Field(description="Pass as after= for the next page; null on the last")
