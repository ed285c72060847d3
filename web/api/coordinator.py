"""The coordinator of a case (appoint, hand over, end; the employee agrees or objects)
and everyone's deadlines (``GET /me/deadlines``).  The services decide and authorise:
messaging/coordinator.py and messaging/deadlines.py."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from sqlmodel import Session

from directory import store as directory_store
from messaging import cases as case_service
from messaging import coordinator as service
from messaging import deadlines
from messaging.models import Case
from messaging.rules import load_rules as milestone_rules
from messaging.schemas import (
    AppointmentPublic,
    CoordinatorAppoint,
    CoordinatorPublic,
    CoordinatorView,
    DeadlinePublic,
)
from web.deps import CurrentActor, SessionDep
from web.errors import responses
from web.i18n import Translator, language_of

router = APIRouter(prefix="/cases", tags=["coordinator"])
me = APIRouter(tags=["deadlines"])


def coordinator_public(session: Session, case: Case) -> CoordinatorPublic:
    rows = service.history(session, case.id)
    now = service.current(session, case)
    ids = {*now, *(r.coordinator_id for r in rows), *(r.appointed_by for r in rows)}
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=list(ids))}
    return CoordinatorPublic(
        case_id=case.id, current=now, current_names=[names.get(i, "") for i in now],
        history=[AppointmentPublic(
            id=r.id, coordinator_id=r.coordinator_id, coordinator_name=names.get(r.coordinator_id, ""),
            appointed_by=r.appointed_by, appointed_by_name=names.get(r.appointed_by, ""), rules_version=r.rules_version,
            employee_view=r.employee_view, wishes_message_id=r.wishes_message_id, started_at=r.started_at,
            ended_at=r.ended_at, end_reason=r.end_reason) for r in rows],
    )


@router.get("/{case_id}/coordinator", response_model=CoordinatorPublic, summary="Who coordinates the case, and before")
def get_coordinator(case_id: str, session: SessionDep, me_: CurrentActor) -> CoordinatorPublic:
    return coordinator_public(session, case_service.require_case(session, me_, case_id))


@router.post("/{case_id}/coordinator", response_model=CoordinatorPublic, status_code=201,
             summary="Appoint a coordinator (by the rules: NAV or the GP)", responses=responses(403, 409))
def appoint(case_id: str, data: CoordinatorAppoint, request: Request, session: SessionDep, me_: CurrentActor) -> CoordinatorPublic:
    service.appoint(session, me_, case_id, data.actor_id, agreed=data.employee_agreed,
                    wishes_message_id=data.wishes_message_id, consent=request.app.state.consent)
    return coordinator_public(session, case_service.require_case(session, me_, case_id))


@router.post("/{case_id}/coordinator/hand-over", response_model=CoordinatorPublic,
             summary="Hand the coordination over to someone else", responses=responses(403, 409))
def hand_over(case_id: str, data: CoordinatorAppoint, request: Request, session: SessionDep, me_: CurrentActor) -> CoordinatorPublic:
    service.hand_over(session, me_, case_id, data.actor_id, agreed=data.employee_agreed,
                      wishes_message_id=data.wishes_message_id, consent=request.app.state.consent)
    # Not require_case: a coordinator with no other part in the case has just left it.
    return coordinator_public(session, session.get(Case, case_id))


@router.post("/{case_id}/coordinator/end", response_model=CoordinatorPublic, summary="The case no longer has a coordinator",
             responses=responses(403, 409))
def end(case_id: str, session: SessionDep, me_: CurrentActor) -> CoordinatorPublic:
    service.end(session, me_, case_id)
    case = session.get(Case, case_id)
    return coordinator_public(session, case)


@router.post("/{case_id}/coordinator/view", response_model=CoordinatorPublic,
             summary="The employee agrees with his coordinator, or objects", responses=responses(403))
def employee_view(case_id: str, data: CoordinatorView, session: SessionDep, me_: CurrentActor) -> CoordinatorPublic:
    service.record_view(session, me_, case_id, agreed=data.agreed, wishes_message_id=data.wishes_message_id)
    return coordinator_public(session, case_service.require_case(session, me_, case_id))


# --- deadlines ---------------------------------------------------------------------------------


def deadline_words(t: Translator, d: deadlines.Deadline) -> str:
    """What to do, in plain words: ``deadline.<action>``, or the milestone's title."""
    if d.kind == "milestone":
        rule = next((r for r in milestone_rules() if r.code == d.ref), None)
        return t("deadline.milestone", what=t.title(rule) if rule else d.ref)
    return t(f"deadline.{d.action}")


@me.get("/me/deadlines", response_model=list[DeadlinePublic], summary="Everything with a deadline you are involved in")
def my_deadlines(request: Request, session: SessionDep, me_: CurrentActor, until: date | None = None) -> list[DeadlinePublic]:
    t = Translator(language_of(request))
    return [DeadlinePublic(kind=d.kind, case_id=d.case_id, due_at=d.due_at, overdue=d.overdue, action=d.action,
                           text=deadline_words(t, d), link=d.link, ref=d.ref)
            for d in deadlines.deadlines_for(session, me_, until=until)]
