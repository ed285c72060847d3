"""Case routes."""

from __future__ import annotations

from fastapi import APIRouter

from messaging import service
from messaging.schemas import CaseCreate, CasePublic
from web.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", response_model=CasePublic, status_code=201, summary="Open your sick-leave case")
def open_case(data: CaseCreate, session: SessionDep, me: CurrentActor) -> CasePublic:
    return CasePublic.model_validate(service.open_case(session, me, data), from_attributes=True)


@router.get("", response_model=list[CasePublic], summary="The cases you take part in")
def list_cases(session: SessionDep, me: CurrentActor) -> list[CasePublic]:
    return [CasePublic.model_validate(c, from_attributes=True) for c in service.cases_for(session, me)]


@router.get("/{case_id}", response_model=CasePublic, summary="One case")
def get_case(case_id: str, session: SessionDep, me: CurrentActor) -> CasePublic:
    return CasePublic.model_validate(service.require_case(session, me, case_id), from_attributes=True)
