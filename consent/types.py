"""Value types of the consent engine.  Pure: standard library and ``directory.types`` only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from directory.types import CaseRole, Role


class Category(StrEnum):
    """The eight information categories, from least to most sensitive."""

    SICK_LEAVE = "sick_leave"  # sick-leave period and grade (sykmeldingsgrad)
    FUNCTIONAL_ABILITY = "functional_ability"  # funksjonsevne, arbeidsevne, restrictions
    WORK_TASKS = "work_tasks"  # job demands and adaptation options, from the employer
    FOLLOW_UP_PLAN = "follow_up_plan"  # oppfølgingsplan and meeting minutes (referat)
    TREATMENT_STATUS = "treatment_status"  # treatment, referral, expected dates
    SPECIALIST_STATEMENT = "specialist_statement"  # erklæringer
    DIAGNOSIS = "diagnosis"  # diagnosis, test results, medical history
    PSYCHOSOCIAL = "psychosocial"  # personal context, motivation, conflicts at work


CATEGORY_LABELS: dict[Category, tuple[str, str]] = {
    Category.SICK_LEAVE: ("Sykmeldingsperiode og -grad", "Sick-leave period and grade"),
    Category.FUNCTIONAL_ABILITY: ("Funksjonsevne og arbeidsevne", "Functional ability and work capacity"),
    Category.WORK_TASKS: ("Arbeidsoppgaver og tilrettelegging", "Work tasks and adaptation options"),
    Category.FOLLOW_UP_PLAN: ("Oppfølgingsplan og referater", "Follow-up plan and minutes"),
    Category.TREATMENT_STATUS: ("Behandling, henvisning og ventetid", "Treatment, referral and waiting time"),
    Category.SPECIALIST_STATEMENT: ("Spesialisterklæringer", "Specialist statements"),
    Category.DIAGNOSIS: ("Diagnose, prøvesvar og sykehistorie", "Diagnosis, test results and history"),
    Category.PSYCHOSOCIAL: ("Personlige og psykososiale forhold", "Personal and psychosocial context"),
}


class Purpose(StrEnum):
    WORKPLACE_ADAPTATION = "workplace_adaptation"
    FOLLOW_UP_PLAN = "follow_up_plan"
    DIALOGUE_MEETING = "dialogue_meeting"
    NAV_BENEFIT_ASSESSMENT = "nav_benefit_assessment"
    TREATMENT_COORDINATION = "treatment_coordination"


PURPOSE_LABELS: dict[Purpose, tuple[str, str]] = {
    Purpose.WORKPLACE_ADAPTATION: ("Tilrettelegging på arbeidsplassen", "Workplace adaptation"),
    Purpose.FOLLOW_UP_PLAN: ("Oppfølgingsplan", "Follow-up plan"),
    Purpose.DIALOGUE_MEETING: ("Dialogmøte", "Dialogue meeting"),
    Purpose.NAV_BENEFIT_ASSESSMENT: ("NAVs vurdering av ytelser", "NAV benefit assessment"),
    Purpose.TREATMENT_COORDINATION: ("Samordning av behandling", "Treatment coordination"),
}


class PartyKind(StrEnum):
    PERSON = "person"  # one named actor
    ORGANISATION = "organisation"  # anyone who is a member of the organisation
    ROLE = "role"  # whoever holds a role for the subject (CaseRole), e.g. "my GP"


class Direction(StrEnum):
    ONE_WAY = "one_way"  # discloser -> recipient
    BOTH = "both"  # and recipient -> discloser (needs a named discloser)


@dataclass(frozen=True, slots=True)
class Party:
    kind: PartyKind
    value: str  # actor id, organisation id or CaseRole value


@dataclass(frozen=True, slots=True)
class ActorFacts:
    """What the decision needs to know about one actor, relative to the subject."""

    actor_id: str
    role: Role
    organisation_ids: frozenset[str] = frozenset()
    case_roles: frozenset[CaseRole] = frozenset()


@dataclass(frozen=True, slots=True)
class Grant:
    """A consent grant as derived from its events (``revoked_at`` set by revocation)."""

    grant_id: str
    subject_id: str
    recipient: Party
    categories: frozenset[Category]
    purposes: frozenset[Purpose]
    valid_from: datetime
    valid_to: datetime
    granted_at: datetime
    discloser: Party | None = None
    direction: Direction = Direction.ONE_WAY
    case_id: str | None = None
    revoked_at: datetime | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """"Never this person" (``actor_id``), or "never anyone at this organisation except
    these people" (``organisation_id`` and ``except_ids``): overrides every consent grant
    for the listed categories.  Exactly one of ``actor_id`` and ``organisation_id`` is set."""

    exclusion_id: str
    subject_id: str
    actor_id: str | None
    categories: frozenset[Category]  # empty: every category
    created_at: datetime
    lifted_at: datetime | None = None
    organisation_id: str | None = None
    except_ids: frozenset[str] = frozenset()


class Requirement(StrEnum):
    NAV_REQUEST = "nav_request"  # NAV has asked the sender for this information
    NAV_SUMMONS = "nav_summons"  # NAV (the sender) has called the recipient to dialogue meeting 2 or 3


@dataclass(frozen=True, slots=True)
class StatutoryRule:
    rule_id: str
    version: str
    law: str  # e.g. "folketrygdloven § 21-4"
    title: str
    sender_roles: frozenset[Role]
    recipient_roles: frozenset[Role]
    categories: frozenset[Category]
    purposes: frozenset[Purpose]
    valid_from: datetime
    valid_to: datetime | None = None
    requires: Requirement | None = None


@dataclass(frozen=True, slots=True)
class NavRequest:
    """NAV has asked ``addressee`` for information about ``subject`` (forespørsel)."""

    request_id: str
    subject_id: str
    requester_id: str
    requester_organisation_id: str | None
    addressee_id: str
    categories: frozenset[Category]
    purpose: Purpose
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NavSummons:
    """NAV's ``convener_id`` has called ``invitee_ids`` to dialogue meeting 2 or 3 about
    ``subject_id`` (folketrygdloven § 8-7a)."""

    summons_id: str
    subject_id: str
    convener_id: str
    invitee_ids: frozenset[str]
    meeting_type: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class DisclosureRequest:
    """May ``sender`` give ``recipient`` information of ``category`` about ``subject_id``
    for ``purpose`` at time ``at``?"""

    subject_id: str
    sender: ActorFacts
    recipient: ActorFacts
    category: Category
    purpose: Purpose
    at: datetime
    case_id: str | None = None


class BasisKind(StrEnum):
    CONSENT = "consent"
    STATUTORY = "statutory"
    OWN = "own"  # the subject is sender or recipient


@dataclass(frozen=True, slots=True)
class Basis:
    kind: BasisKind
    ref: str  # grant id, "rule_id@version", or "subject"
    text: str  # for a person: "your consent of 2026-03-03", "folketrygdloven § 21-4"


class DenyReason(StrEnum):
    NO_BASIS = "no_basis"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    EXCLUDED = "excluded"


@dataclass(frozen=True, slots=True)
class Permit:
    basis: Basis
    permitted: bool = field(default=True, init=False)


@dataclass(frozen=True, slots=True)
class Deny:
    reason: DenyReason
    message: str
    permitted: bool = field(default=False, init=False)


Decision = Permit | Deny
