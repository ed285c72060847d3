"""Threads: conversations inside a case among a subset of its participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from directory.errors import InvalidInput, NotFound
from directory.models import Actor
from messaging import cases
from messaging.models import CaseParticipant, InboxEvent, Message, Receipt, Thread, ThreadMember

MAX_MEMBERS = 30


class ThreadNotFound(NotFound):
    code = "THREAD_NOT_FOUND"


def create_thread(session: Session, by: Actor, case_id: str, member_ids: list[str], topic: str) -> Thread:
    """Start a thread with some of the case's participants (the creator is always in).

    Raises:
        CaseNotFound: ``by`` does not take part in the case.
        InvalidInput: a member who does not take part in the case, or too many.
    """
    case = cases.require_case(session, by, case_id)
    cases.require_open(case)
    members = list(dict.fromkeys([by.id, *member_ids]))
    if len(members) < 2:
        raise InvalidInput("a thread needs at least one other participant of the case")
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(f"a thread has at most {MAX_MEMBERS} members")
    active = {p.actor_id for p in cases.participants(session, case.id)}
    strangers = [m for m in members if m not in active]
    if strangers:
        raise InvalidInput(f"not participants of this case: {', '.join(strangers)}; add them to the case first")
    from messaging import plan  # local: messaging.plan builds on this module

    plan.check_new_thread(session, case, topic, members)
    thread = Thread(case_id=case.id, topic=topic, created_by=by.id)
    session.add(thread)
    for member in members:
        session.add(ThreadMember(thread_id=thread.id, actor_id=member))
    session.commit()
    return thread


def member_ids(session: Session, thread_id: str) -> list[str]:
    """The thread's members who still take part in its case.  Someone removed from the
    case, or excluded, keeps their membership row but is no member: no keys are handed
    out for them, no message is addressed to them, and pages do not list them."""
    return list(session.exec(
        select(ThreadMember.actor_id)
        .join(Thread, Thread.id == ThreadMember.thread_id)
        .join(CaseParticipant, (CaseParticipant.case_id == Thread.case_id)
              & (CaseParticipant.actor_id == ThreadMember.actor_id))
        .where(ThreadMember.thread_id == thread_id, col(CaseParticipant.removed_at).is_(None))
    ).all())


def require_thread(session: Session, viewer: Actor, case_id: str, thread_id: str) -> Thread:
    """The thread, if ``viewer`` is a member and still takes part in the case."""
    thread = session.get(Thread, thread_id)
    if (
        thread is None
        or thread.case_id != case_id
        or session.get(ThreadMember, (thread_id, viewer.id)) is None
        or cases.participant(session, case_id, viewer.id) is None
    ):
        raise ThreadNotFound(f"no thread {thread_id} of yours in case {case_id}")
    return thread


def takes_part(session: Session, viewer: Actor, thread_id: str) -> bool:
    """Whether ``viewer`` is a member of the thread and still takes part in its case."""
    return viewer.id in member_ids(session, thread_id)


def threads_for(session: Session, viewer: Actor, case_id: str) -> list[Thread]:
    cases.require_case(session, viewer, case_id)
    mine = select(ThreadMember.thread_id).where(ThreadMember.actor_id == viewer.id)
    return list(
        session.exec(
            select(Thread).where(Thread.case_id == case_id, Thread.id.in_(mine)).order_by(col(Thread.created_at).desc())
        ).all()
    )


@dataclass(frozen=True)
class Activity:
    """What an inbox shows for one thread: how many messages, how many unread for the
    viewer (received, not read, not recalled), and when the last one came."""

    messages: int = 0
    unread: int = 0
    last_at: datetime | None = None


def activity(session: Session, actor_id: str, thread_ids: list[str]) -> dict[str, Activity]:
    """``Activity`` per thread id, in two queries whatever the number of threads."""
    if not thread_ids:
        return {}
    totals = session.exec(
        select(Message.thread_id, func.count(Message.id), func.max(Message.accepted_at))
        .where(col(Message.thread_id).in_(thread_ids))
        .group_by(Message.thread_id)
    ).all()
    unread = dict(session.exec(
        select(Message.thread_id, func.count(Message.id))
        .join(Receipt, Receipt.message_id == Message.id)
        .where(col(Message.thread_id).in_(thread_ids), Receipt.actor_id == actor_id,
               col(Receipt.read_at).is_(None), col(Message.recalled_at).is_(None))
        .group_by(Message.thread_id)
    ).all())
    out = {t: Activity() for t in thread_ids}
    for thread_id, count, last_at in totals:
        out[thread_id] = Activity(count, unread.get(thread_id, 0), last_at)
    return out


def latest_event_seq(session: Session, actor_id: str) -> int:
    """The newest inbox event of the actor: where a page's live connection resumes, so it
    gets what happens after the page was made and nothing from before."""
    return session.exec(select(func.max(InboxEvent.seq)).where(InboxEvent.actor_id == actor_id)).one() or 0
