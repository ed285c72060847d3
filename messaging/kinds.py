"""Message kinds: structured forms whose every field belongs to one information category.

Pure: standard library, pydantic, ``consent.types`` and ``directory.types`` only.

A message of a kind is a form (a dict).  ``split`` validates it and groups its fields
by ``consent.types.Category`` into one canonical JSON section per category, so each
section can be sealed and released on its own: the employer may open the GP's
functional assessment without the diagnosis in the same message.  ``join`` rebuilds
the form from the sections a recipient could open and names those withheld.

Canonical section bytes: a JSON object, keys sorted, no whitespace, UTF-8 without
``\\u`` escapes for non-ASCII, text NFC-normalised and trimmed; empty and absent fields
are left out.  ``join`` rejects anything else, so equal forms give equal bytes.

Invariants: every top-level field of every form carries exactly one category (checked
at import); fields of nested objects (participants, tasks) live in their parent's.  A
``note``'s text sits in the category its sender names in the form's ``category`` field.
Errors are ``KindError`` (a ``ValueError``, code ``INVALID_FORM``), naming the field.

Each kind notes its NAV dialogmelding equivalent (type + kodeverk/code, from
``research/nav_consent_e2e_anchors.md`` §2.1, §2.3, §2.4), or None when samband adds
something NAV's channel does not carry (employer <-> GP above all).

Glossary: *tilrettelegging* = workplace adaptation, *funksjonsevne* = functional
ability, *forespørsel* = request, *referat* = minutes, *oppfølgingsplan* = follow-up plan.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AnyUrl,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    UrlConstraints,
    ValidationError,
    model_validator,
)

from consent.types import Category, Purpose
from directory.types import NAV_ROLES, Role

SENDER_CHOSEN = "sender_chosen"
"""Category marker: the section is the one the sender names in the form's ``category``."""

NAV_ANSWER_DAYS = 21
"""NAV's default answer deadline: isbehandlerdialog flags a GP request unanswered after
504 hours ("Etter tre uker, 21*24") and sends a reminder (8129/2)."""

DEFAULT_LEGAL_BASIS = (
    "Folketrygdloven § 21-4 gir NAV rett til å innhente nødvendige opplysninger, "
    "også når de er taushetsbelagte (§ 21-4 sjette ledd)."
)


# The key under which a section's JSON carries its attachment references.
ATTACHMENTS = "_attachments"


class KindError(ValueError):
    """A form or section that does not fit its kind; the message names the field."""

    code = "INVALID_FORM"
    status = 422

    def __init__(self, message: str, *, kind: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field


class Kind(StrEnum):
    ADAPTATION_QUESTION = "adaptation_question"
    FUNCTIONAL_ASSESSMENT = "functional_assessment"
    NAV_REQUEST = "nav_request"
    NAV_REQUEST_ANSWER = "nav_request_answer"
    NOTE = "note"
    MEETING_INVITATION = "meeting_invitation"
    MEETING_RESPONSE = "meeting_response"
    MEETING_CHANGE = "meeting_change"
    MEETING_CANCELLATION = "meeting_cancellation"
    MINUTES = "minutes"
    FOLLOW_UP_PLAN = "follow_up_plan"
    FOLLOW_UP_PLAN_ACK = "follow_up_plan_ack"


# Kinds whose compose form offers "attach a file" per section: a legeerklæring, an
# epikrise or a scan travels with an assessment, an answer to NAV, a note, a plan or
# minutes (docs/envelope.md, "Attachments").  Any kind may carry attachments through the API.
ATTACHABLE_KINDS = frozenset({"functional_assessment", "nav_request_answer", "note", "follow_up_plan", "minutes"})


class Party(StrEnum):
    """Who takes part in a meeting or owns a task (a function, not an actor id)."""

    EMPLOYEE = "employee"
    EMPLOYER = "employer"
    GP = "gp"
    SPECIALIST = "specialist"
    NAV = "nav"
    BHT = "bht"
    UNION_REPRESENTATIVE = "union_representative"
    COORDINATOR = "coordinator"
    OTHER = "other"


# --- field types ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
        if _CONTROL.search(value):
            raise ValueError("contains control characters; only text, line breaks and tabs are allowed")
    return value


def _text(max_length: int) -> Any:
    return Annotated[str, BeforeValidator(_clean_text), StringConstraints(min_length=1, max_length=max_length)]


Short = _text(200)
Medium = _text(1000)
Long = _text(4000)
Grade = Annotated[StrictInt, Field(ge=1, le=100)]
HttpsUrl = Annotated[AnyUrl, UrlConstraints(allowed_schemes=["https"], max_length=2000)]


def _f(category: Category | str, nb: str, en: str, **kwargs: Any) -> Any:
    extra = {"category": str(category), "title_nb": nb, "title_en": en}
    return Field(json_schema_extra=extra, **kwargs)


def _sub(nb: str, en: str, **kwargs: Any) -> Any:
    """A field of a nested object: it lives in its parent field's category."""
    return Field(json_schema_extra={"title_nb": nb, "title_en": en}, **kwargs)


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        # An empty answer is no answer: it is left out, as split() leaves it out.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not _is_empty(v)}
        return data


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


class Participant(_Form):
    party: Party = _sub("Part", "Party")
    name: Short | None = _sub("Navn eller funksjon", "Name or function", default=None)


class Task(_Form):
    party: Party = _sub("Hvem", "Who")
    task: Medium = _sub("Oppgave", "Task")
    due_date: date | None = _sub("Frist", "Due date", default=None)


# --- forms ---------------------------------------------------------------------------

C = Category
Question = Literal["what_can_they_do", "what_can_we_adapt", "medically_justifiable", "starting_grade"]


class AdaptationQuestion(_Form):
    job_description: Long = _f(C.WORK_TASKS, "Stilling og arbeidsoppgaver", "Job and work tasks")
    adaptation_options: Long | None = _f(
        C.WORK_TASKS, "Hva vi kan tilrettelegge", "What we can adapt", default=None
    )
    questions: list[Question] | None = _f(
        C.WORK_TASKS, "Spørsmål til legen", "Questions for the doctor", default=None, max_length=4
    )
    proposed_grade: Grade | None = _f(
        C.SICK_LEAVE, "Sykmeldingsgrad vi foreslår å starte med", "Grade we propose to start with", default=None
    )
    other_question: Medium | None = _f(C.WORK_TASKS, "Annet spørsmål", "Other question", default=None)

    @model_validator(mode="after")
    def _asks_something(self) -> AdaptationQuestion:
        if not self.questions and not self.other_question:
            raise ValueError("ask at least one of 'questions' or 'other_question'")
        if self.questions and len(set(self.questions)) != len(self.questions):
            raise ValueError("'questions' lists the same question twice")
        return self


class FunctionalAssessment(_Form):
    functional_ability: Long = _f(
        C.FUNCTIONAL_ABILITY, "Funksjonsevne: hva personen kan gjøre", "Functional ability: what the person can do"
    )
    restrictions: Long | None = _f(
        C.FUNCTIONAL_ABILITY, "Hensyn og begrensninger", "Restrictions to respect", default=None
    )
    medically_justifiable: Literal["yes", "yes_with_restrictions", "no"] | None = _f(
        C.FUNCTIONAL_ABILITY, "Er tilretteleggingen medisinsk forsvarlig?", "Is the adaptation medically justifiable?",
        default=None,
    )
    suggested_grade: Grade | None = _f(C.SICK_LEAVE, "Foreslått sykmeldingsgrad", "Suggested grade", default=None)
    expected_duration_weeks: Annotated[StrictInt, Field(ge=1, le=52)] | None = _f(
        C.SICK_LEAVE, "Forventet varighet (uker)", "Expected duration (weeks)", default=None
    )
    diagnosis: Medium | None = _f(
        C.DIAGNOSIS, "Diagnose (bare hvis den sykmeldte vil dele den)", "Diagnosis (only if the employee shares it)",
        default=None,
    )


class NavRequest(_Form):
    request_type: Literal["additional_information", "medical_certificate"] = _f(
        C.SICK_LEAVE, "Type forespørsel", "Type of request", default="additional_information"
    )
    question: Long = _f(C.SICK_LEAVE, "Spørsmål", "Question")
    requested_categories: list[Category] = _f(
        C.SICK_LEAVE, "Opplysninger NAV ber om", "Information NAV asks for", min_length=1, max_length=8
    )
    legal_basis: Medium = _f(C.SICK_LEAVE, "Hjemmel", "Legal basis", default=DEFAULT_LEGAL_BASIS)
    answer_within_days: Annotated[StrictInt, Field(ge=1, le=90)] = _f(
        C.SICK_LEAVE, "Svarfrist (dager)", "Answer within (days)", default=NAV_ANSWER_DAYS
    )

    @model_validator(mode="after")
    def _unique(self) -> NavRequest:
        if len(set(self.requested_categories)) != len(self.requested_categories):
            raise ValueError("'requested_categories' lists the same category twice")
        return self


class NavRequestAnswer(_Form):
    # One field per category that folketrygdloven § 21-4 reaches (consent rule
    # ftrl-21-4-health-to-nav); anything else goes in a note, under consent.
    sick_leave: Long | None = _f(C.SICK_LEAVE, "Sykmelding og grad", "Sick leave and grade", default=None)
    functional_ability: Long | None = _f(
        C.FUNCTIONAL_ABILITY, "Funksjonsevne og arbeidsevne", "Functional ability and work capacity", default=None
    )
    treatment_status: Long | None = _f(
        C.TREATMENT_STATUS, "Behandling, henvisning og ventetid", "Treatment, referral and waiting time", default=None
    )
    specialist_statement: Long | None = _f(
        C.SPECIALIST_STATEMENT, "Spesialisterklæring", "Specialist statement", default=None
    )
    diagnosis: Long | None = _f(C.DIAGNOSIS, "Diagnose og sykehistorie", "Diagnosis and history", default=None)

    @model_validator(mode="after")
    def _answers_something(self) -> NavRequestAnswer:
        if not any(getattr(self, name) for name in type(self).model_fields):
            raise ValueError("fill in at least one of " + ", ".join(type(self).model_fields))
        return self


class Note(_Form):
    category: Category = _f(SENDER_CHOSEN, "Hva slags opplysninger", "Kind of information")
    text: Long = _f(SENDER_CHOSEN, "Melding", "Message")


MeetingType = Literal["dialogue_meeting_1", "dialogue_meeting_2", "dialogue_meeting_3", "other_meeting"]
_FP = C.FOLLOW_UP_PLAN
DurationMinutes = Annotated[StrictInt, Field(ge=15, le=480)]


def _somewhere(form: Any) -> None:
    if form.place is None and form.video_link is None:
        raise ValueError("give a 'place' or a 'video_link' (or both)")


class MeetingInvitation(_Form):
    meeting_type: MeetingType = _f(_FP, "Møtetype", "Meeting type")
    starts_at: AwareDatetime = _f(_FP, "Tidspunkt", "Time")
    duration_minutes: DurationMinutes | None = _f(_FP, "Varighet (minutter)", "Duration (minutes)", default=None)
    place: Short | None = _f(_FP, "Sted", "Place", default=None)
    video_link: HttpsUrl | None = _f(_FP, "Videolenke", "Video link", default=None)
    agenda: Long | None = _f(_FP, "Dagsorden", "Agenda", default=None)
    participants: list[Participant] | None = _f(_FP, "Deltakere", "Participants", default=None, max_length=20)

    @model_validator(mode="after")
    def _where(self) -> MeetingInvitation:
        _somewhere(self)
        return self


class MeetingChange(_Form):
    # NAV's change is always a new time *and* place (NYTT_TID_STED), so both are restated.
    meeting_type: MeetingType = _f(_FP, "Møtet som endres", "Meeting changed")
    starts_at: AwareDatetime = _f(_FP, "Nytt tidspunkt", "New time")
    duration_minutes: DurationMinutes | None = _f(_FP, "Varighet (minutter)", "Duration (minutes)", default=None)
    place: Short | None = _f(_FP, "Sted", "Place", default=None)
    video_link: HttpsUrl | None = _f(_FP, "Videolenke", "Video link", default=None)
    reason: Medium | None = _f(_FP, "Begrunnelse", "Reason", default=None)

    @model_validator(mode="after")
    def _where(self) -> MeetingChange:
        _somewhere(self)
        return self


class MeetingResponse(_Form):
    answer: Literal["coming", "new_time_wanted", "cannot_come"] = _f(_FP, "Svar", "Answer")
    comment: Medium | None = _f(_FP, "Kommentar", "Comment", default=None)


class MeetingCancellation(_Form):
    reason: Medium = _f(_FP, "Begrunnelse", "Reason")


class Minutes(_Form):
    held_on: date = _f(_FP, "Møtedato", "Meeting date")
    participants: list[Participant] | None = _f(_FP, "Deltakere", "Participants", default=None, max_length=20)
    summary: Long = _f(_FP, "Oppsummering", "Summary")
    agreed_measures: Long | None = _f(_FP, "Avtalte tiltak", "Agreed measures", default=None)
    tasks: list[Task] | None = _f(_FP, "Oppgaver per part", "Tasks per party", default=None, max_length=30)


class FollowUpPlan(_Form):
    # Fields after NAV's LPS plan (lps-oppfolgingsplan-mottak FollowUpPlanDTO).  The
    # whole plan is one category: the law sends the plan, not parts of it, to the GP.
    typical_workday: Long = _f(_FP, "En typisk arbeidsdag", "A typical workday")
    tasks_that_can_be_done: Long = _f(_FP, "Oppgaver som kan gjøres", "Tasks that can be done")
    tasks_that_cannot_be_done: Long = _f(_FP, "Oppgaver som ikke kan gjøres", "Tasks that cannot be done")
    previous_adaptation: Long | None = _f(_FP, "Tidligere tilrettelegging", "Previous adaptation", default=None)
    planned_adaptation: Long = _f(_FP, "Planlagt tilrettelegging", "Planned adaptation")
    follow_up: Long = _f(_FP, "Oppfølging", "Follow-up")
    evaluation_date: date = _f(_FP, "Evalueringsdato", "Evaluation date")
    send_to_gp: StrictBool = _f(_FP, "Sendes til fastlegen", "Send to the GP")
    send_to_nav: StrictBool = _f(_FP, "Sendes til NAV", "Send to NAV")
    employee_contributed: StrictBool = _f(_FP, "Arbeidstakeren har bidratt", "The employee contributed")
    employee_not_contributed_reason: Medium | None = _f(
        _FP, "Hvorfor arbeidstakeren ikke har bidratt", "Why the employee did not contribute", default=None
    )

    @model_validator(mode="after")
    def _contribution(self) -> FollowUpPlan:
        if not self.employee_contributed and not self.employee_not_contributed_reason:
            raise ValueError("'employee_not_contributed_reason' is required when 'employee_contributed' is false")
        if self.employee_contributed and self.employee_not_contributed_reason:
            raise ValueError("'employee_not_contributed_reason' is only for plans the employee did not contribute to")
        return self


class FollowUpPlanAck(_Form):
    # The other party's answer to a plan it was sent (in reply to it): the employee has
    # read the plan and agrees, or has comments.  A plan of his own is a follow_up_plan.
    acknowledgement: Literal["read_and_agree", "read_with_comments"] = _f(_FP, "Svar på planen", "Answer to the plan")
    comment: Medium | None = _f(_FP, "Kommentar", "Comment", default=None)

    @model_validator(mode="after")
    def _comment_given(self) -> FollowUpPlanAck:
        if self.acknowledgement == "read_with_comments" and not self.comment:
            raise ValueError("'comment' is required when the answer is 'read_with_comments'")
        return self


# --- NAV dialogmelding equivalents ---------------------------------------------------

OID_PREFIX = "2.16.578.1.12.4.1.1."

# Who NAV reaches by dialogmelding today: GP offices, psychologists and physiotherapists
# in NAV's behandler register; hospital specialists are not reachable (DOMAIN.md).
_BEHANDLER = frozenset({Role.GP, Role.LOCUM, Role.PSYCHOLOGIST, Role.PHYSIOTHERAPIST})
_EMPLOYER = frozenset({Role.NEAREST_MANAGER, Role.HR})
_TREATING = frozenset({Role.GP, Role.LOCUM, Role.SPECIALIST, Role.PSYCHOLOGIST, Role.PHYSIOTHERAPIST})
_ORGANISERS = _EMPLOYER | {Role.NAV_ADVISER, Role.COORDINATOR}
_EVERYONE = frozenset(Role)


@dataclass(frozen=True, slots=True)
class DialogmeldingCode:
    """One entry of NAV's dialogmelding code list, and when a samband form maps to it."""

    type: Literal["DIALOG_FORESPORSEL", "DIALOG_SVAR", "DIALOG_NOTAT"]
    kodeverk: str  # OID suffix after OID_PREFIX
    code: int
    meaning: str  # NAV's text for the code
    senders: frozenset[Role]
    recipients: frozenset[Role]
    when: tuple[tuple[str, str], ...] = ()  # form field == value

    @property
    def oid(self) -> str:
        return OID_PREFIX + self.kodeverk

    def describe(self) -> dict:
        return {
            "type": self.type, "kodeverk": self.kodeverk, "oid": self.oid, "code": self.code,
            "meaning": self.meaning, "when": dict(self.when),
            "senders": sorted(self.senders), "recipients": sorted(self.recipients),
        }


def _dm(type_: Any, kodeverk: str, code: int, meaning: str, senders: frozenset[Role],
        recipients: frozenset[Role], **when: str) -> DialogmeldingCode:
    return DialogmeldingCode(type_, kodeverk, code, meaning, senders, recipients, tuple(when.items()))


_NAV = frozenset(NAV_ROLES)


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: Kind
    version: int
    title_nb: str
    title_en: str
    form: type[_Form]
    sender_roles: frozenset[Role]
    default_purpose: Purpose
    dialogmelding: tuple[DialogmeldingCode, ...] | None  # None: new in samband
    dialogmelding_note: str


def _spec(kind: Kind, nb: str, en: str, form: type[_Form], senders: frozenset[Role], purpose: Purpose,
          dm: tuple[DialogmeldingCode, ...] | None, note: str) -> KindSpec:
    return KindSpec(kind, 1, nb, en, form, senders, purpose, dm, note)


K, P = Kind, Purpose
KINDS: dict[Kind, KindSpec] = {s.kind: s for s in (
    _spec(K.ADAPTATION_QUESTION, "Spørsmål om tilrettelegging", "Question about adaptation", AdaptationQuestion,
          _EMPLOYER, P.WORKPLACE_ADAPTATION, None,
          "New in samband: NAV's stack has no employer-to-GP channel (research §0.2)."),
    _spec(K.FUNCTIONAL_ASSESSMENT, "Vurdering av funksjonsevne", "Functional assessment", FunctionalAssessment,
          _TREATING | {Role.BHT_PHYSICIAN}, P.WORKPLACE_ADAPTATION, None,
          "New in samband: today only the sick note's one-way 'melding til arbeidsgiver' (research §2.9)."),
    _spec(K.NAV_REQUEST, "Forespørsel fra NAV", "Request from NAV", NavRequest, frozenset({Role.NAV_ADVISER}),
          P.NAV_BENEFIT_ASSESSMENT,
          (_dm("DIALOG_FORESPORSEL", "8129", 1, "Forespørsel om pasient", _NAV, _BEHANDLER),),
          "Both tilleggsopplysninger (L8) and legeerklæring (L40) are 8129/1; the 3-week reminder is 8129/2."),
    _spec(K.NAV_REQUEST_ANSWER, "Svar på forespørsel fra NAV", "Answer to NAV's request", NavRequestAnswer,
          _TREATING, P.NAV_BENEFIT_ASSESSMENT,
          (_dm("DIALOG_SVAR", "9069", 5, "Svar på forespørsel", _BEHANDLER, _NAV),),
          "NAV cannot reply to the answer today; in samband the thread goes on."),
    _spec(K.NOTE, "Melding", "Note", Note, _EVERYONE, P.WORKPLACE_ADAPTATION,
          (_dm("DIALOG_NOTAT", "8127", 8, "Melding fra NAV", _NAV, _BEHANDLER),
           _dm("DIALOG_NOTAT", "8128", 1, "Henvendelse om sykefraværsoppfølging", _BEHANDLER, _NAV)),
          "Only NAV <-> GP notes have an equivalent; every other direction is new in samband."),
    _spec(K.MEETING_INVITATION, "Innkalling til møte", "Meeting invitation", MeetingInvitation, _ORGANISERS,
          P.DIALOGUE_MEETING,
          (_dm("DIALOG_FORESPORSEL", "8125", 1, "Innkalling dialogmøte 2", _NAV, _BEHANDLER,
               meeting_type="dialogue_meeting_2"),
           _dm("DIALOG_FORESPORSEL", "8125", 3, "Innkalling dialogmøte 3", _NAV, _BEHANDLER,
               meeting_type="dialogue_meeting_3")),
          "Only NAV's meetings 2 and 3; dialogue meeting 1 is the employer's and has no dialogmelding."),
    _spec(K.MEETING_RESPONSE, "Svar på innkalling", "Meeting response", MeetingResponse, _EVERYONE,
          P.DIALOGUE_MEETING,
          (_dm("DIALOG_SVAR", "8126", 1, "Ja, jeg kommer", _BEHANDLER, _NAV, answer="coming"),
           _dm("DIALOG_SVAR", "8126", 2, "Jeg ønsker nytt møtetidspunkt", _BEHANDLER, _NAV,
               answer="new_time_wanted"),
           _dm("DIALOG_SVAR", "8126", 3, "Jeg kan ikke komme", _BEHANDLER, _NAV, answer="cannot_come")),
          "Same three answers as isdialogmote's KOMMER / NYTT_TID_STED / KOMMER_IKKE."),
    _spec(K.MEETING_CHANGE, "Endring av møte", "Meeting change", MeetingChange, _ORGANISERS, P.DIALOGUE_MEETING,
          (_dm("DIALOG_FORESPORSEL", "8125", 2, "Endring dialogmøte 2", _NAV, _BEHANDLER,
               meeting_type="dialogue_meeting_2"),
           _dm("DIALOG_FORESPORSEL", "8125", 4, "Endring dialogmøte 3", _NAV, _BEHANDLER,
               meeting_type="dialogue_meeting_3")),
          "Only NAV's meetings 2 and 3, as for the invitation."),
    _spec(K.MEETING_CANCELLATION, "Avlysning av møte", "Meeting cancellation", MeetingCancellation, _ORGANISERS,
          P.DIALOGUE_MEETING,
          (_dm("DIALOG_NOTAT", "8127", 4, "Avlysning dialogmøte", _NAV, _BEHANDLER),),
          "A notice: no answer expected."),
    _spec(K.MINUTES, "Referat", "Minutes", Minutes, _ORGANISERS, P.DIALOGUE_MEETING,
          (_dm("DIALOG_NOTAT", "8127", 9, "Informasjon fra NAV", _NAV, _BEHANDLER),),
          "NAV sends the dialogue-meeting referat as 8127/9; employer minutes of meeting 1 are new."),
    _spec(K.FOLLOW_UP_PLAN, "Oppfølgingsplan", "Follow-up plan", FollowUpPlan, _EMPLOYER | {Role.EMPLOYEE},
          P.FOLLOW_UP_PLAN,
          (_dm("DIALOG_NOTAT", "8127", 1, "Oppfølgingsplan", _EMPLOYER | {Role.EMPLOYEE}, _BEHANDLER),),
          "NAV delivers the plan to the GP as a PDF in a DIALOG_NOTAT 8127/1."),
    _spec(K.FOLLOW_UP_PLAN_ACK, "Svar på oppfølgingsplan", "Answer to the follow-up plan", FollowUpPlanAck,
          _EMPLOYER | {Role.EMPLOYEE}, P.FOLLOW_UP_PLAN, None,
          "New in samband: NAV's plan carries only 'employee_contributed'; the read-and-agree answer has no code."),
)}


# --- public functions ----------------------------------------------------------------


def kind_spec(kind: str) -> KindSpec:
    """The spec of ``kind``; raises ``KindError`` naming the known kinds."""
    try:
        return KINDS[Kind(kind)]
    except (ValueError, TypeError):
        known = ", ".join(KINDS)
        raise KindError(f"unknown message kind {str(kind)[:40]!r}; known kinds: {known}", field="kind") from None


def validate(kind: str, form: dict) -> dict:
    """The validated form as JSON values, empty fields left out.

    Raises:
        KindError: unknown kind, unknown field, missing or malformed value.
    """
    spec = kind_spec(kind)
    return _dump(_validated(spec, form))


def split(kind: str, form: dict, attachments: dict[Category, list[dict]] | None = None) -> dict[Category, bytes]:
    """Validate ``form`` and return one canonical JSON section per category it fills.

    ``attachments`` puts attachment references (``messaging.attachments.Reference``
    as JSON) into the sections of their categories, under ``"_attachments"``: a file
    is sealed with the section it belongs to (docs/envelope.md, "Attachments").

    Raises:
        KindError: as ``validate``; or an attachment for a section the kind does not have.
    """
    spec = kind_spec(kind)
    values = _dump(_validated(spec, form))
    grouped: dict[Category, dict] = {}
    for name, value in values.items():
        grouped.setdefault(_category_of(spec, name, values), {})[name] = value
    for key, refs in (attachments or {}).items():
        if refs:
            grouped.setdefault(_as_category(spec, key), {})[ATTACHMENTS] = list(refs)
    return {c: _canonical(grouped[c]) for c in Category if c in grouped}


def join(kind: str, sections: dict[Category, bytes | None]) -> dict:
    """Rebuild a form from its sections; ``None`` marks a section the reader may not open.

    Returns:
        ``{"kind": ..., "form": {fields of the opened sections}, "withheld": [categories]}``,
        and ``"attachments": {category: [references]}`` when opened sections hold any.

    Raises:
        KindError: a section that split() could not have made (a category the kind
            does not use, a field in the wrong section, non-canonical bytes).
    """
    spec = kind_spec(kind)
    form: dict[str, Any] = {}
    withheld: set[Category] = set()
    attached: dict[str, list[dict]] = {}
    for key, data in sections.items():
        category = _as_category(spec, key)
        if data is None:
            withheld.add(category)
            continue
        fields = _parse_section(spec, category, data)
        if ATTACHMENTS in fields:
            attached[category.value] = fields.pop(ATTACHMENTS)
        for name, value in fields.items():
            if name in form:
                raise KindError(f"{spec.kind}: field '{name}' appears in two sections", kind=spec.kind, field=name)
            form[name] = value
    if withheld:
        order = list(spec.form.model_fields)
        form = {n: _check_field(spec, n, form[n]) for n in sorted(form, key=order.index)}
    else:
        form = validate(spec.kind, form)
    joined = {"kind": spec.kind.value, "form": form, "withheld": [c.value for c in Category if c in withheld]}
    return joined | ({"attachments": attached} if attached else {})


def categories(kind: str) -> frozenset[Category]:
    """The categories a message of ``kind`` can fill."""
    spec = kind_spec(kind)
    marks = {_field_category(info) for info in spec.form.model_fields.values()}
    if SENDER_CHOSEN in marks:
        return frozenset(Category)
    return frozenset(Category(m) for m in marks)


def dialogmelding_code(kind: str, form: dict, *, sender_role: Role, recipient_role: Role) -> DialogmeldingCode | None:
    """The NAV dialogmelding code this message would travel as, or None if there is none."""
    spec = kind_spec(kind)
    values = validate(kind, form)
    for code in spec.dialogmelding or ():
        if (
            sender_role in code.senders
            and recipient_role in code.recipients
            and all(values.get(field) == value for field, value in code.when)
        ):
            return code
    return None


def catalog() -> list[dict]:
    """Every kind, its fields (name, category, type, required) and dialogmelding equivalent."""
    return [_describe(spec) for spec in KINDS.values()]


# --- internals -----------------------------------------------------------------------


def _validated(spec: KindSpec, form: Any) -> _Form:
    if not isinstance(form, dict):
        raise KindError(f"{spec.kind}: the form must be an object of fields, not {type(form).__name__}", kind=spec.kind)
    try:
        return spec.form.model_validate(form)
    except ValidationError as exc:
        raise _kind_error(spec, exc.errors()) from None


def _dump(model: _Form) -> dict:
    return {k: v for k, v in model.model_dump(mode="json", exclude_none=True).items() if not _is_empty(v)}


def _canonical(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _field_category(info: Any) -> str:
    return info.json_schema_extra["category"]


def _category_of(spec: KindSpec, name: str, values: dict) -> Category:
    mark = _field_category(spec.form.model_fields[name])
    return Category(values["category"]) if mark == SENDER_CHOSEN else Category(mark)


def _as_category(spec: KindSpec, key: Any) -> Category:
    try:
        category = Category(key)
    except ValueError:
        allowed = ", ".join(Category)
        raise KindError(f"{spec.kind}: unknown section {str(key)[:40]!r}; categories are {allowed}",
                        kind=spec.kind) from None
    if category not in categories(spec.kind):
        used = ", ".join(c for c in Category if c in categories(spec.kind))
        raise KindError(f"{spec.kind} has no section '{category}'; it uses {used}", kind=spec.kind)
    return category


def _parse_section(spec: KindSpec, category: Category, data: bytes) -> dict:
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
        canonical = isinstance(obj, dict) and _canonical(obj) == bytes(data)
    except (UnicodeDecodeError, ValueError, TypeError):
        raise KindError(f"{spec.kind}: section '{category}' is not UTF-8 JSON", kind=spec.kind) from None
    if not isinstance(obj, dict) or not obj:
        raise KindError(f"{spec.kind}: section '{category}' must be a non-empty JSON object", kind=spec.kind)
    if not canonical:
        raise KindError(
            f"{spec.kind}: section '{category}' is not canonical JSON (sorted keys, no whitespace, UTF-8)",
            kind=spec.kind,
        )
    refs = obj.get(ATTACHMENTS)
    if refs is not None and (not isinstance(refs, list) or not refs or not all(isinstance(r, dict) for r in refs)):
        raise KindError(f"{spec.kind}: section '{category}' has a malformed '{ATTACHMENTS}' list", kind=spec.kind)
    fields = spec.form.model_fields
    for name in obj:
        if name == ATTACHMENTS:
            continue
        if name not in fields:
            raise KindError(f"{spec.kind}: unknown field '{name}' in section '{category}'", kind=spec.kind, field=name)
        mark = _field_category(fields[name])
        belongs = obj.get("category") if mark == SENDER_CHOSEN else mark
        if belongs != category.value:
            raise KindError(f"{spec.kind}: field '{name}' does not belong in section '{category}'",
                            kind=spec.kind, field=name)
    return obj


@cache
def _adapter(form: type[_Form], name: str) -> TypeAdapter:
    info = form.model_fields[name]
    annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return TypeAdapter(annotation)


def _check_field(spec: KindSpec, name: str, value: Any) -> Any:
    """Validate one field on its own (cross-field rules need the whole form)."""
    adapter = _adapter(spec.form, name)
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json", exclude_none=True)
    except ValidationError as exc:
        raise _kind_error(spec, [{**e, "loc": (name, *e["loc"])} for e in exc.errors()]) from None


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _kind_error(spec: KindSpec, errors: list) -> KindError:
    message = f"{spec.kind}: " + "; ".join(_explain(spec, e) for e in errors)
    return KindError(message, kind=spec.kind, field=_loc(errors[0]["loc"]) or None)


def _explain(spec: KindSpec, error: dict) -> str:
    where, t = _loc(error["loc"]), error["type"]
    ctx = error.get("ctx") or {}
    shown = repr(error.get("input"))[:40]  # short: inputs may be personal text
    if t == "extra_forbidden":
        if len(error["loc"]) == 1:
            return f"unknown field '{where}'; allowed fields: {', '.join(spec.form.model_fields)}"
        return f"unknown field '{where}'"
    if t == "missing":
        return f"'{where}' is required"
    if t in ("literal_error", "enum"):
        return f"'{where}' must be one of {ctx.get('expected')}, not {shown}"
    if t == "string_too_long" or (t == "too_long" and isinstance(error.get("input"), str)):
        return f"'{where}' is too long; at most {ctx.get('max_length')} characters"
    if t == "timezone_aware":
        return f"'{where}' needs a time zone offset, e.g. 2026-03-10T09:00:00+01:00"
    if t in ("too_long", "too_short"):
        return f"'{where}' {error['msg'][0].lower()}{error['msg'][1:]}"
    if t in ("greater_than_equal", "less_than_equal"):
        return f"'{where}' {error['msg'].removeprefix('Input ')}, not {shown}"
    message = error["msg"].removeprefix("Value error, ")
    return f"'{where}': {message}" if where else message


def _type_of(tp: Any) -> tuple[str, list | None, type[BaseModel] | None]:
    """(type name, choices, item model) of an annotation, for the catalog."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _type_of(get_args(tp)[0])
    if origin in (Union, UnionType):
        return _type_of(next(a for a in get_args(tp) if a is not NoneType))
    if origin is list:
        name, choices, item = _type_of(get_args(tp)[0])
        return f"list[{name}]", choices, item
    if origin is Literal:
        return "choice", list(get_args(tp)), None
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return "choice", [m.value for m in tp], None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "object", None, tp
    simple = {str: "text", bool: "boolean", int: "integer", date: "date", AwareDatetime: "datetime",
              datetime: "datetime", AnyUrl: "url"}
    return simple[tp], None, None


def _fields(model: type[BaseModel], category: str | None) -> list[dict]:
    out = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        type_name, choices, item = _type_of(info.annotation)
        entry = {
            "name": name,
            "category": category if category is not None else extra["category"],
            "type": type_name,
            "required": info.is_required(),
            "title_nb": extra["title_nb"],
            "title_en": extra["title_en"],
        }
        if choices is not None:
            entry["choices"] = choices
        if not info.is_required() and info.default is not None:
            entry["default"] = info.default
        constraints = _constraints(model, name)
        if constraints:
            entry["constraints"] = constraints
        if item is not None:
            entry["item_fields"] = _fields(item, entry["category"])
        out.append(entry)
    return out


_CONSTRAINT_NAMES = {"minLength": "min_length", "maxLength": "max_length", "minimum": "min", "maximum": "max",
                     "minItems": "min_items", "maxItems": "max_items"}


@cache
def _schema_properties(model: type[BaseModel]) -> dict:
    return model.model_json_schema()["properties"]


def _constraints(model: type[BaseModel], name: str) -> dict:
    """A field's length, range and size limits (from its JSON schema), for clients that
    check a form before sealing it: the browser (web/frontend/src/forms.js)."""
    prop = _schema_properties(model)[name]
    branch = next((b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"), prop)
    return {ours: branch[theirs] for theirs, ours in _CONSTRAINT_NAMES.items() if theirs in branch}


def _describe(spec: KindSpec) -> dict:
    return {
        "kind": spec.kind.value,
        "version": spec.version,
        "title_nb": spec.title_nb,
        "title_en": spec.title_en,
        "sender_roles": sorted(spec.sender_roles),
        "default_purpose": spec.default_purpose.value,
        "categories": [c.value for c in Category if c in categories(spec.kind)],
        "fields": _fields(spec.form, None),
        "dialogmelding": None if spec.dialogmelding is None else [c.describe() for c in spec.dialogmelding],
        "dialogmelding_note": spec.dialogmelding_note,
        "json_schema": spec.form.model_json_schema(),
    }


def _check_registry() -> None:
    """Fail at import, not at the first message, if a form breaks the category rule."""
    valid = {c.value for c in Category} | {SENDER_CHOSEN}
    for spec in KINDS.values():
        fields = spec.form.model_fields
        for name, info in fields.items():
            extra = info.json_schema_extra
            if not isinstance(extra, dict) or extra.get("category") not in valid:
                raise RuntimeError(f"{spec.kind}.{name} has no information category")
        marks = {_field_category(info) for info in fields.values()}
        chooser = fields.get("category")
        if SENDER_CHOSEN in marks and (chooser is None or _field_category(chooser) != SENDER_CHOSEN):
            raise RuntimeError(f"{spec.kind}: sender-chosen fields need a sender-chosen 'category' field")


_check_registry()
