"""The follow-up plan of a case: its versions (metadata; the plans stay sealed), its
thread, the threads it is sent on in, and marking an evaluation held
(docs/follow-up-plan.md)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from consent.serial import hold_subject
from messaging import cases
from messaging import plan as service
from messaging.schemas import PlanShareCreate, ThreadPublic
from web.api.threads import _thread_public
from web.deps import CurrentActor, SessionDep
from web.errors import responses

router = APIRouter(prefix="/cases/{case_id}/plan", tags=["follow-up plan"])


class EvaluatedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=10_000, description="the version whose evaluation was held")


@router.get("", summary="The follow-up plan: versions with number, author, dates and acknowledgement")
def get_plan(case_id: str, session: SessionDep, me: CurrentActor) -> dict:
    """For the case's participants: every version's metadata, newest last (``latest``
    is its number); ``thread_id`` only for those in the plan thread."""
    return service.overview(session, me, case_id)


@router.post("/thread", response_model=ThreadPublic, responses=responses(409),
             summary="The case's plan thread (made if there is none)")
def plan_thread(case_id: str, session: SessionDep, me: CurrentActor) -> ThreadPublic:
    return _thread_public(session, service.open_plan_thread(session, me, case_id))


@router.post("/share-thread", response_model=ThreadPublic, responses=responses(409),
             summary="The thread to send the plan on to the GP or NAV (made if there is none)")
def share_thread(case_id: str, data: PlanShareCreate, session: SessionDep, me: CurrentActor) -> ThreadPublic:
    return _thread_public(session, service.open_share_thread(session, me, case_id, data.recipient_id))


@router.post("/evaluated", summary="Mark a version's evaluation as held", responses=responses(409))
def evaluated(case_id: str, data: EvaluatedCreate, session: SessionDep, me: CurrentActor) -> dict:
    case = cases.require_case(session, me, case_id)
    now = hold_subject(session, case.employee_id)
    version = service.mark_evaluated(session, me, case.id, data.number, now)
    return {"number": version.number, "evaluated_at": version.evaluated_at}
