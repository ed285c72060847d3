"""Cases: one sick-leave episode, its participants and its grade history.

A case is visible to its employee and its active participants only; to everyone else
it does not exist (the same 404 as a missing case).  The participant rows are the one
source of truth for that: an exclusion that keeps someone out of the case ends their
participation when it is made (``exclude``), and refuses adding them later
(``add_participant``); see docs/decisions/0009-exclusions-end-participation.md.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from consent import audit
from consent.audit import AuditTag
from consent.schemas import ExclusionCreate
from consent.service import ConsentService, held_instant
from consent.types import Exclusion
from directory import service as directory
from directory import store as directory_store
from directory.columns import utcnow
from directory.errors import ActorNotFound, Conflict, Forbidden, InvalidInput, NotFound
from directory.models import Actor
from directory.types import CASE_ROLE_OF_RELATION, NAV_ROLES, CaseRole, RelationKind, Role
from messaging import timeline
from messaging.models import Case, CaseGrade, CaseParticipant, Meeting, Message
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


class CaseClosed(Conflict):
    """A write in a case that has ended (``messaging.caselife``): 409."""

    code = "CASE_CLOSED"


def require_open(case: Case) -> None:
    """Refuse a write in a closed case (409 ``CASE_CLOSED``), in words a person can act on.
    Reading stays open; so do the employee's own controls (taking someone out, consents)."""
    if case.closed_at is None:
        return
    when = (case.closed_on or case.closed_at.date()).isoformat()
    raise CaseClosed(
        f"the case ended on {when} ({case.closed_reason}) and is read-only: its messages can be read, "
        "but nothing new can be sent or changed in it. If the employee is sick-listed again, a new case is opened",
        details=[{"closed_on": when, "closed_reason": case.closed_reason}],
    )


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


def _hold_employee_of(session: Session, case_id: str, now: datetime | None) -> datetime:
    """Hold the case's employee (``consent.service.held_instant``) before a change to who
    takes part in his case is decided; the instant to stamp it with."""
    case = session.get(Case, case_id)
    return held_instant(session, case.employee_id, now) if case is not None else now or utcnow()


def relation_role(session: Session, actor_id: str, employee_id: str, *, at: datetime) -> CaseRole | None:
    roles = directory.case_roles(session, actor_id, employee_id, at=at)
    return next((r for r in ROLE_PRIORITY if r in roles), None)


def add_participant(
    session: Session, by: Actor, case_id: str, actor_id: str, reason: str, *, now: datetime | None = None,
    commit: bool = True, consent: ConsentService | None = None,
) -> CaseParticipant:
    """Add one person to a case, by their relation to the employee, with a reason.

    ``consent`` checks the employee's exclusions (every route passes it; the demo
    loader, which builds cases before anyone could exclude, does not).

    Raises:
        CaseNotFound: ``by`` does not take part in the case.
        InvalidInput: no reason; or the person cannot be added (no relation to the
            employee, or excluded by them: the same ``CANNOT_BE_ADDED`` either way; an
            excluded person's attempt is logged for the employee).
        Conflict: already taking part.
    """
    now = _hold_employee_of(session, case_id, now)
    case = require_case(session, by, case_id)
    require_open(case)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("say in a few words why this person is added; the employee reads it")
    target = directory_store.get_actor(session=session, actor_id=actor_id)
    if target is None:
        raise ActorNotFound(f"no actor with id {actor_id}")
    if participant(session, case.id, actor_id) is not None:
        raise Conflict(f"{target.name} already takes part in this case")
    role = relation_role(session, actor_id, case.employee_id, at=now)
    # One refusal for "no relation" and "excluded by the employee": the adder must not
    # learn that an exclusion exists.  Only the employee hears of the attempt (the log).
    kinds = ", ".join(k.value for k in CASE_ROLE_OF_RELATION)
    refusal = InvalidInput(
        f"{target.name} cannot be added to this case: people are added by their relation to the employee "
        f"in the directory ({kinds}), and the employee decides who takes part",
        code="CANNOT_BE_ADDED",
    )
    if role is None:
        raise refusal
    if consent is not None and consent.shut_out(session, case.employee_id, target, at=now):
        audit.append(
            session, tag=AuditTag.PARTICIPANT_REFUSED, subject_id=case.employee_id, actor_id=by.id, outcome="deny",
            at=now, recipient_id=actor_id, case_id=case.id, category="sick_leave", reason="excluded: you excluded them",
        )
        session.commit()
        raise refusal
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
    """The employee takes someone out of their case.  They lose the case, its threads and
    its messages at once; anyone in the case may add them again by relation (to keep
    them out for good, the employee excludes them: ``exclude``)."""
    now = _hold_employee_of(session, case_id, now)
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
    require_open(case)
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


# --- exclusions --------------------------------------------------------------------------


def exclude(
    session: Session, consent: ConsentService, employee: Actor, data: ExclusionCreate, *, now: datetime | None = None
) -> tuple[Exclusion, list[CaseParticipant]]:
    """The employee excludes a person, or everyone at an organisation except named people.

    If the exclusion covers ``sick_leave`` (every category does), everyone it names who
    takes part in one of the employee's cases stops taking part, in the same
    transaction: from then on they are outsiders on every route.  Lifting the exclusion
    later does not add them back; someone in the case adds them again, by relation.

    Returns:
        The exclusion, and the participations it ended.
    """
    now = held_instant(session, employee.id, now)
    exclusion = consent.exclude(session, employee, data, now=now, commit=False)
    ended = []
    own = select(Case.id).where(Case.employee_id == employee.id)
    rows = session.exec(select(CaseParticipant).where(
        col(CaseParticipant.case_id).in_(own), CaseParticipant.removed_at.is_(None),
        CaseParticipant.actor_id != employee.id)).all()
    actors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=[r.actor_id for r in rows])}
    for row in rows:
        if row.actor_id in actors and consent.shut_out(session, employee.id, actors[row.actor_id], at=now):
            row.removed_at = now
            session.add(row)
            audit.append(
                session, tag=AuditTag.PARTICIPANT_REMOVED, subject_id=employee.id, actor_id=employee.id,
                outcome="record", at=now, recipient_id=row.actor_id, case_id=row.case_id, basis_ref=exclusion.exclusion_id,
                reason="excluded",
            )
            ended.append(row)
    session.commit()
    return exclusion, ended


def refused_attempts(session: Session, employee_id: str, limit: int = 20) -> list:
    """Log entries of attempts to add someone the employee has excluded, newest first."""
    return [e for e in audit.entries_about(session, employee_id, limit=500) if e.tag == AuditTag.PARTICIPANT_REFUSED][:limit]


# --- the timeline ------------------------------------------------------------------------

_SIDE_OF_ROLE = {
    **{r: timeline.Responsible.EMPLOYER for r in (Role.NEAREST_MANAGER, Role.HR)},
    **{r: timeline.Responsible.NAV for r in NAV_ROLES},
    Role.GP: timeline.Responsible.GP, Role.LOCUM: timeline.Responsible.GP,
    Role.EMPLOYEE: timeline.Responsible.EMPLOYEE,
}


def case_events(session: Session, case_id: str) -> list[timeline.CaseEvent]:
    """What the server saw happen in the case: each message that was not recalled, as
    its kind, its sender's side and the day it was accepted (never its content); the
    minutes of a held meeting with the meeting's type."""
    rows = session.exec(
        select(Message.kind, Actor.role, Message.accepted_at, Meeting.meeting_type)
        .join(Actor, Actor.id == Message.sender_id)
        .outerjoin(Meeting, Meeting.minutes_message_id == Message.id)
        .where(Message.case_id == case_id, col(Message.recalled_at).is_(None))
    ).all()
    return [timeline.CaseEvent(kind, _SIDE_OF_ROLE.get(Role(role)), accepted_at.date(), meeting_type)
            for kind, role, accepted_at, meeting_type in rows]


def case_milestones(session: Session, case: Case, today: date | None = None) -> list[timeline.Milestone]:
    """The case's timeline as it stands ``today``: due dates from its start and grade
    history, done from what happened in it.  The one place every page and route gets it."""
    by_day = {case.start_date: case.grade}  # a case always has its first grade; be safe
    for g in grade_history(session, case.id):
        by_day[g.from_date] = g.grade  # two notes from one day: the later one holds
    grades = [timeline.GradePeriod(day, grade) for day, grade in sorted(by_day.items())]
    today = today or date.today()
    found = timeline.milestones(case.start_date, grades, today,
                                completed=timeline.completed(case_events(session, case.id)))
    from messaging import plan  # local: messaging.plan builds on this module

    evaluation = plan.evaluation_milestone(session, case, today)
    if evaluation is not None:
        found = sorted([*found, evaluation], key=lambda m: m.due_date)  # stable: rule order within a day
    return found


# --- the coordinator ---------------------------------------------------------------------


def is_coordinator(session: Session, actor_id: str, case_id: str, *, at: datetime | None = None) -> bool:
    """Whether ``actor_id`` coordinates the case now: takes part in it and stands in the
    directory relation ``coordinator_of`` to its employee (``messaging.coordinator``
    appoints, hands over and ends it).  The one role check for the coordinator's
    powers: organising meetings and the overview of their cases."""
    case = session.get(Case, case_id)
    if case is None or participant(session, case_id, actor_id) is None:
        return False
    return CaseRole.COORDINATOR in directory.case_roles(session, actor_id, case.employee_id, at=at or utcnow())
