"""Meeting routes: a case's meetings and their "who is coming", and each person's tasks
from minutes.  Meetings are made and moved by the messages that carry their metadata
(POST .../messages with ``meeting``; docs/meetings.md)."""

from __future__ import annotations

from fastapi import APIRouter

from directory.columns import utcnow
from messaging import meetings
from messaging.schemas import MeetingPublic, MeetingTaskPublic
from web.deps import CurrentActor, SessionDep

router = APIRouter(tags=["meetings"])


@router.get("/cases/{case_id}/meetings", response_model=list[MeetingPublic],
            summary="The case's meetings in your threads: state and who is coming")
def list_meetings(case_id: str, session: SessionDep, me: CurrentActor) -> list[dict]:
    now = utcnow()
    return [meetings.overview(session, me, m, now=now) for m in meetings.meetings_for(session, me, case_id)]


@router.get("/cases/{case_id}/meetings/{meeting_id}", response_model=MeetingPublic,
            summary="One meeting: state, each invitee's latest answer, its tasks")
def get_meeting(case_id: str, meeting_id: str, session: SessionDep, me: CurrentActor) -> dict:
    return meetings.overview(session, me, meetings.require_meeting(session, me, case_id, meeting_id), now=utcnow())


@router.get("/me/tasks", response_model=list[MeetingTaskPublic], summary="Your open tasks from meeting minutes")
def my_tasks(session: SessionDep, me: CurrentActor) -> list[dict]:
    return meetings.open_tasks(session, me)


@router.post("/me/tasks/{task_id}/done", response_model=MeetingTaskPublic, summary="Mark one of your tasks done")
def task_done(task_id: str, session: SessionDep, me: CurrentActor) -> dict:
    task = meetings.mark_done(session, me, task_id)
    meeting = session.get(meetings.Meeting, task.meeting_id)
    return {**task.model_dump(), "thread_id": meeting.thread_id, "meeting_type": meeting.meeting_type}
