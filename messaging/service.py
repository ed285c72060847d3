"""Case use cases."""

from __future__ import annotations

from sqlmodel import Session, select

from directory import service as directory
from directory import store as directory_store
from directory.columns import utcnow
from directory.errors import InvalidInput, NotFound
from directory.models import Actor
from directory.types import Role
from messaging.models import Case
from messaging.schemas import CaseCreate


class CaseNotFound(NotFound):
    code = "CASE_NOT_FOUND"


def open_case(session: Session, employee: Actor, data: CaseCreate, *, commit: bool = True) -> Case:
    if employee.role != Role.EMPLOYEE.value:
        raise InvalidInput("only a sick-listed employee can open their own case")
    case = Case(
        employee_id=employee.id,
        employer_organisation_id=employee.organisation_id,
        start_date=data.start_date,
        grade=data.grade,
    )
    session.add(case)
    if commit:
        session.commit()
    return case


def can_see_case(session: Session, viewer: Actor, case: Case) -> bool:
    return viewer.id == case.employee_id or directory.is_related(session, viewer.id, case.employee_id)


def require_case(session: Session, viewer: Actor, case_id: str) -> Case:
    """The case, if ``viewer`` may know it exists.

    Raises:
        CaseNotFound: missing or not visible — the same answer for both.
    """
    case = session.get(Case, case_id)
    if case is None or not can_see_case(session, viewer, case):
        raise CaseNotFound(f"no case {case_id} that you take part in")
    return case


def cases_for(session: Session, viewer: Actor) -> list[Case]:
    if viewer.role == Role.EMPLOYEE.value:
        return list(session.exec(select(Case).where(Case.employee_id == viewer.id)).all())
    related = {
        r.to_actor_id
        for r in directory_store.active_relations_from(
            session=session, from_actor_id=viewer.id, at=utcnow()
        )
    }
    if not related:
        return []
    return list(session.exec(select(Case).where(Case.employee_id.in_(related))).all())
