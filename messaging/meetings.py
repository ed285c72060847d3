"""Meetings as a workflow with state: invited → changed → cancelled | held.

A meeting is made by the ``meeting_invitation`` that calls it, and every later message
about it (``meeting_change``, ``meeting_cancellation``, ``meeting_response``,
``minutes``) names it in the ``meeting`` metadata sent with the envelope.  The server
checks that metadata against the envelope (kind, sender, recipients) and the meeting's
state before anything is written, and records it in the transaction that stores the
message (``Delivery.accept``): the meeting exists exactly when its invitation does.

What the server keeps is what it already sees: the meeting's id, case, thread, type,
convener, invitees, state, each invitee's answer *kind* and when, the times of events,
and for each task of the minutes its id, owner and due date.  Time, place, agenda,
minutes and the tasks' text stay inside the encrypted sections (docs/meetings.md).

Who may do what:
- convene: the employer side (nearest manager, HR) for dialogue meeting 1, NAV for 2
  and 3, the employee's coordinator (relation ``coordinator_of``) for any; anyone who
  may send an invitation for other meetings;
- change, cancel, write minutes: the convener, or the employee's coordinator;
- answer: the invitees (the employee too), while the meeting is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from consent.serial import hold_subject
from directory import store as directory_store
from directory.errors import Forbidden, InvalidInput, NotFound
from directory.models import Actor
from directory.types import NAV_ROLES, Role
from messaging import cases, threads
from messaging.kinds import Kind
from messaging.models import Case, Meeting, MeetingInvitee, MeetingTask
from messaging.schemas import MeetingAct

MEETING_KINDS = frozenset({Kind.MEETING_INVITATION, Kind.MEETING_CHANGE, Kind.MEETING_CANCELLATION,
                           Kind.MEETING_RESPONSE, Kind.MINUTES})
OPEN_STATES = frozenset({"invited", "changed"})
_CONVENERS = {
    "dialogue_meeting_1": (frozenset({Role.NEAREST_MANAGER, Role.HR}), "the employer (nearest manager or HR)"),
    "dialogue_meeting_2": (NAV_ROLES, "NAV"),
    "dialogue_meeting_3": (NAV_ROLES, "NAV"),
}
_STATE_WORDS = {"cancelled": "was cancelled", "held": "has been held (its minutes are sent)"}


class InvalidMeeting(InvalidInput):
    code = "INVALID_MEETING"


class MeetingNotAllowed(Forbidden):
    code = "MEETING_NOT_ALLOWED"


class MeetingNotFound(NotFound):
    code = "MEETING_NOT_FOUND"


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"


@dataclass
class MeetingWrite:
    """What one accepted message will write about its meeting; checked, not yet saved."""

    kind: str
    meeting: Meeting
    new: bool = False
    invitees: list[str] = field(default_factory=list)
    answer: str | None = None
    tasks: list[MeetingTask] = field(default_factory=list)


def is_coordinator(session: Session, actor: Actor, case: Case, now: datetime) -> bool:
    return cases.is_coordinator(session, actor.id, case.id, at=now)  # the one coordinator check


def prepare(session: Session, me: Actor, case: Case, thread_id: str, kind: str, message_id: str,
            recipient_ids: set[str], act: MeetingAct | None, nav_meeting_type: str | None,
            now: datetime) -> MeetingWrite | None:
    """Check a message's ``meeting`` metadata against its envelope and the meeting.

    Returns what to write with the message, or None for a message that names no meeting
    (metadata is optional: messages from before meetings had state carry none).

    Raises:
        InvalidMeeting: the metadata does not fit the message or the meeting's state.
        MeetingNotAllowed: the sender may not do this to this meeting.
    """
    if act is None:
        return None
    if kind not in MEETING_KINDS:
        raise InvalidMeeting(f"'meeting' metadata goes with a meeting message (invitation, change, cancellation, "
                             f"response or minutes), not with '{kind}'")
    if act.meeting_type is not None and kind != Kind.MEETING_INVITATION:
        raise InvalidMeeting("'meeting_type' is given on the invitation only; later messages name the meeting by its id")
    if act.answer is not None and kind != Kind.MEETING_RESPONSE:
        raise InvalidMeeting(f"'answer' goes with a meeting_response, not with '{kind}'")
    if act.tasks and kind != Kind.MINUTES:
        raise InvalidMeeting(f"'tasks' go with the minutes, not with '{kind}'")
    if kind == Kind.MEETING_INVITATION:
        return _invitation(session, me, case, thread_id, message_id, recipient_ids, act, nav_meeting_type, now)

    meeting = session.get(Meeting, act.meeting_id)
    if meeting is None or meeting.thread_id != thread_id:
        raise InvalidMeeting(f"there is no meeting {act.meeting_id} in this thread; a meeting is made by its invitation")
    if meeting.state not in OPEN_STATES:
        raise InvalidMeeting(f"the meeting {_STATE_WORDS[meeting.state]}: nothing more can be sent about it")
    if kind == Kind.MEETING_RESPONSE:
        if act.answer is None:
            raise InvalidMeeting("a meeting_response needs its 'answer' (coming, new_time_wanted or cannot_come)")
        if session.get(MeetingInvitee, (meeting.id, me.id)) is None:
            raise MeetingNotAllowed("only those invited to the meeting answer it; you were not invited")
        return MeetingWrite(kind, meeting, answer=act.answer)
    if me.id != meeting.convener_id and not is_coordinator(session, me, case, now):
        raise MeetingNotAllowed("only the one who called the meeting, or the employee's coordinator, may change it, "
                                "cancel it or send its minutes")
    tasks = []
    if kind == Kind.MINUTES:
        allowed = {i.actor_id for i in _invitees(session, meeting.id)} | {meeting.convener_id, me.id}
        ids = [t.task_id for t in act.tasks]
        if len(set(ids)) != len(ids):
            raise InvalidMeeting("two tasks have the same 'task_id'; give each task its own id")
        taken = session.exec(select(MeetingTask.id).where(col(MeetingTask.id).in_(ids))).all() if ids else []
        if taken:
            raise InvalidMeeting(f"task id {taken[0]} is already used; give each task a new id")
        for t in act.tasks:
            if t.owner_id not in allowed:
                raise InvalidMeeting(f"task {t.task_id}: its owner {t.owner_id} was not in the meeting; "
                                     "a task goes to someone who was invited or who called it")
            tasks.append(MeetingTask(id=t.task_id, meeting_id=meeting.id, case_id=case.id,
                                     minutes_message_id=message_id, owner_id=t.owner_id, due_date=t.due_date,
                                     created_at=now))
    return MeetingWrite(kind, meeting, tasks=tasks)


def _invitation(session: Session, me: Actor, case: Case, thread_id: str, message_id: str, recipient_ids: set[str],
                act: MeetingAct, nav_meeting_type: str | None, now: datetime) -> MeetingWrite:
    if act.meeting_type is None:
        raise InvalidMeeting("the invitation's 'meeting' metadata needs its 'meeting_type' "
                             "(dialogue_meeting_1, dialogue_meeting_2, dialogue_meeting_3 or other_meeting)")
    if nav_meeting_type is not None and nav_meeting_type != act.meeting_type:
        raise InvalidMeeting(f"the summons is to {nav_meeting_type}, the meeting metadata says {act.meeting_type}; "
                             "they must name the same meeting")
    if session.get(Meeting, act.meeting_id) is not None:
        raise InvalidMeeting(f"meeting id {act.meeting_id} is already used; a new invitation makes a new meeting")
    rule = _CONVENERS.get(act.meeting_type)
    if rule is not None and Role(me.role) not in rule[0] and not is_coordinator(session, me, case, now):
        raise MeetingNotAllowed(f"{act.meeting_type.replace('_', ' ')} is called by {rule[1]} or by the "
                                "employee's coordinator; ask them to call it")
    invitees = sorted(recipient_ids - {me.id})
    if not invitees:
        raise InvalidMeeting("the invitation reaches nobody: a meeting needs at least one invitee who can read it")
    meeting = Meeting(id=act.meeting_id, case_id=case.id, thread_id=thread_id, meeting_type=act.meeting_type,
                      convener_id=me.id, state="invited", invitation_message_id=message_id,
                      details_message_id=message_id, invited_at=now)
    return MeetingWrite(Kind.MEETING_INVITATION, meeting, new=True, invitees=invitees)


def record(session: Session, write: MeetingWrite, me: Actor, message_id: str, now: datetime) -> None:
    """Write what ``prepare`` checked, in the caller's transaction (after the message)."""
    meeting = write.meeting
    if write.new:
        session.add(meeting)
        session.flush()
        session.add_all([MeetingInvitee(meeting_id=meeting.id, actor_id=a) for a in write.invitees])
        return
    if write.kind == Kind.MEETING_RESPONSE:
        invitee = session.get(MeetingInvitee, (meeting.id, me.id))
        invitee.answer, invitee.answered_at, invitee.answer_message_id = write.answer, now, message_id
        session.add(invitee)
        return
    if write.kind == Kind.MEETING_CHANGE:
        meeting.state, meeting.changed_at, meeting.change_count = "changed", now, meeting.change_count + 1
        meeting.details_message_id = message_id
        for invitee in _invitees(session, meeting.id):  # the answers were to the old time and place
            invitee.answer = invitee.answered_at = invitee.answer_message_id = None
            session.add(invitee)
    elif write.kind == Kind.MEETING_CANCELLATION:
        meeting.state, meeting.cancelled_at = "cancelled", now
    elif write.kind == Kind.MINUTES:
        meeting.state, meeting.held_at, meeting.minutes_message_id = "held", now, message_id
        session.add_all(write.tasks)
    session.add(meeting)


# --- reading --------------------------------------------------------------------------------


def _invitees(session: Session, meeting_id: str) -> list[MeetingInvitee]:
    return list(session.exec(select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting_id)
                             .order_by(col(MeetingInvitee.actor_id))).all())


def meetings_for(session: Session, me: Actor, case_id: str) -> list[Meeting]:
    """The case's meetings in the threads ``me`` takes part in, newest first."""
    mine = [t.id for t in threads.threads_for(session, me, case_id)]  # raises CaseNotFound for outsiders
    if not mine:
        return []
    return list(session.exec(select(Meeting).where(col(Meeting.thread_id).in_(mine))
                             .order_by(col(Meeting.invited_at).desc())).all())


def require_meeting(session: Session, me: Actor, case_id: str, meeting_id: str) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.case_id != case_id:
        raise MeetingNotFound(f"no meeting {meeting_id} of yours in case {case_id}")
    try:
        threads.require_thread(session, me, case_id, meeting.thread_id)
    except threads.ThreadNotFound:
        raise MeetingNotFound(f"no meeting {meeting_id} of yours in case {case_id}") from None
    return meeting


def overview(session: Session, me: Actor, meeting: Meeting, *, now: datetime) -> dict:
    """The meeting as its participants see it: state, who is coming, its tasks."""
    invitees = _invitees(session, meeting.id)
    actors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=[i.actor_id for i in invitees])}
    tasks = session.exec(select(MeetingTask).where(MeetingTask.meeting_id == meeting.id)
                         .order_by(col(MeetingTask.due_date), col(MeetingTask.id))).all()
    is_open = meeting.state in OPEN_STATES
    case = session.get(Case, meeting.case_id)
    return {
        **meeting.model_dump(),
        "invitees": [{"actor_id": i.actor_id, "name": actors[i.actor_id].name, "role": actors[i.actor_id].role,
                      "answer": i.answer, "answered_at": i.answered_at} for i in invitees if i.actor_id in actors],
        "tasks": [_task_public(t, meeting) for t in tasks],
        "may_change": is_open and (me.id == meeting.convener_id or is_coordinator(session, me, case, now)),
        "may_answer": is_open and any(i.actor_id == me.id for i in invitees),
    }


def _task_public(task: MeetingTask, meeting: Meeting) -> dict:
    return {**task.model_dump(), "thread_id": meeting.thread_id, "meeting_type": meeting.meeting_type}


def open_tasks(session: Session, me: Actor) -> list[dict]:
    """Tasks from minutes that ``me`` owns and has not marked done, in cases ``me``
    still takes part in; soonest due first."""
    rows = session.exec(
        select(MeetingTask, Meeting).join(Meeting, Meeting.id == MeetingTask.meeting_id)
        .where(MeetingTask.owner_id == me.id, col(MeetingTask.done_at).is_(None))
    ).all()
    out = [_task_public(t, m) for t, m in rows if cases.participant(session, t.case_id, me.id) is not None]
    return sorted(out, key=lambda t: (t["due_date"] is None, t["due_date"] or t["created_at"].date(), t["id"]))


def mark_done(session: Session, me: Actor, task_id: str) -> MeetingTask:
    """The owner marks a task done (again: no change).

    Raises:
        TaskNotFound: no such task of ``me``'s in a case ``me`` takes part in.
    """
    task = session.get(MeetingTask, task_id)
    if task is None or task.owner_id != me.id or cases.participant(session, task.case_id, me.id) is None:
        raise TaskNotFound(f"no task {task_id} of yours")
    case = session.get(Case, task.case_id)
    now = hold_subject(session, case.employee_id)  # a write about the employee: his lock, then the clock
    task = session.get(MeetingTask, task_id)
    if task.done_at is None:
        task.done_at = now
        session.add(task)
        session.commit()
    return task


def held_meetings(session: Session, case_id: str) -> list[tuple[str, datetime]]:
    """(meeting_type, held_at) of each held meeting of the case: the milestones."""
    return list(session.exec(select(Meeting.meeting_type, Meeting.held_at)
                             .where(Meeting.case_id == case_id, Meeting.state == "held")).all())
