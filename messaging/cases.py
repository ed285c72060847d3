"""Cases: one sick-leave episode, its participants and its grade history.

A case is visible to its employee and its active participants only; to everyone else
it does not exist (the same 404 as a missing case).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from consent import audit
from consent.audit import AuditTag
from directory import service as directory
from directory import store as directory_store
from directory.columns import utcnow
from directory.errors import ActorNotFound, Conflict, Forbidden, InvalidInput, NotFound
from directory.models import Actor
from directory.types import CASE_ROLE_OF_RELATION, CaseRole, RelationKind, Role
from messaging.models import Case, CaseGrade, CaseParticipant
from messaging.schemas import CaseCreate

EMPLOYEE_ROLE = "employee"
# When one person stands in several relations to the employee, the case shows the first.
ROLE_PRIORITY = [
    CaseRole.COORDINATOR, CaseRole.GP, CaseRole.NEAREST_MANAGER, CaseRole.NAV_ADVISER,
    CaseRole.TREATING_CLINICIAN, CaseRole.BHT, CaseRole.HR, CaseRole.UNION_REPRESENTATIVE,
]  # fmt: skip


class CaseNotFound(NotFound):
    code = "CASE_NOT_FOUND"


class NotAParticipant(Forbidden):
    code = "NOT_A_PARTICIPANT"


def open_case(session: Session, employee: Actor, data: CaseCreate, *, commit: bool = True) -> Case:
    if employee.role != Role.EMPLOYEE.value:
        raise InvalidInput("only a sick-listed employee can open their own case")
    if data.start_date > date.today():
        raise InvalidInput("start_date is in the future; a case starts on the first day of absence")
    case = Case(
        employee_id=employee.id,
        employer_organisation_id=employee.organisation_id,
        start_date=data.start_date,
        grade=data.grade,
    )
    session.add(case)
    session.add(CaseGrade(case_id=case.id, from_date=data.start_date, grade=data.grade, recorded_by=employee.id))
    session.add(
        CaseParticipant(case_id=case.id, actor_id=employee.id, case_role=EMPLOYEE_ROLE,
                        reason="the sick-listed employee", added_by=employee.id)
    )
    if commit:
        session.commit()
    return case


def participant(session: Session, case_id: str, actor_id: str) -> CaseParticipant | None:
    return session.exec(
        select(CaseParticipant).where(
            CaseParticipant.case_id == case_id,
            CaseParticipant.actor_id == actor_id,
            CaseParticipant.removed_at.is_(None),
        )
    ).first()


def participants(session: Session, case_id: str) -> list[CaseParticipant]:
    return list(
        session.exec(
            select(CaseParticipant)
            .where(CaseParticipant.case_id == case_id, CaseParticipant.removed_at.is_(None))
            .order_by(col(CaseParticipant.added_at))
        ).all()
    )


def can_see_case(session: Session, viewer: Actor, case: Case) -> bool:
    return viewer.id == case.employee_id or participant(session, case.id, viewer.id) is not None


def require_case(session: Session, viewer: Actor, case_id: str) -> Case:
    """The case, if ``viewer`` takes part in it.

    Raises:
        CaseNotFound: missing or not visible — the same answer for both.
    """
    case = session.get(Case, case_id)
    if case is None or not can_see_case(session, viewer, case):
        raise CaseNotFound(f"no case {case_id} that you take part in")
    return case


def cases_for(session: Session, viewer: Actor) -> list[Case]:
    ids = select(CaseParticipant.case_id).where(
        CaseParticipant.actor_id == viewer.id, CaseParticipant.removed_at.is_(None)
    )
    return list(session.exec(select(Case).where(Case.id.in_(ids)).order_by(col(Case.start_date).desc())).all())


def relation_role(session: Session, actor_id: str, employee_id: str, *, at: datetime) -> CaseRole | None:
    roles = directory.case_roles(session, actor_id, employee_id, at=at)
    return next((r for r in ROLE_PRIORITY if r in roles), None)


def add_participant(
    session: Session, by: Actor, case_id: str, actor_id: str, reason: str, *, now: datetime | None = None,
    commit: bool = True,
) -> CaseParticipant:
    """Add one person to a case, by their relation to the employee, with a reason.

    Raises:
        CaseNotFound: ``by`` does not take part in the case.
        NotAParticipant: ``by`` is in the case but is not the employee or a professional in it.
        InvalidInput: no reason, or the person has no relation to the employee.
        Conflict: already taking part.
    """
    now = now or utcnow()
    case = require_case(session, by, case_id)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("say in a few words why this person is added; the employee reads it")
    target = directory_store.get_actor(session=session, actor_id=actor_id)
    if target is None:
        raise ActorNotFound(f"no actor with id {actor_id}")
    if participant(session, case.id, actor_id) is not None:
        raise Conflict(f"{target.name} already takes part in this case")
    role = relation_role(session, actor_id, case.employee_id, at=now)
    if role is None:
        kinds = ", ".join(k.value for k in CASE_ROLE_OF_RELATION)
        raise InvalidInput(
            f"{target.name} has no relation to the employee in the directory ({kinds}); "
            "participants are added by relation"
        )
    row = CaseParticipant(case_id=case.id, actor_id=actor_id, case_role=role.value, reason=reason,
                          added_by=by.id, added_at=now)
    session.add(row)
    # Being told that someone is on sick leave is itself a disclosure: log it.
    audit.append(
        session, tag=AuditTag.PARTICIPANT_ADDED, subject_id=case.employee_id, actor_id=by.id, outcome="record",
        at=now, recipient_id=actor_id, case_id=case.id, category="sick_leave", reason=f"{role.value}: {reason}",
    )
    if commit:
        session.commit()
    return row


def remove_participant(session: Session, by: Actor, case_id: str, actor_id: str, *, now: datetime | None = None) -> CaseParticipant:
    """The employee takes someone out of their case."""
    now = now or utcnow()
    case = require_case(session, by, case_id)
    if by.id != case.employee_id:
        raise NotAParticipant("only the employee can take someone out of their case")
    row = participant(session, case.id, actor_id)
    if row is None or actor_id == case.employee_id:
        raise NotFound(f"{actor_id} does not take part in this case", code="PARTICIPANT_NOT_FOUND")
    row.removed_at = now
    session.add(row)
    audit.append(
        session, tag=AuditTag.PARTICIPANT_REMOVED, subject_id=case.employee_id, actor_id=by.id, outcome="record",
        at=now, recipient_id=actor_id, case_id=case.id,
    )
    session.commit()
    return row


GRADE_SETTERS = {Role.EMPLOYEE, Role.GP, Role.LOCUM, Role.SPECIALIST}


def record_grade(session: Session, by: Actor, case_id: str, from_date: date, grade: int) -> CaseGrade:
    """A new sick-leave grade from a date (a new sick note)."""
    case = require_case(session, by, case_id)
    if Role(by.role) not in GRADE_SETTERS:
        raise NotAParticipant("the employee or the sick-listing doctor records the sick-leave grade")
    if not 0 <= grade <= 100:
        raise InvalidInput("grade is a percentage from 0 (back at work) to 100")
    if from_date < case.start_date:
        raise InvalidInput(f"from_date is before the case started ({case.start_date.isoformat()})")
    history = grade_history(session, case.id)
    row = CaseGrade(case_id=case.id, from_date=from_date, grade=grade, recorded_by=by.id)
    session.add(row)
    if not history or from_date >= history[-1].from_date:
        case.grade = grade  # the current grade is the one with the latest start
        session.add(case)
    session.commit()
    return row


def grade_history(session: Session, case_id: str) -> list[CaseGrade]:
    return list(
        session.exec(
            select(CaseGrade).where(CaseGrade.case_id == case_id).order_by(col(CaseGrade.from_date), col(CaseGrade.id))
        ).all()
    )


def relation_kinds() -> list[RelationKind]:
    return list(CASE_ROLE_OF_RELATION)
