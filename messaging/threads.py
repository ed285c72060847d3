"""Threads: conversations inside a case among a subset of its participants."""

from __future__ import annotations

from sqlmodel import Session, col, select

from directory.errors import InvalidInput, NotFound
from directory.models import Actor
from messaging import cases
from messaging.models import Thread, ThreadMember

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
    members = list(dict.fromkeys([by.id, *member_ids]))
    if len(members) < 2:
        raise InvalidInput("a thread needs at least one other participant of the case")
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(f"a thread has at most {MAX_MEMBERS} members")
    active = {p.actor_id for p in cases.participants(session, case.id)}
    strangers = [m for m in members if m not in active]
    if strangers:
        raise InvalidInput(f"not participants of this case: {', '.join(strangers)}; add them to the case first")
    thread = Thread(case_id=case.id, topic=topic, created_by=by.id)
    session.add(thread)
    for member in members:
        session.add(ThreadMember(thread_id=thread.id, actor_id=member))
    session.commit()
    return thread


def member_ids(session: Session, thread_id: str) -> list[str]:
    return list(session.exec(select(ThreadMember.actor_id).where(ThreadMember.thread_id == thread_id)).all())


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


def threads_for(session: Session, viewer: Actor, case_id: str) -> list[Thread]:
    cases.require_case(session, viewer, case_id)
    mine = select(ThreadMember.thread_id).where(ThreadMember.actor_id == viewer.id)
    return list(
        session.exec(
            select(Thread).where(Thread.case_id == case_id, Thread.id.in_(mine)).order_by(col(Thread.created_at).desc())
        ).all()
    )
