"""Case routes: cases, participants, grades, the timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlmodel import Session

from directory import service as directory
from directory import store as directory_store
from messaging import caselife
from messaging import cases as service
from messaging.models import Case
from messaging.schemas import (
    CaseCreate,
    CaseClose,
    CaseDetail,
    ClosurePublic,
    CasePublic,
    GradeCreate,
    GradePublic,
    MilestonePublic,
    ParticipantCreate,
    ParticipantPublic,
)
from web.deps import CurrentActor, SessionDep
from web.errors import responses

router = APIRouter(prefix="/cases", tags=["cases"])


def _participants(session: Session, case_id: str) -> list[ParticipantPublic]:
    rows = service.participants(session, case_id)
    actors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=[p.actor_id for p in rows])}
    reachable = directory_store.actors_with_encryption_key(session=session, actor_ids=actors)
    return [
        ParticipantPublic(
            actor_id=p.actor_id, name=actors[p.actor_id].name, case_role=p.case_role, reason=p.reason,
            added_by=p.added_by, added_at=p.added_at, can_receive_messages=p.actor_id in reachable,
        )
        for p in rows
    ]


def _detail(session: Session, case: Case) -> CaseDetail:
    grades = service.grade_history(session, case.id)
    milestones = service.case_milestones(session, case)
    return CaseDetail(
        **CasePublic.model_validate(case, from_attributes=True).model_dump(),
        participants=_participants(session, case.id),
        grades=[GradePublic(from_date=g.from_date, grade=g.grade) for g in grades],
        milestones=[MilestonePublic.model_validate(m, from_attributes=True) for m in milestones],
        closure=_closure(case),
    )


def _closure(case: Case) -> ClosurePublic | None:
    c = caselife.closure(case)
    if c is None:
        return None
    return ClosurePublic(closed_on=c.closed_on, closed_at=c.closed_at, reason=c.reason, closed_by=c.closed_by,
                         purge_on=c.purge_on, purged_at=c.purged_at, purge_soon=c.warn, rules_version=c.rules_version)


@router.post("", response_model=CasePublic, status_code=201, summary="Open your sick-leave case")
def open_case(data: CaseCreate, session: SessionDep, me: CurrentActor) -> CasePublic:
    return CasePublic.model_validate(service.open_case(session, me, data), from_attributes=True)


@router.get("", response_model=list[CasePublic], summary="The cases you take part in")
def list_cases(session: SessionDep, me: CurrentActor) -> list[CasePublic]:
    return [CasePublic.model_validate(c, from_attributes=True) for c in service.cases_for(session, me)]


@router.get("/{case_id}", response_model=CaseDetail, summary="One case: who takes part, grades, what is due")
def get_case(case_id: str, session: SessionDep, me: CurrentActor) -> CaseDetail:
    return _detail(session, service.require_case(session, me, case_id))


@router.post("/{case_id}/participants", response_model=ParticipantPublic, status_code=201, summary="Add someone, by relation, with a reason",
             responses=responses(409))
def add_participant(case_id: str, data: ParticipantCreate, request: Request, session: SessionDep, me: CurrentActor) -> ParticipantPublic:
    row = service.add_participant(session, me, case_id, data.actor_id, data.reason, consent=request.app.state.consent)
    return next(p for p in _participants(session, case_id) if p.actor_id == row.actor_id)


@router.post("/{case_id}/participants/{actor_id}/remove", status_code=204, summary="The employee takes someone out")
def remove_participant(case_id: str, actor_id: str, session: SessionDep, me: CurrentActor) -> None:
    service.remove_participant(session, me, case_id, actor_id)


@router.post("/{case_id}/grades", response_model=CaseDetail, status_code=201, summary="Record a new sick-leave grade", responses=responses(409))
def record_grade(case_id: str, data: GradeCreate, session: SessionDep, me: CurrentActor) -> CaseDetail:
    service.record_grade(session, me, case_id, data.from_date, data.grade)
    return _detail(session, service.require_case(session, me, case_id))


@router.post("/{case_id}/close", response_model=CaseDetail, summary="End the case: read-only from then on",
             responses=responses(409))
def close_case(case_id: str, data: CaseClose, session: SessionDep, me: CurrentActor) -> CaseDetail:
    """NAV ends a case for any reason; the employer only as ``back_at_work``
    (messaging/rules/retention-*.toml).  Logged for the employee; afterwards every write
    in the case by its professionals answers 409 ``CASE_CLOSED``."""
    case = caselife.close_case(session, me, case_id, caselife.EndReason(data.reason), data.ended_on)
    return _detail(session, case)


@router.get("/{case_id}/relations", summary="People related to the employee who could be added")
def candidates(case_id: str, session: SessionDep, me: CurrentActor) -> list[dict]:
    case = service.require_case(session, me, case_id)
    taking_part = {p.actor_id for p in service.participants(session, case.id)}
    now = directory.utcnow()
    out = []
    for relation in directory_store.active_relations_to(session=session, to_actor_id=case.employee_id, at=now):
        role = service.relation_role(session, relation.from_actor_id, case.employee_id, at=now)
        if role is None or relation.from_actor_id in taking_part:
            continue
        actor = directory_store.get_actor(session=session, actor_id=relation.from_actor_id)
        out.append({"actor_id": actor.id, "name": actor.name, "case_role": role.value})
    return list({o["actor_id"]: o for o in out}.values())
