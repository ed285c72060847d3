"""The employee inside the conversation: his threads on ``/portal`` (unread first), a
thread page of his own (``/portal/cases/{case}/threads/{thread}``), and a form to start
a thread with anyone in his case.

The thread page is the professionals' page (``web.pages.inbox.thread_context`` and
``thread.html``: metadata only, opened in the browser by ``thread.js``) with the
portal's navigation.  An employee sees only threads he is a member of in his own case;
for anything else the routes answer as for a made-up id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from directory import store as directory_store
from directory.errors import InvalidInput
from directory.models import Actor
from messaging import cases as case_service
from messaging import threads as thread_service
from messaging.models import Case
from web.deps import CurrentActor, SessionDep
from web.pages.inbox import (
    _has_encryption_key,
    _kind_titles,
    _kinds_for,
    portal_thread_url,
    thread_context,
    thread_url_for,
)
from web.pages.render import FormDep, PageRoute, error_words, flash, redirect, render, translator

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PageRoute)

ANSWER_KINDS = {"meeting_response", "follow_up_plan_ack"}  # sent in reply to a message, not as a topic


def _own_case(session: Session, me: Actor, case_id: str) -> Case:
    """The employee's own case; anyone else's is "no such case", as for a made-up id."""
    case = case_service.require_case(session, me, case_id)
    if case.employee_id != me.id:
        raise case_service.CaseNotFound(f"no case {case_id} that you take part in")
    return case


def conversations(request: Request, session: Session, me: Actor, my_cases: list[Case]) -> dict:
    """For /portal: the threads the employee is in, per case, unread first, with who is
    in each; the people he may start a thread with; whether this account has keys."""
    t = translator(request)
    kinds = _kind_titles(t)
    views = []
    for case in my_cases:
        people = case_service.participants(session, case.id)
        threads = thread_service.threads_for(session, me, case.id)
        members = {th.id: thread_service.member_ids(session, th.id) for th in threads}
        ids = {p.actor_id for p in people} | {m for ms in members.values() for m in ms}
        names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=list(ids))}
        activity = thread_service.activity(session, me.id, [th.id for th in threads])
        rows = []
        for th in threads:
            a = activity[th.id]
            rows.append({
                "id": th.id, "url": portal_thread_url(case.id, th.id),
                "topic": kinds.get(th.topic) or t(f"inbox.topic.{th.topic}"),
                "names": ", ".join(names[m] for m in members[th.id] if m != me.id and m in names),
                "messages": a.messages, "unread": a.unread, "last_at": a.last_at or th.created_at,
            })
        rows.sort(key=lambda r: (r["unread"] == 0, -r["last_at"].timestamp()))
        views.append({
            "case": case, "threads": rows, "unread": sum(r["unread"] for r in rows),
            "others": [{"id": p.actor_id, "name": names.get(p.actor_id, ""), "role": p.case_role}
                       for p in people if p.actor_id != me.id and p.actor_id in names],
        })
    return {
        "conversations": views, "unread_messages": sum(v["unread"] for v in views),
        "thread_topics": [{"value": "conversation", "label": t("inbox.topic.conversation")}]
        + [{"value": k["kind"], "label": t.title(k)} for k in _kinds_for(me)
           if k["kind"] not in ANSWER_KINDS and k["kind"] != "note"],
        "has_keys": _has_encryption_key(session, me),
        "ws_cursor": thread_service.latest_event_seq(session, me.id),
    }


@router.get("/cases/{case_id}/threads/{thread_id}")
def thread_page(case_id: str, thread_id: str, request: Request, session: SessionDep, me: CurrentActor,
                kind: str = "", reply_to: str = "", plan: str = "", meeting: str = "") -> Response:
    if me.role != "employee":  # a professional in the thread has his own page for it
        thread_service.require_thread(session, me, case_id, thread_id)
        return redirect(thread_url_for(me, case_id, thread_id))
    _own_case(session, me, case_id)
    context = thread_context(request, session, me, case_id, thread_id, url=portal_thread_url(case_id, thread_id),
                             kind=kind, reply_to=reply_to, plan=plan, meeting=meeting)
    if isinstance(context, Response):
        return context
    context.update(active="portal", back="/portal#threads", back_label="empthreads.back",
                   page_title=translator(request)("empthreads.thread_title"))
    return render(request, "thread.html", context)


@router.post("/cases/{case_id}/threads")
def start_thread(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    """The employee starts a thread with people in his case, and lands in it."""
    if me.role != "employee":
        return redirect("/inbox")
    t = translator(request)
    case = _own_case(session, me, case_id)
    members = [str(m) for m in form.getlist("member_ids") if m]
    topic = str(form.get("topic") or "conversation")
    allowed = {k["kind"] for k in _kinds_for(me)} - ANSWER_KINDS
    if topic != "conversation" and topic not in allowed:
        topic = "conversation"
    if not members:
        flash(request, t("inbox.err.members"), "error")
        return redirect("/portal#threads")
    try:
        thread = thread_service.create_thread(session, me, case.id, members, topic)
    except InvalidInput:  # someone no longer (or never) in the case: nothing was written
        session.rollback()
        flash(request, t("empthreads.err.members"), "error")
        return redirect("/portal#threads")
    except case_service.CaseClosed as exc:  # the case ended while the page was open
        session.rollback()
        flash(request, error_words(t, exc), "error")
        return redirect("/portal#threads")
    flash(request, t("flash.thread_started"))
    return redirect(portal_thread_url(case.id, thread.id))
