"""Consent use cases: grant, revoke, exclude, ask, answer, and the one gate every
disclosure passes through, ``authorize_disclosure``.

Writes commit once per use case; ``authorize_disclosure`` leaves committing to its
caller so the disclosure and its log entry commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session

from consent import audit, limits, store
from consent.audit import AuditTag
from consent.config import ConsentConfig
from consent.errors import (
    AlreadyAnswered,
    ConsentRequestNotFound,
    ExclusionNotFound,
    GrantNotFound,
    InvalidConsent,
    NotTheSubject,
    SubjectNotFound,
)
from consent.models import ConsentEvent, ConsentRequestRow, NavRequestRow
from consent.policy import decide
from consent.schemas import ConsentRequestCreate, ExclusionCreate, GrantCreate, NavRequestCreate, PartyIn
from consent.types import (
    ActorFacts,
    Category,
    Decision,
    Direction,
    DisclosureRequest,
    Exclusion,
    Grant,
    NavRequest,
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
                actor_id=p["actor_id"],
                categories=frozenset(Category(c) for c in p["categories"]),
                created_at=e.recorded_at,
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
        now = now or utcnow()
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
        now = now or utcnow()
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

    def exclude(self, session: Session, subject: Actor, data: ExclusionCreate, *, now: datetime | None = None) -> Exclusion:
        self._require_subject(subject)
        now = now or utcnow()
        if data.actor_id == subject.id:
            raise InvalidConsent("you cannot exclude yourself")
        self._require_visible_person(session, subject, data.actor_id, "actor_id")
        exclusion_id = new_id()
        categories = sorted(c.value for c in set(data.categories))
        self._record(session, subject, EventKind.EXCLUDED, exclusion_id, {"actor_id": data.actor_id, "categories": categories}, now)
        audit.append(
            session, tag=AuditTag.EXCLUSION_CREATED, subject_id=subject.id, actor_id=subject.id,
            outcome="record", at=now, recipient_id=data.actor_id, basis_ref=exclusion_id,
            reason="all categories" if not categories else ",".join(categories),
        )
        session.commit()
        return self.state(session, subject.id)[1][exclusion_id]

    def lift_exclusion(self, session: Session, subject: Actor, exclusion_id: str, *, now: datetime | None = None) -> Exclusion:
        self._require_subject(subject)
        now = now or utcnow()
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
        now = now or utcnow()
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
        now = now or utcnow()
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
        now = now or utcnow()
        if Role(requester.role) not in NAV_ROLES:
            raise NotTheSubject("only NAV can send a request under folketrygdloven § 21-4", code="NOT_NAV")
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
        at: datetime,
    ) -> list[Decision]:
        """Decide several flows from one sender about one subject (one message to many
        recipients), loading relations, consent state and NAV requests once."""
        actors = {sender.id: sender} | {f.recipient.id: f.recipient for f in flows}
        facts = self._facts(session, tuple(actors.values()), subject_id, at)
        grants, exclusions = self.state(session, subject_id)
        requests = [
            DisclosureRequest(subject_id=subject_id, sender=facts[sender.id], recipient=facts[f.recipient.id],
                              category=f.category, purpose=f.purpose, at=at, case_id=case_id)
            for f in flows
        ]
        nav_requests: list[NavRequest] = []
        if any(self._may_rest_on_nav_request(r) for r in requests):
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
        return [
            decide(r, grants=grants.values(), exclusions=exclusions.values(), rules=self.rules, nav_requests=nav_requests)
            for r in requests
        ]

    def _may_rest_on_nav_request(self, request: DisclosureRequest) -> bool:
        """Whether a rule that needs a NAV request could permit this flow (by roles,
        category and purpose).  If none can, ``decide`` never reads NAV requests, so
        the query for them is skipped."""
        return any(
            rule.requires is Requirement.NAV_REQUEST
            and request.sender.role in rule.sender_roles
            and request.recipient.role in rule.recipient_roles
            and request.category in rule.categories
            and request.purpose in rule.purposes
            for rule in self.rules
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
    ) -> list[tuple[Decision, int | None]]:
        """``authorize_disclosure`` for several flows at once: one log entry each.

        With ``all_or_nothing`` (one message: either every wrap goes or none does), a
        single deny means nothing is released, so only the denials are logged and the
        permits come back with no log entry.
        """
        at = at or utcnow()
        decisions = self.decide_many(session, subject_id=subject_id, sender=sender, flows=flows, case_id=case_id, at=at)
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
