"""The follow-up plan (oppfølgingsplan) as a shared, versioned document.

Each version is a sealed ``follow_up_plan`` message in the case's one plan thread (topic
``follow_up_plan``, between the employee and his employer's people, written by either).
The server numbers the versions 1, 2, ... in the order it accepts them, under the
employee's lock (``consent.serial.hold_subject``, taken by ``Delivery.accept``), and
keeps a ``PlanVersion`` row per version: who, when, which message, the evaluation date
the sender gave beside the message (also inside the sealed plan), and when the employee
acknowledged it.  It never sees the plan's text.

- The employee's ``follow_up_plan_ack`` in reply to a version, with metadata
  ``acknowledgement = "read_and_agree"``, acknowledges it; "read_with_comments" is an
  answer, not an acknowledgement (as the kind says).
- A version is sent on (arbeidsmiljøloven § 4-6: to the one who wrote the sick note; to
  NAV when NAV asks) as a sealed copy in a share thread (topic ``follow_up_plan_shared``:
  the sender, the recipient and the employee), with metadata ``shares`` = the version's
  message id.  The copy passes the consent decision like every message: the statutory
  rules ``aml-4-6-plan-to-gp`` / ``aml-4-6-plan-to-nav`` are its basis.
- The evaluation date of the latest version is a milestone (``follow_up_plan_evaluation``):
  done when a newer version was written on or after it, or the version is marked evaluated.

Errors are ``InvalidPlan`` (422): nothing of the message is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from directory import store as directory_store
from directory.errors import Conflict, InvalidInput
from directory.models import Actor
from directory.types import Role
from messaging import cases, threads, timeline
from messaging.kinds import Kind
from messaging.models import Case, Message, PlanShare, PlanVersion, Thread
from messaging.schemas import PlanMeta

PLAN_TOPIC = "follow_up_plan"
SHARE_TOPIC = "follow_up_plan_shared"
EVALUATION_CODE = "follow_up_plan_evaluation"
EVALUATION_WINDOW = timedelta(days=366)  # an evaluation date at most a year ahead
EMPLOYER_ROLES = frozenset({Role.NEAREST_MANAGER.value, Role.HR.value})
SHARE_RECIPIENT_ROLES = frozenset({Role.GP.value, Role.LOCUM.value, Role.NAV_ADVISER.value})


class InvalidPlan(InvalidInput):
    code = "INVALID_PLAN"


@dataclass
class Pending:
    """What a plan message writes once the message itself is stored."""

    version: PlanVersion | None = None
    share: PlanShare | None = None
    acknowledges: PlanVersion | None = None


# --- the plan thread -------------------------------------------------------------------------


def plan_thread_of(session: Session, case_id: str) -> Thread | None:
    return session.exec(
        select(Thread).where(Thread.case_id == case_id, Thread.topic == PLAN_TOPIC).order_by(col(Thread.created_at))
    ).first()


def check_new_thread(session: Session, case: Case, topic: str, members: list[str]) -> None:
    """A case has one plan thread, and the employee is in it (the plan is written with him)."""
    if topic == PLAN_TOPIC:
        if plan_thread_of(session, case.id) is not None:
            raise Conflict("this case has a plan thread already: write the next version there "
                           "(GET /cases/{case_id}/plan names it)")
        if case.employee_id not in members:
            raise InvalidInput("the plan thread is written with the employee: add him to the members")
    if topic == SHARE_TOPIC and case.employee_id not in members:
        raise InvalidInput("a plan is sent on with the employee in the thread: add him to the members")


def open_plan_thread(session: Session, me: Actor, case_id: str) -> Thread:
    """The case's plan thread, made if there is none (the employee and the employer's
    people in the case).  Only the employee and his employer's people open it."""
    case = cases.require_case(session, me, case_id)
    found = plan_thread_of(session, case.id)
    if found is not None:
        return threads.require_thread(session, me, case.id, found.id)
    if me.id != case.employee_id and me.role not in EMPLOYER_ROLES:
        raise InvalidInput("the plan is written by the employee and his employer; they start its thread")
    members = [p.actor_id for p in cases.participants(session, case.id)
               if p.actor_id == case.employee_id or _role(session, p.actor_id) in EMPLOYER_ROLES]
    return threads.create_thread(session, me, case.id, members, PLAN_TOPIC)


def open_share_thread(session: Session, me: Actor, case_id: str, recipient_id: str) -> Thread:
    """The thread to send the plan on to one GP or NAV adviser of the case: the sender,
    the recipient and the employee.  Found if it exists."""
    case = cases.require_case(session, me, case_id)
    cases.require_open(case)
    if me.id != case.employee_id and me.role not in EMPLOYER_ROLES:
        raise InvalidInput("the employer (or the employee) sends the plan on")
    if cases.participant(session, case.id, recipient_id) is None or _role(session, recipient_id) not in SHARE_RECIPIENT_ROLES:
        raise InvalidInput("the plan goes on to the case's GP or NAV adviser: pick one who takes part in the case")
    wanted = {me.id, recipient_id, case.employee_id}
    for thread in threads.threads_for(session, me, case.id):
        if thread.topic == SHARE_TOPIC and set(threads.member_ids(session, thread.id)) == wanted:
            return thread
    return threads.create_thread(session, me, case.id, sorted(wanted - {me.id}), SHARE_TOPIC)


def _role(session: Session, actor_id: str) -> str | None:
    actor = directory_store.get_actor(session=session, actor_id=actor_id)
    return actor.role if actor is not None else None


# --- accepting plan messages -----------------------------------------------------------------


def prepare(session: Session, me: Actor, case: Case, thread: Thread, header, meta: PlanMeta | None,
            now: datetime) -> Pending | None:
    """Check a message's plan metadata against its kind and thread; what to write with it.

    Called by ``Delivery.accept`` under the employee's lock, before anything is written.

    Raises:
        InvalidPlan: metadata missing, misplaced or naming no version of this case.
    """
    kind, topic = header.kind, thread.topic
    if kind == Kind.FOLLOW_UP_PLAN and topic == PLAN_TOPIC:
        if meta is None or meta.evaluation_date is None:
            raise InvalidPlan("a plan version needs its 'plan' metadata: {\"evaluation_date\": \"YYYY-MM-DD\"}, "
                              "the evaluation date written in the plan")
        if meta.shares is not None or meta.acknowledgement is not None:
            raise InvalidPlan("a plan version's metadata has only 'evaluation_date'")
        today = now.date()
        if not today <= meta.evaluation_date <= today + EVALUATION_WINDOW:
            raise InvalidPlan(f"the evaluation date {meta.evaluation_date} must be from today ({today}) "
                              "and at most a year ahead")
        number = (session.exec(select(func.max(PlanVersion.number)).where(PlanVersion.case_id == case.id)).one() or 0) + 1
        return Pending(version=PlanVersion(case_id=case.id, thread_id=thread.id, message_id=header.message_id,
                                           number=number, author_id=me.id, created_at=now,
                                           evaluation_date=meta.evaluation_date))
    if kind == Kind.FOLLOW_UP_PLAN and topic == SHARE_TOPIC:
        if meta is None or meta.shares is None or meta.evaluation_date is not None or meta.acknowledgement is not None:
            raise InvalidPlan("a plan sent on needs the metadata {\"shares\": \"<the version's message id>\"} and "
                              "nothing else")
        if me.id != case.employee_id and me.role not in EMPLOYER_ROLES:
            raise InvalidPlan("the employer (or the employee) sends the plan on")
        version = _version(session, case.id, meta.shares)
        if version is None:
            raise InvalidPlan(f"'shares' names no plan version of this case ({meta.shares})")
        return Pending(share=PlanShare(message_id=header.message_id, version_id=version.id, thread_id=thread.id,
                                       shared_by=me.id, shared_at=now))
    if kind == Kind.FOLLOW_UP_PLAN_ACK and topic == PLAN_TOPIC:
        if meta is None or meta.acknowledgement is None or meta.evaluation_date is not None or meta.shares is not None:
            raise InvalidPlan("an answer to a plan version needs the metadata "
                              "{\"acknowledgement\": \"read_and_agree\" | \"read_with_comments\"}, as in the form")
        version = _version(session, case.id, header.in_reply_to) if header.in_reply_to else None
        if version is None:
            raise InvalidPlan("an answer to the plan replies to one of its versions (in_reply_to): "
                              f"{header.in_reply_to or 'none given'} is no plan version of this case")
        if version.author_id == me.id:
            raise InvalidPlan(f"version {version.number} is your own; answer the other party's versions")
        agrees = meta.acknowledgement == "read_and_agree" and me.id == case.employee_id
        return Pending(acknowledges=version if agrees and version.acknowledged_at is None else None)
    if meta is not None:
        raise InvalidPlan(f"'plan' metadata goes with follow_up_plan and follow_up_plan_ack messages in the case's "
                          f"plan thread (or a plan sent on), not with a '{kind}' in a '{topic}' thread")
    return None


def record(session: Session, pending: Pending | None, message_id: str, now: datetime) -> None:
    """Write what ``prepare`` checked, in the transaction that stores the message."""
    if pending is None:
        return
    if pending.version is not None:
        session.add(pending.version)
    if pending.share is not None:
        session.add(pending.share)
    if pending.acknowledges is not None:
        pending.acknowledges.acknowledged_at = now
        pending.acknowledges.acknowledgement_id = message_id
        session.add(pending.acknowledges)


def _version(session: Session, case_id: str, message_id: str) -> PlanVersion | None:
    version = session.exec(select(PlanVersion).where(PlanVersion.message_id == message_id)).first()
    if version is None or version.case_id != case_id:
        return None
    message = session.get(Message, version.message_id)
    return version if message is not None and message.recalled_at is None else None


# --- reading ---------------------------------------------------------------------------------


def versions(session: Session, case_id: str, *, include_recalled: bool = False) -> list[PlanVersion]:
    query = select(PlanVersion).join(Message, Message.id == PlanVersion.message_id).where(PlanVersion.case_id == case_id)
    if not include_recalled:
        query = query.where(col(Message.recalled_at).is_(None))
    return list(session.exec(query.order_by(col(PlanVersion.number))).all())


def latest(session: Session, case_id: str) -> PlanVersion | None:
    found = versions(session, case_id)
    return found[-1] if found else None


def overview(session: Session, me: Actor, case_id: str) -> dict:
    """The plan of a case for one participant: its thread (if he is in it), every version
    with its metadata, and the copies sent on that he can see."""
    case = cases.require_case(session, me, case_id)
    thread = plan_thread_of(session, case.id)
    in_thread = thread is not None and threads.takes_part(session, me, thread.id)
    rows = versions(session, case.id, include_recalled=True)
    recalled = {m.id for m in session.exec(select(Message).where(
        col(Message.id).in_([v.message_id for v in rows]), col(Message.recalled_at).is_not(None))).all()} if rows else set()
    authors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=list({v.author_id for v in rows}))}
    mine = {t.id for t in threads.threads_for(session, me, case.id)}
    shares = session.exec(select(PlanShare).where(col(PlanShare.version_id).in_([v.id for v in rows]))).all() if rows else []
    out = []
    for v in rows:
        out.append({
            "number": v.number, "message_id": v.message_id, "thread_id": v.thread_id,
            "author_id": v.author_id, "author_name": authors[v.author_id].name if v.author_id in authors else None,
            "author_role": authors[v.author_id].role if v.author_id in authors else None,
            "created_at": v.created_at, "evaluation_date": v.evaluation_date,
            "acknowledged_by_employee_at": v.acknowledged_at, "evaluated_at": v.evaluated_at,
            "recalled": v.message_id in recalled,
            "shared": [{"message_id": s.message_id, "thread_id": s.thread_id, "shared_by": s.shared_by,
                        "shared_at": s.shared_at} for s in shares if s.version_id == v.id and s.thread_id in mine],
        })
    current = [v for v in out if not v["recalled"]]
    return {
        "case_id": case.id,
        "thread_id": thread.id if in_thread else None,
        "latest": current[-1]["number"] if current else None,
        "versions": out,
    }


def shared_copy_of(session: Session, message_id: str) -> PlanVersion | None:
    """The version a shared copy carries (for the share thread's page)."""
    share = session.get(PlanShare, message_id)
    return session.get(PlanVersion, share.version_id) if share is not None else None


def mark_evaluated(session: Session, me: Actor, case_id: str, number: int, now: datetime) -> PlanVersion:
    """The employee or his employer marks a version's evaluation as held."""
    case = cases.require_case(session, me, case_id)
    cases.require_open(case)
    if me.id != case.employee_id and me.role not in EMPLOYER_ROLES:
        raise InvalidInput("the employee and his employer evaluate the plan")
    version = next((v for v in versions(session, case.id) if v.number == number), None)
    if version is None:
        raise InvalidPlan(f"the case's plan has no version {number}")
    if version.evaluated_at is None:
        version.evaluated_at = now
        session.add(version)
    session.commit()
    return version


# --- the evaluation milestone ----------------------------------------------------------------


def evaluation_milestone(session: Session, case: Case, today: date) -> timeline.Milestone | None:
    """The latest version's evaluation date as a milestone ("Evaluering av
    oppfølgingsplanen"): done when it was marked evaluated, or a newer version was
    written on or after an earlier version's date (that version's evaluation was the
    rewrite: the date shown is then the newest version's own)."""
    current = versions(session, case.id)
    if not current:
        return None
    last = current[-1]
    if last.evaluated_at is not None:
        status = timeline.Status.DONE
    elif last.evaluation_date < today:
        status = timeline.Status.OVERDUE
    elif last.evaluation_date == today:
        status = timeline.Status.DUE
    elif last.evaluation_date - timedelta(days=7) <= today:
        status = timeline.Status.DUE_SOON
    else:
        status = timeline.Status.UPCOMING
    return timeline.Milestone(
        code=EVALUATION_CODE, title_nb="Evaluering av oppfølgingsplanen", title_en="Evaluation of the follow-up plan",
        due_date=last.evaluation_date, responsible=(timeline.Responsible.EMPLOYER, timeline.Responsible.EMPLOYEE),
        status=status, law="arbeidsmiljøloven § 4-6 tredje ledd", kind=timeline.MilestoneKind.DEADLINE,
        condition=timeline.Condition.ALWAYS, due_soon_from=last.evaluation_date - timedelta(days=7),
        rules_version=f"plan-v{last.number}",
    )


def latest_for(session: Session, me: Actor, case_id: str) -> tuple[str, str] | None:
    """Where ``me`` finds the latest plan: (thread id, message id) of the latest version
    in the plan thread when he is in it, else of the newest copy sent on to him."""
    current = versions(session, case_id)
    if not current:
        return None
    thread = plan_thread_of(session, case_id)
    if thread is not None and threads.takes_part(session, me, thread.id):
        return thread.id, current[-1].message_id
    mine = [t.id for t in threads.threads_for(session, me, case_id) if t.topic == SHARE_TOPIC]
    if not mine:
        return None
    share = session.exec(
        select(PlanShare).join(Message, Message.id == PlanShare.message_id)
        .where(col(PlanShare.thread_id).in_(mine), col(Message.recalled_at).is_(None))
        .order_by(col(PlanShare.shared_at).desc())
    ).first()
    return (share.thread_id, share.message_id) if share is not None else None


def shares_in(session: Session, thread_id: str) -> dict[str, int]:
    """Copy message id -> the version number it carries, for one share thread."""
    rows = session.exec(select(PlanShare.message_id, PlanVersion.number)
                        .join(PlanVersion, PlanVersion.id == PlanShare.version_id)
                        .where(PlanShare.thread_id == thread_id)).all()
    return dict(rows)


def share_recipients(session: Session, me: Actor, case: Case) -> list[Actor]:
    """Whom ``me`` may send the plan on to: the case's GPs and NAV advisers (for the
    employer's people and the employee)."""
    if me.id != case.employee_id and me.role not in EMPLOYER_ROLES:
        return []
    ids = [p.actor_id for p in cases.participants(session, case.id)]
    return [a for a in directory_store.actors_by_ids(session=session, ids=ids) if a.role in SHARE_RECIPIENT_ROLES]
