"""The case coordinator: appointed, handed over and ended as a workflow.

Who may appoint, and whom, is versioned rule data (``messaging/rules/coordinator-*.toml``).
Each change is written under the employee's lock (``consent.service.held_instant``),
logged in his disclosure log as a case event, and reflected in the directory relation
``coordinator_of`` — the one thing consent decisions and participation read, so a
coordinator passes on only what the employee allowed, through the same consent gate as
everyone else.  ``CoordinatorAppointment`` rows are the history.

The employee's wishes in his own words never reach the server as text: he writes them
as an encrypted message in the case, and an appointment may point at that message
(``wishes_message_id``).  What the server keeps is whether he agreed or objected.
See docs/coordinator.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlmodel import Session, col, select

from consent import audit
from consent.audit import AuditTag
from consent.models import ConsentRequestRow, NavRequestRow
from consent.service import ConsentService, held_instant
from directory import service as directory
from directory import store as directory_store
from directory.errors import Conflict, Forbidden, InvalidInput, NotFound
from directory.models import Actor, Relation
from directory.types import CaseRole, RelationKind, Role
from messaging import cases as case_service
from messaging import timeline
from messaging.models import Case, CaseParticipant, CoordinatorAppointment, Message, Receipt, ThreadMember
from messaging.rules import RULES_DIR

VIEWS = ("agreed", "objected", "not_asked")


@dataclass(frozen=True)
class CoordinatorRules:
    version: str
    appointers: frozenset[CaseRole]
    appointees: frozenset[Role]
    coordinator_may_hand_over: bool
    employee_may_object: bool


def parse_rules(text: str) -> CoordinatorRules:
    data = tomllib.loads(text)
    unknown = set(data) - {"version", "appointers", "appointees", "coordinator_may_hand_over",
                           "employee_may_object", "source"}
    if unknown:
        raise ValueError(f"coordinator rules: unknown key(s) {', '.join(sorted(unknown))}")
    return CoordinatorRules(
        version=data["version"],
        appointers=frozenset(CaseRole(r) for r in data["appointers"]),
        appointees=frozenset(Role(r) for r in data["appointees"]),
        coordinator_may_hand_over=bool(data.get("coordinator_may_hand_over", False)),
        employee_may_object=bool(data.get("employee_may_object", True)),
    )


@cache
def load_rules(path: Path | None = None) -> CoordinatorRules:
    """The rules in ``path``, or the newest coordinator file (names sort by version)."""
    if path is None:
        path = sorted(RULES_DIR.glob("coordinator-*.toml"))[-1]
    return parse_rules(Path(path).read_text(encoding="utf-8"))


class NotAnAppointer(Forbidden):
    code = "NOT_AN_APPOINTER"


class NoCoordinator(NotFound):
    code = "NO_COORDINATOR"


# --- reading -------------------------------------------------------------------------------


def _active_relations(session: Session, employee_id: str, at: datetime) -> list[Relation]:
    return [r for r in directory_store.active_relations_to(session=session, to_actor_id=employee_id, at=at)
            if r.kind == RelationKind.COORDINATOR_OF.value]


def current(session: Session, case: Case, *, at: datetime | None = None) -> list[str]:
    """The ids of whoever coordinates the case now: the active ``coordinator_of``
    relations to its employee, of people who take part in it."""
    at = at or directory.utcnow()
    return [r.from_actor_id for r in _active_relations(session, case.employee_id, at)
            if case_service.participant(session, case.id, r.from_actor_id) is not None]


def history(session: Session, case_id: str) -> list[CoordinatorAppointment]:
    """Every appointment in the case, oldest first."""
    return list(session.exec(select(CoordinatorAppointment).where(CoordinatorAppointment.case_id == case_id)
                             .order_by(col(CoordinatorAppointment.started_at))).all())


def open_appointment(session: Session, case_id: str) -> CoordinatorAppointment | None:
    return session.exec(select(CoordinatorAppointment).where(
        CoordinatorAppointment.case_id == case_id, col(CoordinatorAppointment.ended_at).is_(None))).first()


def cases_coordinated_by(session: Session, actor: Actor) -> list[Case]:
    """The cases ``actor`` coordinates now (``messaging.cases.is_coordinator`` for each)."""
    return [c for c in case_service.cases_for(session, actor)
            if c.employee_id != actor.id and case_service.is_coordinator(session, actor.id, c.id)]


# --- checks ---------------------------------------------------------------------------------


def _roles_of(session: Session, actor_id: str, employee_id: str, at: datetime) -> frozenset[CaseRole]:
    return directory.case_roles(session, actor_id, employee_id, at=at)


def _require_appointer(session: Session, rules: CoordinatorRules, by: Actor, case: Case, at: datetime,
                       *, handing_over: bool = False) -> None:
    case_service.require_open(case)  # an ended case is read-only: no new coordinator either
    if by.id == case.employee_id:
        raise NotAnAppointer("the employee does not appoint his own coordinator: he can agree or object on his page")
    roles = _roles_of(session, by.id, case.employee_id, at)
    if roles & rules.appointers:
        return
    if handing_over and rules.coordinator_may_hand_over and CaseRole.COORDINATOR in roles:
        return
    who = " or ".join(sorted(r.value for r in rules.appointers))
    raise NotAnAppointer(f"only the case's {who} may appoint or end a coordinator (rules {rules.version})"
                         + ("; the coordinator may hand over" if rules.coordinator_may_hand_over else ""))


def _require_appointee(session: Session, rules: CoordinatorRules, case: Case, actor_id: str, at: datetime,
                       consent: ConsentService | None) -> Actor:
    target = directory_store.get_actor(session=session, actor_id=actor_id)
    if target is None or actor_id == case.employee_id:
        raise InvalidInput(f"no person {actor_id} who could coordinate this case", code="CANNOT_COORDINATE")
    refusal = InvalidInput(
        f"{target.name} cannot coordinate this case: a coordinator works in NAV, health care or the company "
        f"health service ({', '.join(sorted(r.value for r in rules.appointees))}), and the employee decides who "
        "takes part", code="CANNOT_COORDINATE")
    if Role(target.role) not in rules.appointees:
        raise refusal
    if consent is not None and consent.shut_out(session, case.employee_id, target, at=at):
        raise refusal  # the same words as for a wrong role: the appointer must not learn of an exclusion
    return target


def _wishes(session: Session, case: Case, message_id: str | None) -> str | None:
    if not message_id:
        return None
    msg = session.get(Message, message_id)
    if msg is None or msg.case_id != case.id or msg.sender_id != case.employee_id or msg.recalled_at is not None:
        raise InvalidInput("wishes_message_id must be a message the employee himself wrote in this case",
                           code="NOT_THE_EMPLOYEES_MESSAGE")
    return message_id


def _view(agreed: bool | None) -> str:
    return "not_asked" if agreed is None else "agreed" if agreed else "objected"


# --- changing -------------------------------------------------------------------------------


def _start(session: Session, rules: CoordinatorRules, by: Actor, case: Case, target: Actor, at: datetime,
           *, agreed: bool | None, wishes_message_id: str | None) -> CoordinatorAppointment:
    relation = directory.add_relation(session, RelationKind.COORDINATOR_OF, target.id, to_actor_id=case.employee_id,
                                      valid_from=at, commit=False)
    session.flush()
    row = case_service.participant(session, case.id, target.id)
    if row is None:
        # Being made coordinator tells the person the employee is on sick leave: logged
        # as a participant added, as every other joining is.
        session.add(CaseParticipant(case_id=case.id, actor_id=target.id, case_role=CaseRole.COORDINATOR.value,
                                    reason="Koordinator", added_by=by.id, added_at=at))
        audit.append(session, tag=AuditTag.PARTICIPANT_ADDED, subject_id=case.employee_id, actor_id=by.id,
                     outcome="record", at=at, recipient_id=target.id, case_id=case.id, category="sick_leave",
                     reason="coordinator: appointed")
    else:
        row.case_role = CaseRole.COORDINATOR.value
        session.add(row)
    appointment = CoordinatorAppointment(
        case_id=case.id, subject_id=case.employee_id, coordinator_id=target.id, appointed_by=by.id,
        rules_version=rules.version, employee_view=_view(agreed), employee_view_by=by.id if agreed is not None else None,
        wishes_message_id=_wishes(session, case, wishes_message_id), relation_id=relation.id, started_at=at)
    session.add(appointment)
    return appointment


def _stop(session: Session, by: Actor, case: Case, at: datetime, reason: str) -> list[str]:
    """End every current coordination of the case; the ids of those who stopped."""
    stopped = []
    for relation in _active_relations(session, case.employee_id, at):
        relation.valid_to = at
        session.add(relation)
        stopped.append(relation.from_actor_id)
    session.flush()
    open_row = open_appointment(session, case.id)
    if open_row is not None:
        open_row.ended_at, open_row.ended_by, open_row.end_reason = at, by.id, reason
        session.add(open_row)
    for actor_id in stopped:
        row = case_service.participant(session, case.id, actor_id)
        if row is None:
            continue
        role = case_service.relation_role(session, actor_id, case.employee_id, at=at)
        if role is None:  # no other relation to the employee: out of the case with the role
            row.removed_at = at
            audit.append(session, tag=AuditTag.PARTICIPANT_REMOVED, subject_id=case.employee_id, actor_id=by.id,
                         outcome="record", at=at, recipient_id=actor_id, case_id=case.id,
                         reason="coordinator: no longer coordinating")
        else:
            row.case_role = role.value
        session.add(row)
    return stopped


def _begin(session: Session, by: Actor, case_id: str, now: datetime | None) -> tuple[Case, datetime]:
    case = session.get(Case, case_id)
    at = held_instant(session, case.employee_id, now) if case is not None else now or directory.utcnow()
    return case_service.require_case(session, by, case_id), at


def appoint(session: Session, by: Actor, case_id: str, actor_id: str, *, agreed: bool | None = None,
            wishes_message_id: str | None = None, consent: ConsentService | None = None,
            now: datetime | None = None, rules: CoordinatorRules | None = None) -> CoordinatorAppointment:
    """Appoint a coordinator where there is none.

    Raises:
        CaseNotFound: ``by`` does not take part in the case.
        NotAnAppointer (403): the rules do not let ``by`` appoint.
        Conflict (409): the case has a coordinator: hand over instead.
        InvalidInput (422): the person cannot coordinate (role, or the employee's wish).
    """
    rules = rules or load_rules()
    case, at = _begin(session, by, case_id, now)
    _require_appointer(session, rules, by, case, at)
    if current(session, case, at=at):
        raise Conflict("this case already has a coordinator: hand over instead", code="HAS_COORDINATOR")
    target = _require_appointee(session, rules, case, actor_id, at, consent)
    row = _start(session, rules, by, case, target, at, agreed=agreed, wishes_message_id=wishes_message_id)
    audit.append(session, tag=AuditTag.COORDINATOR_APPOINTED, subject_id=case.employee_id, actor_id=by.id,
                 outcome="record", at=at, recipient_id=target.id, case_id=case.id, category="sick_leave",
                 basis_ref=f"coordinator-{rules.version}", reason=f"employee: {row.employee_view}")
    session.commit()
    return row


def hand_over(session: Session, by: Actor, case_id: str, actor_id: str, *, agreed: bool | None = None,
              wishes_message_id: str | None = None, consent: ConsentService | None = None,
              now: datetime | None = None, rules: CoordinatorRules | None = None) -> CoordinatorAppointment:
    """The case's coordination passes from whoever has it to ``actor_id``.

    Raises as ``appoint``; NoCoordinator (404) when there is none to hand over, and
    Conflict (409) when ``actor_id`` coordinates already.
    """
    rules = rules or load_rules()
    case, at = _begin(session, by, case_id, now)
    _require_appointer(session, rules, by, case, at, handing_over=True)
    before = current(session, case, at=at)
    if not before:
        raise NoCoordinator("this case has no coordinator to hand over from: appoint one")
    if actor_id in before:
        raise Conflict("this person coordinates the case already", code="ALREADY_COORDINATOR")
    target = _require_appointee(session, rules, case, actor_id, at, consent)
    _stop(session, by, case, at, "handed_over")
    row = _start(session, rules, by, case, target, at, agreed=agreed, wishes_message_id=wishes_message_id)
    audit.append(session, tag=AuditTag.COORDINATOR_HANDED_OVER, subject_id=case.employee_id, actor_id=by.id,
                 outcome="record", at=at, sender_id=before[0], recipient_id=target.id, case_id=case.id,
                 category="sick_leave", basis_ref=f"coordinator-{rules.version}", reason=f"employee: {row.employee_view}")
    session.commit()
    return row


def end(session: Session, by: Actor, case_id: str, *, now: datetime | None = None,
        rules: CoordinatorRules | None = None) -> list[str]:
    """The case no longer has a coordinator.  Returns who stopped coordinating."""
    rules = rules or load_rules()
    case, at = _begin(session, by, case_id, now)
    _require_appointer(session, rules, by, case, at)
    if not current(session, case, at=at):
        raise NoCoordinator("this case has no coordinator")
    stopped = _stop(session, by, case, at, "ended")
    for actor_id in stopped:
        audit.append(session, tag=AuditTag.COORDINATOR_ENDED, subject_id=case.employee_id, actor_id=by.id,
                     outcome="record", at=at, recipient_id=actor_id, case_id=case.id,
                     basis_ref=f"coordinator-{rules.version}")
    session.commit()
    return stopped


def record_view(session: Session, employee: Actor, case_id: str, *, agreed: bool,
                wishes_message_id: str | None = None, now: datetime | None = None,
                rules: CoordinatorRules | None = None) -> CoordinatorAppointment:
    """The employee says he agrees with, or objects to, his current coordinator."""
    rules = rules or load_rules()
    case, at = _begin(session, employee, case_id, now)
    if employee.id != case.employee_id:
        raise Forbidden("only the employee says whether he agrees with his coordinator", code="NOT_THE_EMPLOYEE")
    if not agreed and not rules.employee_may_object:
        raise InvalidInput("these rules do not record an objection")
    row = open_appointment(session, case.id)
    if row is None or row.coordinator_id not in current(session, case, at=at):
        raise NoCoordinator("no appointed coordinator in this case to agree with or object to")
    row.employee_view, row.employee_view_by = _view(agreed), employee.id
    if wishes_message_id:
        row.wishes_message_id = _wishes(session, case, wishes_message_id)
    session.add(row)
    audit.append(session, tag=AuditTag.COORDINATOR_VIEW, subject_id=case.employee_id, actor_id=employee.id,
                 outcome="record", at=at, recipient_id=row.coordinator_id, case_id=case.id,
                 reason=f"employee: {row.employee_view}")
    session.commit()
    return row


# --- the coordinator's overview ----------------------------------------------------------------

UNREAD_DAYS = 3
"""A message unread for this many days counts as "not answered" on the overview."""


@dataclass(frozen=True)
class Waiting:
    """Someone has not answered: ``what`` is nav_request | unread | consent_request."""

    what: str
    actor_id: str
    since: datetime
    count: int = 1
    due: date | None = None


@dataclass(frozen=True)
class CaseOverview:
    case: Case
    milestones: list  # timeline.Milestone: overdue, and what falls due next
    waiting: list[Waiting]


def waiting_in(session: Session, coordinator: Actor, case: Case, now: datetime) -> list[Waiting]:
    """Who has not answered in a case: NAV's requests without an answer, messages
    unread for ``UNREAD_DAYS`` in the threads the coordinator is in, and the employee's
    unanswered requests for consent.  Metadata the server has; no content."""
    out: list[Waiting] = []
    made_in_case = select(Message.id).where(Message.case_id == case.id)
    for row in session.exec(select(NavRequestRow).where(
            NavRequestRow.subject_id == case.employee_id, col(NavRequestRow.message_id).in_(made_in_case),
            NavRequestRow.expires_at > now)).all():
        answered = session.exec(select(Message.id).where(
            Message.in_reply_to == row.message_id, Message.sender_id == row.addressee_id,
            Message.kind == "nav_request_answer", col(Message.recalled_at).is_(None))).first()
        if answered is None:
            out.append(Waiting("nav_request", row.addressee_id, row.created_at, due=row.answer_by))
    mine = select(ThreadMember.thread_id).where(ThreadMember.actor_id == coordinator.id)
    unread = session.exec(
        select(Receipt.actor_id, Message.accepted_at)
        .join(Message, Message.id == Receipt.message_id)
        .where(Message.case_id == case.id, col(Message.thread_id).in_(mine), col(Receipt.read_at).is_(None),
               col(Message.recalled_at).is_(None), Message.accepted_at < now - timedelta(days=UNREAD_DAYS))).all()
    by_actor: dict[str, list[datetime]] = {}
    for actor_id, at in unread:
        by_actor.setdefault(actor_id, []).append(at)
    out += [Waiting("unread", a, min(ts), count=len(ts)) for a, ts in by_actor.items()]
    pending = session.exec(select(ConsentRequestRow).where(
        ConsentRequestRow.subject_id == case.employee_id, ConsentRequestRow.status == "pending")).all()
    if pending:
        out.append(Waiting("consent_request", case.employee_id, min(r.created_at for r in pending), count=len(pending)))
    return out


def overview(session: Session, coordinator: Actor, *, today: date | None = None) -> list[CaseOverview]:
    """The coordinator's cases: what is overdue, what falls due next, who has not answered."""
    today = today or date.today()
    now = directory.utcnow()
    out = []
    for case in cases_coordinated_by(session, coordinator):
        ms = case_service.case_milestones(session, case, today)
        open_ = [m for m in ms if m.kind is timeline.MilestoneKind.DEADLINE
                 and m.status not in (timeline.Status.DONE, timeline.Status.NOT_APPLICABLE)]
        overdue = [m for m in open_ if m.status is timeline.Status.OVERDUE]
        upcoming = [m for m in open_ if m.status is not timeline.Status.OVERDUE][:2]
        out.append(CaseOverview(case, overdue + upcoming, waiting_in(session, coordinator, case, now)))
    return out


def may_appoint(session: Session, actor: Actor, case: Case, *, handing_over: bool = False) -> bool:
    """Whether the rules let ``actor`` appoint and end (or, ``handing_over``, hand over)."""
    try:
        _require_appointer(session, load_rules(), actor, case, directory.utcnow(), handing_over=handing_over)
    except (NotAnAppointer, case_service.CaseClosed):  # an ended case: nobody appoints
        return False
    return True


def candidates(session: Session, case: Case) -> list[Actor]:
    """Who could be made coordinator from the case's page: the people in the case and
    those related to the employee, whose role the rules allow, and who do not
    coordinate it already.  (The service still checks the employee's exclusions.)"""
    rules, at = load_rules(), directory.utcnow()
    ids = [p.actor_id for p in case_service.participants(session, case.id)]
    ids += [r.from_actor_id for r in directory_store.active_relations_to(session=session, to_actor_id=case.employee_id, at=at)]
    skip = {case.employee_id, *current(session, case, at=at)}
    seen: dict[str, Actor] = {}
    for a in directory_store.actors_by_ids(session=session, ids=list(dict.fromkeys(ids))):
        if a.id not in skip and Role(a.role) in rules.appointees:
            seen.setdefault(a.id, a)
    return list(seen.values())
