"""Consent routes: grants, exclusions, requests, NAV requests, decisions, rules."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Request
from sqlmodel import Session

from consent.errors import GrantNotFound, InvalidConsent
from consent.fhir import grant_to_fhir
from consent.schemas import (
    BasisPublic,
    ConsentRequestAnswer,
    ConsentRequestCreate,
    ConsentRequestPublic,
    DecisionPublic,
    DecisionQuery,
    ExclusionCreate,
    ExclusionPublic,
    GrantCreate,
    GrantPublic,
    NavRequestCreate,
    NavRequestPublic,
    PartyPublic,
)
from consent.service import ConsentService, grant_status
from consent.store import consent_requests_by, consent_requests_for
from consent.types import CATEGORY_LABELS, PURPOSE_LABELS, Exclusion, Grant, Party, PartyKind, Permit
from directory import service as directory
from directory import store as directory_store
from directory.columns import utcnow
from directory.models import Actor
from messaging import cases
from web.deps import CurrentActor, SessionDep
from web.errors import responses

router = APIRouter(prefix="/consent", tags=["consent"])
public = APIRouter(prefix="/consent", tags=["consent"])  # reference lists; no sign-in


def _consent(request: Request) -> ConsentService:
    return request.app.state.consent


def _names(session: Session, ids) -> dict[str, str]:
    ids = [i for i in ids if i]
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=ids)}
    names.update({o.id: o.name for o in directory_store.organisations_by_id(session=session, ids=ids).values()})
    return names


def _party_public(party: Party | None, names: dict[str, str]) -> PartyPublic | None:
    if party is None:
        return None
    if party.kind is PartyKind.ROLE:
        return PartyPublic(kind=party.kind, role=party.value)
    return PartyPublic(kind=party.kind, id=party.value, name=names.get(party.value))


def _grants_public(session: Session, grants: list[Grant], now: datetime) -> list[GrantPublic]:
    names = _names(session, [g.recipient.value for g in grants] + [g.discloser.value for g in grants if g.discloser])
    return [
        GrantPublic(
            id=g.grant_id, subject_id=g.subject_id, recipient=_party_public(g.recipient, names),
            discloser=_party_public(g.discloser, names), direction=g.direction,
            categories=sorted(g.categories), purposes=sorted(g.purposes), valid_from=g.valid_from,
            valid_to=g.valid_to, case_id=g.case_id, granted_at=g.granted_at, revoked_at=g.revoked_at,
            status=grant_status(g, now),
        )
        for g in grants
    ]


def _check_own_case(session: Session, me: Actor, case_id: str | None, subject_id: str) -> None:
    if case_id is None:
        return
    case = cases.require_case(session, me, case_id)
    if case.employee_id != subject_id:
        raise cases.CaseNotFound(f"no case {case_id} of this person that you take part in")
    if me.id != case.employee_id:  # a professional's request in an ended case: read-only (409)
        cases.require_open(case)


@public.get("/categories", summary="The eight information categories")
def categories() -> list[dict]:
    return [{"code": c.value, "nb": nb, "en": en} for c, (nb, en) in CATEGORY_LABELS.items()]


@public.get("/purposes", summary="The purposes consent can be given for")
def purposes() -> list[dict]:
    return [{"code": p.value, "nb": nb, "en": en} for p, (nb, en) in PURPOSE_LABELS.items()]


@public.get("/rules", summary="Statutory bases that apply without consent (versioned)")
def rules(request: Request) -> list[dict]:
    return [
        {
            "id": r.rule_id, "version": r.version, "law": r.law, "title": r.title,
            "sender_roles": sorted(r.sender_roles), "recipient_roles": sorted(r.recipient_roles),
            "categories": sorted(r.categories), "purposes": sorted(r.purposes),
            "requires": r.requires, "valid_from": r.valid_from.date().isoformat(),
            "blocked_by_revocation": False,
        }
        for r in _consent(request).rules
    ]


@router.post("/grants", response_model=GrantPublic, status_code=201, summary="Give consent")
def create_grant(data: GrantCreate, request: Request, session: SessionDep, me: CurrentActor) -> GrantPublic:
    _check_own_case(session, me, data.case_id, me.id)
    grant = _consent(request).grant(session, me, data)
    return _grants_public(session, [grant], utcnow())[0]


@router.get("/grants", response_model=list[GrantPublic], summary="Your consents, current and past")
def list_grants(request: Request, session: SessionDep, me: CurrentActor) -> list[GrantPublic]:
    grants, _ = _consent(request).state(session, me.id)
    return _grants_public(session, sorted(grants.values(), key=lambda g: g.granted_at, reverse=True), utcnow())


@router.post("/grants/{grant_id}/revoke", response_model=GrantPublic, summary="Withdraw a consent, at once")
def revoke_grant(grant_id: str, request: Request, session: SessionDep, me: CurrentActor) -> GrantPublic:
    grant = _consent(request).revoke(session, me, grant_id)
    return _grants_public(session, [grant], utcnow())[0]


@router.get("/grants/{grant_id}/fhir", summary="A consent as an HL7 FHIR R5 Consent resource")
def grant_fhir(grant_id: str, request: Request, session: SessionDep, me: CurrentActor) -> dict:
    grant = _consent(request).state(session, me.id)[0].get(grant_id)
    if grant is None:
        raise GrantNotFound(f"you have no consent with id {grant_id}")
    names = _names(session, [grant.recipient.value] + ([grant.discloser.value] if grant.discloser else []))
    return grant_to_fhir(grant, status=grant_status(grant, utcnow()), names=names)


def _exclusions_public(session: Session, exclusions: list[Exclusion]) -> list[ExclusionPublic]:
    names = _names(session, [i for e in exclusions for i in (e.actor_id, e.organisation_id, *e.except_ids)])
    return [
        ExclusionPublic(
            id=e.exclusion_id, actor_id=e.actor_id, actor_name=names.get(e.actor_id or ""),
            organisation_id=e.organisation_id, organisation_name=names.get(e.organisation_id or ""),
            except_ids=sorted(e.except_ids), categories=sorted(e.categories), created_at=e.created_at,
            lifted_at=e.lifted_at,
        )
        for e in exclusions
    ]


@router.post("/exclusions", response_model=ExclusionPublic, status_code=201,
             summary="Never share with this person, or anyone at this organisation but named people")
def create_exclusion(data: ExclusionCreate, request: Request, session: SessionDep, me: CurrentActor) -> ExclusionPublic:
    """An exclusion covering ``sick_leave`` (every category does) also ends the
    participation of the people it names in your cases, at once."""
    e, _ended = cases.exclude(session, _consent(request), me, data)
    return _exclusions_public(session, [e])[0]


@router.get("/exclusions", response_model=list[ExclusionPublic], summary="Your exclusions")
def list_exclusions(request: Request, session: SessionDep, me: CurrentActor) -> list[ExclusionPublic]:
    _, exclusions = _consent(request).state(session, me.id)
    return _exclusions_public(session, list(exclusions.values()))


@router.post("/exclusions/{exclusion_id}/lift", response_model=ExclusionPublic, summary="Lift an exclusion")
def lift_exclusion(exclusion_id: str, request: Request, session: SessionDep, me: CurrentActor) -> ExclusionPublic:
    """Those the exclusion ended the participation of are not added back."""
    e = _consent(request).lift_exclusion(session, me, exclusion_id)
    return _exclusions_public(session, [e])[0]


def _request_public(session: Session, row) -> ConsentRequestPublic:
    return ConsentRequestPublic(
        id=row.id, subject_id=row.subject_id, requester_id=row.requester_id,
        requester_name=_names(session, [row.requester_id]).get(row.requester_id),
        grant=GrantCreate.model_validate(json.loads(row.payload)), reason=row.reason, status=row.status,
        grant_id=row.grant_id, created_at=row.created_at, answered_at=row.answered_at,
    )


@router.post("/requests", response_model=ConsentRequestPublic, status_code=201, summary="Ask the employee for consent")
def create_request(data: ConsentRequestCreate, request: Request, session: SessionDep, me: CurrentActor) -> ConsentRequestPublic:
    _check_own_case(session, me, data.grant.case_id, data.subject_id)
    return _request_public(session, _consent(request).request_consent(session, me, data))


@router.get("/requests", response_model=list[ConsentRequestPublic], summary="Requests to you, or sent by you")
def list_requests(session: SessionDep, me: CurrentActor) -> list[ConsentRequestPublic]:
    rows = consent_requests_for(session=session, subject_id=me.id) if me.role == "employee" else consent_requests_by(session=session, requester_id=me.id)
    return [_request_public(session, r) for r in rows]


@router.post("/requests/{request_id}/answer", response_model=ConsentRequestPublic, summary="Accept or decline a request",
             responses=responses(409))
def answer_request(request_id: str, data: ConsentRequestAnswer, request: Request, session: SessionDep, me: CurrentActor) -> ConsentRequestPublic:
    return _request_public(session, _consent(request).answer_request(session, me, request_id, data.accept))


@router.post("/nav-requests", response_model=NavRequestPublic, status_code=201, summary="NAV asks a GP or specialist (ftrl § 21-4)")
def create_nav_request(data: NavRequestCreate, request: Request, session: SessionDep, me: CurrentActor) -> NavRequestPublic:
    row = _consent(request).create_nav_request(session, me, data)
    return NavRequestPublic(
        id=row.id, subject_id=row.subject_id, requester_id=row.requester_id, addressee_id=row.addressee_id,
        categories=row.categories.split(","), purpose=row.purpose, reference=row.reference,
        created_at=row.created_at, expires_at=row.expires_at, message_id=row.message_id, answer_by=row.answer_by,
    )


@router.post("/decisions", response_model=DecisionPublic, summary="May this actor receive this information?")
def decide(data: DecisionQuery, request: Request, session: SessionDep, me: CurrentActor) -> DecisionPublic:
    """Ask before sharing.  Every answer, permit or deny, is logged for the employee."""
    service = _consent(request)
    subject = service.require_visible_subject(session, me, data.subject_id)
    sender = directory.require_visible_actor(session, me, data.sender_id) if data.sender_id else me
    recipient = directory.require_visible_actor(session, me, data.recipient_id)
    if me.id not in (sender.id, recipient.id, subject.id):
        raise InvalidConsent("you can ask only about flows you send, receive, or that are about you")
    _check_own_case(session, me, data.case_id, subject.id)
    decision, seq = service.authorize_disclosure(
        session, actor=me, subject_id=subject.id, sender=sender, recipient=recipient,
        category=data.category, purpose=data.purpose, case_id=data.case_id,
    )
    session.commit()
    if isinstance(decision, Permit):
        b = decision.basis
        return DecisionPublic(permitted=True, basis=BasisPublic(kind=b.kind.value, ref=b.ref, text=b.text), log_entry=seq)
    return DecisionPublic(permitted=False, reason=decision.reason.value, message=decision.message, log_entry=seq)
