"""Everything with a deadline that one person is involved in (issue 11, item 6).

``deadlines_for(session, actor)`` asks every registered *source* and returns one sorted
list of ``Deadline``: the kind, the case, the day it is due, what to do (a stable
``action`` code; the words are ``deadline.<action>`` in web/i18n.py) and a link.  The
notification work reminds people from it; ``GET /me/deadlines`` serves it.

Sources are plain functions ``(session, actor, today) -> Iterable[Deadline]`` in
``SOURCES``; another part adds its own with ``register_source`` (meeting answers, plan
evaluation, tasks from minutes).  A source sees only what its actor may see: it starts
from the actor's own rows (requests addressed to him, his consents, the cases he takes
part in) and never from an id given by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from sqlmodel import Session, col, select

from consent.models import ConsentRequestRow, NavRequestRow
from consent import store as consent_store
from consent.service import fold
from directory.columns import utcnow
from directory.models import Actor
from directory.types import Role
from messaging import cases as case_service
from messaging import kinds, meetings, timeline
from messaging.models import Meeting, MeetingInvitee, Message

CONSENT_ANSWER_DAYS = 14
"""samband's own point for reminding the employee of an unanswered consent request
(no law sets one): two weeks after it was asked."""
EXPIRING_DAYS = 14
"""A consent is "about to expire" in the last two weeks of its period."""
HORIZON_DAYS = 30
"""Without ``until``: what falls due in the next 30 days, and everything overdue."""


@dataclass(frozen=True)
class Deadline:
    kind: str  # where it comes from: nav_request | consent_request | consent_expiring | milestone | ...
    case_id: str | None
    due_at: date
    action: str  # what to do, a stable code; the words: web/i18n.py "deadline.<action>"
    link: str
    ref: str | None = None  # the id of the thing (request, grant, milestone code)
    overdue: bool = False


Source = Callable[[Session, Actor, date], Iterable[Deadline]]
SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    """Add a deadline source (usable as a decorator); registering twice is harmless."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def deadlines_for(session: Session, actor: Actor, *, until: date | None = None, today: date | None = None) -> list[Deadline]:
    """Everything with a deadline ``actor`` is involved in, due on or before ``until``
    (default: ``HORIZON_DAYS`` ahead), overdue first, then by day."""
    today = today or date.today()
    until = until or today + timedelta(days=HORIZON_DAYS)
    out = [d for source in SOURCES for d in source(session, actor, today) if d.due_at <= until]
    return sorted(out, key=lambda d: (not d.overdue, d.due_at, d.kind, d.ref or ""))


def _deadline(kind: str, case_id: str | None, due: date, action: str, link: str, ref: str | None, today: date) -> Deadline:
    return Deadline(kind=kind, case_id=case_id, due_at=due, action=action, link=link, ref=ref, overdue=due < today)


def _case_link(actor: Actor, case_id: str | None) -> str:
    if actor.role == Role.EMPLOYEE.value:
        return "/portal"
    return f"/inbox#case-{quote(case_id)}" if case_id else "/inbox"


# --- the sources --------------------------------------------------------------------------


@register_source
def nav_requests(session: Session, actor: Actor, today: date) -> Iterable[Deadline]:
    """NAV's requests addressed to ``actor`` and not answered: due on NAV's answer-by
    date, or after NAV's own 21 days (``kinds.NAV_ANSWER_DAYS``) when it gave none."""
    now = utcnow()
    rows = session.exec(select(NavRequestRow).where(
        NavRequestRow.addressee_id == actor.id, NavRequestRow.expires_at > now)).all()
    made_by = [r.message_id for r in rows if r.message_id]
    answered = set(session.exec(select(Message.in_reply_to).where(
        col(Message.in_reply_to).in_(made_by), Message.kind == kinds.Kind.NAV_REQUEST_ANSWER.value,
        Message.sender_id == actor.id, col(Message.recalled_at).is_(None))).all()) if made_by else set()
    messages = {m.id: m for m in session.exec(select(Message).where(col(Message.id).in_(made_by))).all()} if made_by else {}
    for row in rows:
        if row.message_id in answered:
            continue
        due = row.answer_by or (row.created_at + timedelta(days=kinds.NAV_ANSWER_DAYS)).date()
        msg = messages.get(row.message_id)
        case_id = msg.case_id if msg else None
        link = (f"/inbox/cases/{quote(msg.case_id)}/threads/{quote(msg.thread_id)}" if msg else _case_link(actor, None))
        yield _deadline("nav_request", case_id, due, "answer_nav_request", link, row.id, today)


@register_source
def consent_requests(session: Session, actor: Actor, today: date) -> Iterable[Deadline]:
    """Requests for consent waiting for ``actor``'s answer (he is the employee)."""
    rows = session.exec(select(ConsentRequestRow).where(
        ConsentRequestRow.subject_id == actor.id, ConsentRequestRow.status == "pending")).all()
    for row in rows:
        due = (row.created_at + timedelta(days=CONSENT_ANSWER_DAYS)).date()
        yield _deadline("consent_request", None, due, "answer_consent_request", f"/portal#request-{quote(row.id)}",
                        row.id, today)


@register_source
def consents_expiring(session: Session, actor: Actor, today: date) -> Iterable[Deadline]:
    """``actor``'s own consents in the last ``EXPIRING_DAYS`` of their period."""
    if actor.role != Role.EMPLOYEE.value:
        return
    now = utcnow()
    grants, _ = fold(consent_store.event_rows_for(session=session, subject_id=actor.id))
    for grant in grants.values():
        if grant.revoked_at is None and now < grant.valid_to <= now + timedelta(days=EXPIRING_DAYS):
            yield _deadline("consent_expiring", grant.case_id, grant.valid_to.date(), "renew_or_let_consent_expire",
                            f"/portal#grant-{quote(grant.grant_id)}", grant.grant_id, today)


_OPEN = (timeline.Status.UPCOMING, timeline.Status.DUE_SOON, timeline.Status.DUE, timeline.Status.OVERDUE)


@register_source
def milestones(session: Session, actor: Actor, today: date) -> Iterable[Deadline]:
    """Statutory milestones not yet done in ``actor``'s cases that are his side's to do
    (the coordinator: all of them in the cases he coordinates)."""
    side = case_service._SIDE_OF_ROLE.get(Role(actor.role))
    for case in case_service.cases_for(session, actor):
        coordinating = case.employee_id != actor.id and case_service.is_coordinator(session, actor.id, case.id)
        for m in case_service.case_milestones(session, case, today):
            if m.kind is not timeline.MilestoneKind.DEADLINE or m.status not in _OPEN:
                continue
            if coordinating or (side is not None and side in m.responsible):
                yield _deadline("milestone", case.id, m.due_date, f"milestone.{m.code}", _case_link(actor, case.id),
                                m.code, today)



MEETING_ANSWER_DAYS = 7  # our reminder point for an unanswered invitation (not a legal one)


def _thread_link(actor: Actor, case_id: str, thread_id: str) -> str:
    base = "/portal" if actor.role == Role.EMPLOYEE.value else "/inbox"
    return f"{base}/cases/{quote(case_id)}/threads/{quote(thread_id)}"


@register_source
def meeting_answers(session: Session, actor: Actor, today: date) -> Iterable[Deadline]:
    """Open meetings ``actor`` is invited to and has not answered (since the last change):
    due ``MEETING_ANSWER_DAYS`` after the invitation or its latest change."""
    rows = session.exec(
        select(Meeting).join(MeetingInvitee, MeetingInvitee.meeting_id == Meeting.id)
        .where(MeetingInvitee.actor_id == actor.id, col(MeetingInvitee.answer).is_(None),
               col(Meeting.state).in_(("invited", "changed")))
    ).all()
    for m in rows:
        if case_service.participant(session, m.case_id, actor.id) is None:
            continue
        asked = (m.changed_at or m.invited_at).date()
        yield _deadline("meeting_answer", m.case_id, asked + timedelta(days=MEETING_ANSWER_DAYS), "answer_meeting",
                        _thread_link(actor, m.case_id, m.thread_id), m.id, today)


@register_source
def meeting_tasks(session: Session, actor: Actor, today: date) -> Iterable[Deadline]:
    """Tasks from minutes that ``actor`` owns, not done, with a due date."""
    for task in meetings.open_tasks(session, actor):
        if task["due_date"] is not None:
            yield _deadline("meeting_task", task["case_id"], task["due_date"], "do_meeting_task",
                            _thread_link(actor, task["case_id"], task["thread_id"]), task["id"], today)
