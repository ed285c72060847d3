"""Consent use cases: grant, revoke, exclude, ask, answer, and the one gate every
disclosure passes through, ``authorize_disclosure``.

Writes commit once per use case; ``authorize_disclosure`` leaves committing to its
caller so the disclosure and its log entry commit together or not at all.

Every use case holds the employee it is about before it decides anything
(``held_instant``: his lock, then the clock) and stamps what it writes with that
instant, so a withdrawal and every decision are ordered by one clock under one lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session, select

from consent import audit, limits, store
from consent.audit import AuditTag
from consent.config import ConsentConfig
from consent.errors import (
    AlreadyAnswered,
    ConsentRequestNotFound,
    ExclusionNotFound,
    GrantNotFound,
    InvalidConsent,
    InvalidNavAct,
    NotTheSubject,
    SubjectNotFound,
)
from consent.models import ConsentEvent, ConsentRequestRow, NavRequestRow, NavSummonsRow
from consent.policy import decide, excluded_by, possible_statutory
from consent.serial import hold_subject
from consent.schemas import (
    ConsentRequestCreate,
    ExclusionCreate,
    GrantCreate,
    NavRequestAct,
    NavRequestCreate,
    NavSummonsAct,
    PartyIn,
)
from consent.types import (
    ActorFacts,
    Category,
    Decision,
    Direction,
    DisclosureRequest,
    Exclusion,
    Grant,
    NavRequest,
    NavSummons,
    Party,
    PartyKind,
    Permit,
    Purpose,
    Requirement,
    StatutoryRule,
)
from directory import service as directory
from directory import store as directory_store
from directory.columns import new_id, utcnow
from directory.errors import ActorNotFound, OrganisationNotFound
from directory.models import Actor
from directory.types import CASE_ROLE_OF_RELATION, HEALTH_PERSONNEL, NAV_ROLES, CaseRole, RelationKind, Role

MAX_GRANT_DAYS = 366


class EventKind:
    GRANTED = "granted"
    REVOKED = "revoked"
    EXCLUDED = "excluded"
    EXCLUSION_LIFTED = "exclusion_lifted"


def held_instant(session: Session, subject_id: str, now: datetime | None = None) -> datetime:
    """Hold ``subject_id`` for the rest of the transaction (``consent.serial``) and
    return the instant to stamp with: ``now`` if the caller gives one (tests, synthetic
    data), else the clock read under the lock.  The lock is taken either way."""
    held = hold_subject(session, subject_id)
    return now or held


def _dump(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _party(data: dict | None) -> Party | None:
    return None if data is None else Party(PartyKind(data["kind"]), data["value"])


def fold(events) -> tuple[dict[str, Grant], dict[str, Exclusion]]:
    """Derive current consent state from a subject's events, oldest first."""
    grants: dict[str, Grant] = {}
    exclusions: dict[str, Exclusion] = {}
    for e in events:
        if e.kind == EventKind.GRANTED:
            p = json.loads(e.payload)
            grants[e.target_id] = Grant(
                grant_id=e.target_id,
                subject_id=e.subject_id,
                recipient=_party(p["recipient"]),
                discloser=_party(p.get("discloser")),
                direction=Direction(p["direction"]),
                categories=frozenset(Category(c) for c in p["categories"]),
                purposes=frozenset(Purpose(c) for c in p["purposes"]),
                valid_from=datetime.fromisoformat(p["valid_from"]),
                valid_to=datetime.fromisoformat(p["valid_to"]),
                case_id=p.get("case_id"),
                granted_at=e.recorded_at,
                request_id=p.get("request_id"),
            )
        elif e.kind == EventKind.REVOKED and e.target_id in grants:
            if grants[e.target_id].revoked_at is None:
                grants[e.target_id] = replace(grants[e.target_id], revoked_at=e.recorded_at)
        elif e.kind == EventKind.EXCLUDED:
            p = json.loads(e.payload)
            exclusions[e.target_id] = Exclusion(
                exclusion_id=e.target_id,
                subject_id=e.subject_id,
                actor_id=p.get("actor_id"),
                categories=frozenset(Category(c) for c in p["categories"]),
                created_at=e.recorded_at,
                organisation_id=p.get("organisation_id"),
                except_ids=frozenset(p.get("except_ids", ())),
            )
        elif e.kind == EventKind.EXCLUSION_LIFTED and e.target_id in exclusions:
            if exclusions[e.target_id].lifted_at is None:
                exclusions[e.target_id] = replace(exclusions[e.target_id], lifted_at=e.recorded_at)
    return grants, exclusions


def grant_status(grant: Grant, at: datetime) -> str:
    if grant.revoked_at is not None and grant.revoked_at <= at:
        return "revoked"
    if at < grant.valid_from:
        return "scheduled"
    if at >= grant.valid_to:
        return "expired"
    return "active"


class ConsentService:
    """Constructed once per app with its config section and the statutory rule set.
    ``on_decisions(decisions)`` hears every decision ``authorize_many`` makes (metrics)."""

    def __init__(
        self, config: ConsentConfig, rules: tuple[StatutoryRule, ...],
        on_decisions: Callable[[Sequence[Decision]], None] = lambda decisions: None,
    ):
        self.config = config
        self.rules = rules
        self.on_decisions = on_decisions

    # --- state ------------------------------------------------------------------------

    def state(self, session: Session, subject_id: str) -> tuple[dict[str, Grant], dict[str, Exclusion]]:
        return fold(store.event_rows_for(session=session, subject_id=subject_id))

    def _require_subject(self, actor: Actor) -> None:
        if actor.role != Role.EMPLOYEE.value:
            raise NotTheSubject("only the sick-listed employee can give, withdraw or limit consent")

    def _check_party(self, session: Session, viewer: Actor, party: PartyIn, where: str) -> None:
        if party.kind is PartyKind.PERSON:
            self._require_visible_person(session, viewer, party.id, where)
        elif party.kind is PartyKind.ORGANISATION:
            if directory_store.get_organisation(session=session, organisation_id=party.id) is None:
                raise OrganisationNotFound(f"{where}: no organisation with id {party.id}")

    @staticmethod
    def _require_visible_person(session: Session, viewer: Actor, actor_id: str, where: str) -> Actor:
        # One answer for "no such person" and "an employee you are not related to": naming
        # someone in a consent must not confirm that they exist, nor answer with their name.
        actor = directory_store.get_actor(session=session, actor_id=actor_id)
        if actor is None or not directory.can_see_actor(session, viewer, actor):
            raise ActorNotFound(f"{where}: no actor with id {actor_id}")
        return actor

    def _record(self, session: Session, subject: Actor, kind: str, target_id: str, payload: dict, at: datetime) -> None:
        session.add(
            ConsentEvent(
                subject_id=subject.id,
                kind=kind,
                target_id=target_id,
                payload=_dump(payload),
                recorded_by=subject.id,
                recorded_at=at,
            )
        )

    # --- grants -----------------------------------------------------------------------

    def grant(
        self, session: Session, subject: Actor, data: GrantCreate, *, now: datetime | None = None,
        request_id: str | None = None, commit: bool = True,
    ) -> Grant:
        """Record a consent grant by ``subject``.

        Raises:
            NotTheSubject: the caller is not an employee.
            InvalidConsent: the period is empty, in the past or too long.
            ActorNotFound / OrganisationNotFound: a party does not exist.
        """
        self._require_subject(subject)
        now = held_instant(session, subject.id, now)
        valid_from = data.valid_from or now
        if data.valid_to <= now:
            raise InvalidConsent("valid_to is in the past; a consent must end in the future")
        if data.valid_to <= valid_from:
            raise InvalidConsent("valid_to must be after valid_from (which defaults to now)")
        if data.valid_to - valid_from > timedelta(days=MAX_GRANT_DAYS):
            raise InvalidConsent(
                f"a consent can last at most {MAX_GRANT_DAYS} days; give a new one when it runs out"
            )
        self._check_party(session, subject, data.recipient, "recipient")
        if data.discloser is not None:
            self._check_party(session, subject, data.discloser, "discloser")
        if data.recipient.kind is PartyKind.PERSON and data.recipient.id == subject.id:
            raise InvalidConsent("you do not need consent to see your own information")
        grant_id = new_id()
        payload = {
            "recipient": {"kind": data.recipient.kind.value, "value": data.recipient.value},
            "discloser": None
            if data.discloser is None
            else {"kind": data.discloser.kind.value, "value": data.discloser.value},
            "direction": data.direction.value,
            "categories": sorted(c.value for c in set(data.categories)),
            "purposes": sorted(p.value for p in set(data.purposes)),
            "valid_from": valid_from.isoformat(),
            "valid_to": data.valid_to.isoformat(),
            "case_id": data.case_id,
            "request_id": request_id,
        }
        self._record(session, subject, EventKind.GRANTED, grant_id, payload, now)
        audit.append(
            session, tag=AuditTag.GRANT_CREATED, subject_id=subject.id, actor_id=subject.id,
            outcome="record", at=now, case_id=data.case_id,
            recipient_id=data.recipient.id if data.recipient.kind is PartyKind.PERSON else None,
            basis_kind="consent", basis_ref=grant_id,
            reason=f"categories={','.join(payload['categories'])}; purposes={','.join(payload['purposes'])}; "
            f"until {data.valid_to.date().isoformat()}",
        )
        if commit:
            session.commit()
        grants, _ = self.state(session, subject.id)
        return grants[grant_id]

    def revoke(self, session: Session, subject: Actor, grant_id: str, *, now: datetime | None = None) -> Grant:
        """Withdraw a grant, effective at once.  Withdrawing twice is harmless.

        Raises:
            GrantNotFound: no such grant of this subject.
        """
        self._require_subject(subject)
        now = held_instant(session, subject.id, now)
        grants, _ = self.state(session, subject.id)
        grant = grants.get(grant_id)
        if grant is None:
            raise GrantNotFound(f"you have no consent with id {grant_id}")
        if grant.revoked_at is not None:
            return grant
        self._record(session, subject, EventKind.REVOKED, grant_id, {}, now)
        audit.append(
            session, tag=AuditTag.GRANT_REVOKED, subject_id=subject.id, actor_id=subject.id,
            outcome="record", at=now, basis_kind="consent", basis_ref=grant_id, case_id=grant.case_id,
        )
        session.commit()
        return replace(grant, revoked_at=now)

    # --- exclusions -------------------------------------------------------------------

    def exclude(
        self, session: Session, subject: Actor, data: ExclusionCreate, *, now: datetime | None = None,
        commit: bool = True,
    ) -> Exclusion:
        """Never this person, or never anyone at an organisation except named people.

        Ending the participation of the people it names is ``messaging.cases.exclude``'s
        part (consent does not know cases); call that, not this, from a route.

        Raises:
            InvalidConsent: the subject names themselves.
            ActorNotFound / OrganisationNotFound: a person or organisation the subject cannot see.
        """
        self._require_subject(subject)
        now = held_instant(session, subject.id, now)
        if data.actor_id == subject.id:
            raise InvalidConsent("you cannot exclude yourself")
        if data.actor_id is not None:
            self._require_visible_person(session, subject, data.actor_id, "actor_id")
        else:
            self._check_party(session, subject, PartyIn(kind=PartyKind.ORGANISATION, id=data.organisation_id),
                              "organisation_id")
            for i, person in enumerate(data.except_ids):
                self._require_visible_person(session, subject, person, f"except_ids[{i}]")
        exclusion_id = new_id()
        categories = sorted(c.value for c in set(data.categories))
        payload: dict = {"actor_id": data.actor_id, "categories": categories}
        scope = "all categories" if not categories else ",".join(categories)
        if data.organisation_id is not None:
            payload |= {"organisation_id": data.organisation_id, "except_ids": sorted(set(data.except_ids))}
            scope += f"; organisation {data.organisation_id}"
            scope += f" except {','.join(payload['except_ids'])}" if data.except_ids else ""
        self._record(session, subject, EventKind.EXCLUDED, exclusion_id, payload, now)
        audit.append(
            session, tag=AuditTag.EXCLUSION_CREATED, subject_id=subject.id, actor_id=subject.id,
            outcome="record", at=now, recipient_id=data.actor_id, basis_ref=exclusion_id, reason=scope,
        )
        if commit:
            session.commit()
        return self.state(session, subject.id)[1][exclusion_id]

    def shut_out(self, session: Session, subject_id: str, actor: Actor, *, at: datetime | None = None) -> bool:
        """Whether the subject's exclusions keep ``actor`` out of the subject's cases:
        an exclusion in force that covers ``sick_leave`` (taking part in a case tells
        that the subject is on sick leave, so it is that category's disclosure)."""
        at = at or utcnow()
        _, exclusions = self.state(session, subject_id)
        if not exclusions:
            return False
        facts = self._facts(session, (actor,), subject_id, at)[actor.id]
        return excluded_by(exclusions.values(), subject_id, facts, Category.SICK_LEAVE, at) is not None

    def lift_exclusion(self, session: Session, subject: Actor, exclusion_id: str, *, now: datetime | None = None) -> Exclusion:
        self._require_subject(subject)
        now = held_instant(session, subject.id, now)
        exclusion = self.state(session, subject.id)[1].get(exclusion_id)
        if exclusion is None:
            raise ExclusionNotFound(f"you have no exclusion with id {exclusion_id}")
        if exclusion.lifted_at is not None:
            return exclusion
        self._record(session, subject, EventKind.EXCLUSION_LIFTED, exclusion_id, {}, now)
        audit.append(
            session, tag=AuditTag.EXCLUSION_LIFTED, subject_id=subject.id, actor_id=subject.id,
            outcome="record", at=now, recipient_id=exclusion.actor_id, basis_ref=exclusion_id,
        )
        session.commit()
        return replace(exclusion, lifted_at=now)

    # --- consent requests -------------------------------------------------------------

    def require_visible_subject(self, session: Session, viewer: Actor, subject_id: str) -> Actor:
        """The subject, if ``viewer`` is them or related to them; otherwise the same
        'not found' whether or not the person exists."""
        subject = directory_store.get_actor(session=session, actor_id=subject_id)
        if subject is None or subject.role != Role.EMPLOYEE.value or not (
            viewer.id == subject.id or directory.is_related(session, viewer.id, subject.id)
        ):
            raise SubjectNotFound(f"no sick-listed person {subject_id} in any case of yours")
        return subject

    def request_consent(self, session: Session, requester: Actor, data: ConsentRequestCreate, *, now: datetime | None = None) -> ConsentRequestRow:
        now = held_instant(session, data.subject_id, now)
        subject = self.require_visible_subject(session, requester, data.subject_id)
        if requester.id == subject.id:
            raise InvalidConsent("you cannot ask yourself for consent; give it directly")
        self._check_party(session, requester, data.grant.recipient, "grant.recipient")
        self._check_employer_limits(session, requester, data)
        row = ConsentRequestRow(
            subject_id=subject.id,
            requester_id=requester.id,
            payload=data.grant.model_dump_json(),
            reason=data.reason,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.append(
            session, tag=AuditTag.REQUEST_CREATED, subject_id=subject.id, actor_id=requester.id,
            outcome="record", at=now, basis_ref=row.id,
            reason=f"categories={','.join(c.value for c in data.grant.categories)}",
        )
        session.commit()
        return row

    @staticmethod
    def _check_employer_limits(session: Session, requester: Actor, data: ConsentRequestCreate) -> None:
        """An employer may not ask for health or private-life information, nor may anyone
        ask for it to go to the employer side (``consent.limits``)."""
        refused = limits.refused_for_employer(data.grant.categories)
        if not refused:
            return
        recipient = data.grant.recipient
        to_employer = (
            (recipient.kind is PartyKind.ROLE and recipient.role in limits.EMPLOYER_CASE_ROLES)
            or (recipient.kind is PartyKind.PERSON and recipient.id is not None and limits.is_employer_side(
                getattr(directory_store.get_actor(session=session, actor_id=recipient.id), "role", None)))
        )
        if not (limits.is_employer_side(requester.role) or to_employer):
            return
        problems = [{"field": "grant.categories", "category": c.value, "reason": code, "message": limits.REASONS[code]}
                    for c, code in refused.items()]
        raise InvalidConsent(
            "; ".join(f"{p['category']}: {p['message']}" for p in problems), code="EMPLOYER_MAY_NOT_ASK", details=problems
        )

    def answer_request(self, session: Session, subject: Actor, request_id: str, accept: bool, *, now: datetime | None = None) -> ConsentRequestRow:
        self._require_subject(subject)
        now = held_instant(session, subject.id, now)
        row = session.get(ConsentRequestRow, request_id)
        if row is None or row.subject_id != subject.id:
            raise ConsentRequestNotFound(f"you have no consent request with id {request_id}")
        if row.status != "pending":
            raise AlreadyAnswered(f"this request was already answered ({row.status})")
        if accept:
            grant = self.grant(
                session, subject, GrantCreate.model_validate_json(row.payload), now=now,
                request_id=row.id, commit=False,
            )
            row.grant_id = grant.grant_id
        row.status = "accepted" if accept else "declined"
        row.answered_at = now
        session.add(row)
        audit.append(
            session, tag=AuditTag.REQUEST_ANSWERED, subject_id=subject.id, actor_id=subject.id,
            outcome="record", at=now, recipient_id=row.requester_id, basis_ref=row.id, reason=row.status,
        )
        session.commit()
        return row

    # --- NAV's statutory requests ---------------------------------------------------------

    def create_nav_request(self, session: Session, requester: Actor, data: NavRequestCreate, *, now: datetime | None = None) -> NavRequestRow:
        """NAV asks a GP or specialist for information (folketrygdloven § 21-4)."""
        if Role(requester.role) not in NAV_ROLES:
            raise NotTheSubject("only NAV can send a request under folketrygdloven § 21-4", code="NOT_NAV")
        now = held_instant(session, data.subject_id, now)
        subject = self.require_visible_subject(session, requester, data.subject_id)
        addressee = directory_store.get_actor(session=session, actor_id=data.addressee_id)
        if addressee is None or Role(addressee.role) not in HEALTH_PERSONNEL:
            raise ActorNotFound(f"no health personnel with id {data.addressee_id}")
        row = NavRequestRow(
            subject_id=subject.id,
            requester_id=requester.id,
            requester_organisation_id=requester.organisation_id,
            addressee_id=addressee.id,
            categories=",".join(sorted(c.value for c in set(data.categories))),
            purpose=data.purpose.value,
            reference=data.reference,
            created_at=now,
            expires_at=now + timedelta(days=self.config.nav_request_valid_days),
        )
        session.add(row)
        session.flush()
        audit.append(
            session, tag=AuditTag.NAV_REQUEST_CREATED, subject_id=subject.id, actor_id=requester.id,
            outcome="record", at=now, sender_id=addressee.id, recipient_id=requester.id,
            purpose=data.purpose.value, basis_kind="statutory", basis_ref=row.id,
            basis_text="folketrygdloven § 21-4", reason=f"categories={row.categories}",
        )
        session.commit()
        return row

    # --- NAV's acts made by a message (one transaction with the message) ---------------------

    def prepare_nav_request_act(
        self, session: Session, requester: Actor, subject_id: str, recipients: Sequence[Actor], data: NavRequestAct,
        *, message_id: str, now: datetime,
    ) -> list[NavRequestRow]:
        """Check the metadata of a ``nav_request`` message against the message and the
        law, and return the request rows to store with it (one per addressee), unsaved.

        Writes nothing: the caller adds them with ``record_nav_request_act`` in the
        transaction that stores the message, so both are there or neither is.

        Raises:
            InvalidNavAct: an addressee is not a recipient of the message or not health
                personnel; a category no rule needing NAV's request covers for them;
                an answer-by date in the past or after the request runs out.
        """
        if Role(requester.role) not in NAV_ROLES:
            raise InvalidNavAct("only NAV can send a request under folketrygdloven § 21-4")
        by_id = {a.id: a for a in recipients}
        purpose = Purpose.NAV_BENEFIT_ASSESSMENT
        expires_at = now + timedelta(days=self.config.nav_request_valid_days)
        if data.answer_by is not None and not (now.date() <= data.answer_by <= expires_at.date()):
            raise InvalidNavAct(
                f"nav_request.answer_by must be between today and {expires_at.date().isoformat()} "
                f"(a request holds {self.config.nav_request_valid_days} days)")
        categories = sorted({c.value for c in data.categories})
        rows = []
        for addressee_id in dict.fromkeys(data.addressee_ids):
            addressee = by_id.get(addressee_id)
            if addressee is None:
                raise InvalidNavAct(f"nav_request.addressee_ids: {addressee_id} is not a recipient of this message")
            if Role(addressee.role) not in HEALTH_PERSONNEL:
                raise InvalidNavAct(
                    f"nav_request.addressee_ids: {addressee.name} is not health personnel; "
                    "folketrygdloven § 21-4 obliges doctors, psychologists and other health personnel")
            uncovered = [c for c in categories if not self._nav_request_can_cover(addressee, requester, Category(c), purpose, now)]
            if uncovered:
                raise InvalidNavAct(
                    f"nav_request.categories: the law does not let NAV ask {addressee.name} for "
                    f"{', '.join(uncovered)}; ask only for what a rule covers (see GET /consent/rules)")
            rows.append(NavRequestRow(
                subject_id=subject_id, requester_id=requester.id, requester_organisation_id=requester.organisation_id,
                addressee_id=addressee.id, categories=",".join(categories), purpose=purpose.value,
                reference=data.reference, created_at=now, expires_at=expires_at, message_id=message_id,
                answer_by=data.answer_by,
            ))
        return rows

    def _nav_request_can_cover(self, addressee: Actor, requester: Actor, category: Category, purpose: Purpose,
                               at: datetime) -> bool:
        return any(
            rule.requires is Requirement.NAV_REQUEST
            and rule.valid_from <= at and (rule.valid_to is None or at < rule.valid_to)
            and Role(addressee.role) in rule.sender_roles and Role(requester.role) in rule.recipient_roles
            and category in rule.categories and purpose in rule.purposes
            for rule in self.rules
        )

    def record_nav_request_act(self, session: Session, rows: Sequence[NavRequestRow], *, case_id: str) -> None:
        """Store the rows ``prepare_nav_request_act`` made, each logged for the employee."""
        for row in rows:
            session.add(row)
        session.flush()
        for row in rows:
            audit.append(
                session, tag=AuditTag.NAV_REQUEST_CREATED, subject_id=row.subject_id, actor_id=row.requester_id,
                outcome="record", at=row.created_at, sender_id=row.addressee_id, recipient_id=row.requester_id,
                purpose=row.purpose, case_id=case_id, basis_kind="statutory", basis_ref=row.id,
                basis_text="folketrygdloven § 21-4", reason=f"categories={row.categories}",
            )

    def prepare_summons_act(
        self, session: Session, convener: Actor, subject_id: str, case_id: str, recipients: Sequence[Actor],
        data: NavSummonsAct, *, message_id: str, now: datetime,
    ) -> NavSummonsRow:
        """Check NAV's call to dialogue meeting 2 or 3 sent with a ``meeting_invitation``
        and return its row, unsaved (see ``prepare_nav_request_act``).

        Raises:
            InvalidNavAct: the sender is not NAV.
        """
        if Role(convener.role) not in NAV_ROLES:
            raise InvalidNavAct("only NAV calls dialogue meetings 2 and 3 (folketrygdloven § 8-7a)")
        invitees = sorted({a.id for a in recipients if a.id != convener.id})
        if not invitees:
            raise InvalidNavAct("nav_summons: the invitation is addressed to nobody")
        return NavSummonsRow(
            subject_id=subject_id, case_id=case_id, convener_id=convener.id, meeting_type=data.meeting_type,
            invitee_ids=",".join(invitees), message_id=message_id, created_at=now,
            expires_at=now + timedelta(days=self.config.nav_request_valid_days),
        )

    @staticmethod
    def summons_of(row: NavSummonsRow) -> NavSummons:
        """The decision's view of a summons row (stored or still pending)."""
        return NavSummons(
            summons_id=row.id, subject_id=row.subject_id, convener_id=row.convener_id,
            invitee_ids=frozenset(row.invitee_ids.split(",")), meeting_type=row.meeting_type,
            created_at=row.created_at, expires_at=row.expires_at,
        )

    def record_summons_act(self, session: Session, row: NavSummonsRow) -> None:
        session.add(row)
        session.flush()
        audit.append(
            session, tag=AuditTag.NAV_SUMMONS_CREATED, subject_id=row.subject_id, actor_id=row.convener_id,
            outcome="record", at=row.created_at, sender_id=row.convener_id, case_id=row.case_id,
            purpose=Purpose.DIALOGUE_MEETING.value, basis_kind="statutory", basis_ref=row.id,
            basis_text="folketrygdloven § 8-7a", reason=f"{row.meeting_type}; invited={row.invitee_ids}",
        )

    def end_acts_of_message(self, session: Session, message_id: str, *, now: datetime) -> None:
        """The message that made NAV's request or summons is recalled (wrong person,
        wrong patient): the act ends with it, so nothing more rests on it.  Caller commits."""
        for model in (NavRequestRow, NavSummonsRow):
            for row in session.exec(select(model).where(model.message_id == message_id, model.expires_at > now)).all():
                row.expires_at = now
                session.add(row)

    def statutory_hint(self, *, subject_id: str, sender: Actor, recipient: Actor, category: Category,
                       purpose: Purpose, at: datetime) -> dict | None:
        """For a denied flow: a rule that would cover it once NAV asks, as the
        machine-readable ``statutory_possible`` of a missing-basis answer; else None."""
        request = DisclosureRequest(
            subject_id=subject_id, sender=ActorFacts(sender.id, Role(sender.role)),
            recipient=ActorFacts(recipient.id, Role(recipient.role)), category=category, purpose=purpose, at=at)
        found = possible_statutory(request, self.rules)
        if found is None:
            return None
        rule, act = found
        return {"rule": f"{rule.rule_id}@{rule.version}", "law": rule.law, "needs": rule.requires.value, "act": act}

    # --- the gate -----------------------------------------------------------------------

    def facts(self, session: Session, actor: Actor, subject_id: str, at: datetime) -> ActorFacts:
        return self._facts(session, (actor,), subject_id, at)[actor.id]

    def _facts(self, session: Session, actors: tuple[Actor, ...], subject_id: str, at: datetime) -> dict[str, ActorFacts]:
        """Each actor's organisations (its own and every active membership) and the case
        roles its active relations to the subject give it; one query for all actors."""
        orgs: dict[str, set[str]] = {a.id: {a.organisation_id} if a.organisation_id else set() for a in actors}
        roles: dict[str, set[CaseRole]] = {a.id: set() for a in actors}
        rows = directory_store.fact_relations(session=session, actor_ids=orgs, subject_id=subject_id, at=at)
        for r in rows:
            if r.organisation_id:
                orgs[r.from_actor_id].add(r.organisation_id)
            if r.to_actor_id == subject_id:
                kind = RelationKind(r.kind)  # an unknown kind raises: fail closed
                if kind in CASE_ROLE_OF_RELATION:
                    roles[r.from_actor_id].add(CASE_ROLE_OF_RELATION[kind])
        return {
            a.id: ActorFacts(
                actor_id=a.id,
                role=Role(a.role),
                organisation_ids=frozenset(orgs[a.id]),
                case_roles=frozenset(roles[a.id]),
            )
            for a in actors
        }

    def decide_for(
        self, session: Session, *, subject_id: str, sender: Actor, recipient: Actor,
        category: Category, purpose: Purpose, case_id: str | None, at: datetime,
    ) -> Decision:
        """Load everything the pure decision needs and decide.  Writes nothing."""
        return self.decide_many(session, subject_id=subject_id, sender=sender,
                                flows=[Flow(recipient, category, purpose)], case_id=case_id, at=at)[0]

    def decide_many(
        self, session: Session, *, subject_id: str, sender: Actor, flows: list["Flow"], case_id: str | None,
        at: datetime, pending: Sequence[NavSummons] = (),
    ) -> list[Decision]:
        """Decide several flows from one sender about one subject (one message to many
        recipients), loading relations, consent state and NAV requests once.

        ``pending``: NAV's summons the message being decided makes (stored with it, in
        the same transaction, only if it goes)."""
        actors = {sender.id: sender} | {f.recipient.id: f.recipient for f in flows}
        facts = self._facts(session, tuple(actors.values()), subject_id, at)
        grants, exclusions = self.state(session, subject_id)
        requests = [
            DisclosureRequest(subject_id=subject_id, sender=facts[sender.id], recipient=facts[f.recipient.id],
                              category=f.category, purpose=f.purpose, at=at, case_id=case_id)
            for f in flows
        ]
        nav_requests: list[NavRequest] = []
        if self._may_rest_on(requests, Requirement.NAV_REQUEST):
            nav_requests = [
                NavRequest(
                    request_id=r.id,
                    subject_id=r.subject_id,
                    requester_id=r.requester_id,
                    requester_organisation_id=r.requester_organisation_id,
                    addressee_id=r.addressee_id,
                    categories=frozenset(Category(c) for c in r.categories.split(",")),
                    purpose=Purpose(r.purpose),
                    created_at=r.created_at,
                    expires_at=r.expires_at,
                )
                for r in store.open_nav_request_rows(session=session, subject_id=subject_id, addressee_id=sender.id, at=at)
            ]
        summonses: list[NavSummons] = list(pending)
        if self._may_rest_on(requests, Requirement.NAV_SUMMONS):
            summonses += [
                NavSummons(
                    summons_id=r.id, subject_id=r.subject_id, convener_id=r.convener_id,
                    invitee_ids=frozenset(r.invitee_ids.split(",")), meeting_type=r.meeting_type,
                    created_at=r.created_at, expires_at=r.expires_at,
                )
                for r in store.open_summons_rows(session=session, subject_id=subject_id, convener_id=sender.id, at=at)
            ]
        return [
            decide(r, grants=grants.values(), exclusions=exclusions.values(), rules=self.rules,
                   nav_requests=nav_requests, summonses=summonses)
            for r in requests
        ]

    def _may_rest_on(self, requests: list[DisclosureRequest], requirement: Requirement) -> bool:
        """Whether a rule that needs ``requirement`` (a NAV request, a NAV summons) could
        permit one of these flows (by roles, category and purpose).  If none can,
        ``decide`` never reads those acts, so the query for them is skipped."""
        return any(
            rule.requires is requirement
            and request.sender.role in rule.sender_roles
            and request.recipient.role in rule.recipient_roles
            and request.category in rule.categories
            and request.purpose in rule.purposes
            for rule in self.rules for request in requests
        )

    def authorize_disclosure(
        self, session: Session, *, actor: Actor, subject_id: str, sender: Actor, recipient: Actor,
        category: Category, purpose: Purpose, case_id: str | None = None,
        granted: AuditTag = AuditTag.DECISION_GRANTED, denied: AuditTag = AuditTag.DECISION_DENIED,
        at: datetime | None = None,
    ) -> tuple[Decision, int]:
        """Decide and append one log entry, permit or deny, in the caller's transaction.

        Returns the decision and the log entry's ``seq``.  Fails closed: any error while
        loading facts propagates, and no permit is given.
        """
        return self.authorize_many(
            session, actor=actor, subject_id=subject_id, sender=sender, flows=[Flow(recipient, category, purpose)],
            case_id=case_id, granted=granted, denied=denied, at=at,
        )[0]

    def authorize_many(
        self, session: Session, *, actor: Actor, subject_id: str, sender: Actor, flows: list["Flow"],
        case_id: str | None = None, granted: AuditTag = AuditTag.DECISION_GRANTED,
        denied: AuditTag = AuditTag.DECISION_DENIED, at: datetime | None = None, all_or_nothing: bool = False,
        pending: Sequence[NavSummons] = (),
    ) -> list[tuple[Decision, int | None]]:
        """``authorize_disclosure`` for several flows at once: one log entry each.

        With ``all_or_nothing`` (one message: either every wrap goes or none does), a
        single deny means nothing is released, so only the denials are logged and the
        permits come back with no log entry.
        """
        at = held_instant(session, subject_id, at)  # a caller that holds him already passes its instant
        decisions = self.decide_many(session, subject_id=subject_id, sender=sender, flows=flows, case_id=case_id, at=at,
                                     pending=pending)
        self.on_decisions(decisions)
        refused = all_or_nothing and any(not d.permitted for d in decisions)
        rows, logged = [], []
        for flow, decision in zip(flows, decisions):
            logged.append(not (refused and decision.permitted))
            if not logged[-1]:
                continue
            row = dict(
                subject_id=subject_id, actor_id=actor.id, at=at, sender_id=sender.id, recipient_id=flow.recipient.id,
                category=flow.category.value, purpose=flow.purpose.value, case_id=case_id,
            )
            if isinstance(decision, Permit):
                row |= dict(tag=granted, outcome="permit", basis_kind=decision.basis.kind.value,
                            basis_ref=decision.basis.ref, basis_text=decision.basis.text)
            else:
                row |= dict(tag=denied, outcome="deny", reason=f"{decision.reason.value}: {decision.message}")
            rows.append(row)
        seqs = iter(audit.append_many(session, rows))
        return [(d, next(seqs) if was_logged else None) for d, was_logged in zip(decisions, logged)]


@dataclass(frozen=True, slots=True)
class Flow:
    """One (recipient, category, purpose) a sender wants to disclose."""

    recipient: Actor
    category: Category
    purpose: Purpose
