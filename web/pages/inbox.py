"""The professionals' pages: the inbox (cases and threads, unread first), directory
search (find someone, start a thread or add them to a case by relation), and a thread.

The thread page renders metadata only — who sent what kind of message when, whether
it was recalled, which categories were meant for the reader — and an empty container
per message.  The content is sealed; ``/static/js/thread.js`` fetches each view and
opens it with the private keys kept in the browser.  No plaintext passes through here.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from consent.store import consent_requests_by
from consent.types import Category
from directory import service as directory
from directory import store as directory_store
from directory.errors import InvalidInput, SambandError
from directory.columns import utcnow
from directory.models import Actor
from directory.types import HEALTH_PERSONNEL
from messaging import caselife
from messaging import cases as case_service
from messaging import plan as plan_service
from messaging import meetings as meeting_service
from messaging import threads as thread_service
from messaging import timeline
from messaging.kinds import ATTACHABLE_KINDS, catalog, kind_spec
from messaging.models import Case
from web.deps import CurrentActor, SessionDep
from web.i18n import Translator
from web.pages import coordinator as coordinator_page
from web.pages.render import FormDep, PageRoute, error_words, flash, redirect, render, translator

router = APIRouter(prefix="/inbox", include_in_schema=False, route_class=PageRoute)
SEARCH_LIMIT = 20
ANSWERS = ("coming", "new_time_wanted", "cannot_come")
ACKS = ("read_and_agree", "read_with_comments")
# An answer's kind: what it answers.
ANSWER_TO = {"meeting_response": "meeting_invitation", "follow_up_plan_ack": "follow_up_plan"}
ITEM_ROWS = 3  # rows offered for a list of objects (meeting participants, tasks)


def _professional(me: Actor) -> Response | None:
    """Employees have their own page; send them there."""
    return redirect("/portal") if me.role == "employee" else None


def _thread_url(case_id: str, thread_id: str) -> str:
    return f"/inbox/cases/{quote(case_id)}/threads/{quote(thread_id)}"


def portal_thread_url(case_id: str, thread_id: str) -> str:
    """The employee's own page for a thread he is in."""
    return f"/portal/cases/{quote(case_id)}/threads/{quote(thread_id)}"


def thread_url_for(me: Actor, case_id: str, thread_id: str) -> str:
    return portal_thread_url(case_id, thread_id) if me.role == "employee" else _thread_url(case_id, thread_id)


def _my_cases(session: Session, me: Actor) -> list[Case]:
    return [c for c in case_service.cases_for(session, me) if c.employee_id != me.id]


def _has_encryption_key(session: Session, me: Actor) -> bool:
    return any(k.purpose == "encryption" for k in directory_store.active_keys(session=session, actor_id=me.id))


def _kinds_for(me: Actor) -> list[dict]:
    return [k for k in catalog() if me.role in k["sender_roles"]]


def _kind_titles(t: Translator) -> dict[str, str]:
    return {k["kind"]: t.title(k) for k in catalog()}


# --- inbox ------------------------------------------------------------------------------------

WEEK = timedelta(days=7)


def due_now(milestones: list[timeline.Milestone], today: date) -> list[timeline.Milestone]:
    """What a professional should see first: what is overdue, and what falls due this
    week (today and the six days after it) and is not done or moot."""
    return [
        m for m in milestones
        if m.status is timeline.Status.OVERDUE
        or (m.status not in (timeline.Status.DONE, timeline.Status.NOT_APPLICABLE) and today <= m.due_date < today + WEEK)
    ]



def closure_view(t: Translator, case: Case, today: date | None = None) -> dict | None:
    """A closed case's end in words (``messaging.caselife``), for the inbox, the thread
    page and the portal; None while the case is open."""
    c = caselife.closure(case, today)
    if c is None:
        return None
    purge = t("caselife.purged", date=t.date(c.purged_at)) if c.purged_at else t("caselife.purge_on", date=t.date(c.purge_on))
    return {
        "closed": t("caselife.closed", date=t.date(c.closed_on), reason=t(f"endreason.{c.reason}")),
        "read_only": t("caselife.read_only"), "purge_text": purge, "purge_on": c.purge_on, "purged": c.purged_at is not None,
        "warn": c.warn, "warn_text": t("caselife.purge_soon", date=t.date(c.purge_on)),
    }


def end_reasons(t: Translator, me: Actor) -> list[dict]:
    """The reasons ``me`` may end a case for (the retention rules say who may), as choices."""
    return [{"value": r.value, "label": t(f"endreason.{r.value}")} for r in caselife.EndReason if caselife.may_end(me, r)]


def _inbox_context(request: Request, session: Session, me: Actor) -> dict:
    t = translator(request)
    kinds = _kind_titles(t)
    views = []
    for case in _my_cases(session, me):
        people = case_service.participants(session, case.id)
        actors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=[p.actor_id for p in people])}
        mine = next((p for p in people if p.actor_id == me.id), None)
        threads = thread_service.threads_for(session, me, case.id)
        activity = thread_service.activity(session, me.id, [th.id for th in threads])
        rows = []
        for th in threads:
            members = thread_service.member_ids(session, th.id)
            names = [actors[m].name if m in actors else "" for m in members if m != me.id]
            a = activity[th.id]
            rows.append({
                "id": th.id, "url": _thread_url(case.id, th.id),
                "topic": kinds.get(th.topic) or t(f"inbox.topic.{th.topic}"),
                "names": ", ".join(n for n in names if n), "messages": a.messages, "unread": a.unread,
                "last_at": a.last_at or th.created_at,
            })
        rows.sort(key=lambda r: (r["unread"] == 0, -r["last_at"].timestamp()))
        employee = actors.get(case.employee_id)
        milestones = case_service.case_milestones(session, case)
        latest_plan = plan_service.latest_for(session, me, case.id)
        views.append({
            "plan_url": f"{_thread_url(case.id, latest_plan[0])}?plan=latest#msg-{latest_plan[1]}" if latest_plan else None,
            "milestones": milestones, "due_now": due_now(milestones, date.today()),
            "case": case, "employee": employee.name if employee else "", "my_role": mine.case_role if mine else "",
            "coordinator": coordinator_page.case_card(session, t, me, case),
            "threads": rows, "unread": sum(r["unread"] for r in rows),
            "closure": closure_view(t, case), "end_reasons": end_reasons(t, me) if case.closed_at is None else [],
            "others": [{"id": p.actor_id, "name": actors[p.actor_id].name, "role": p.case_role}
                       for p in people if p.actor_id != me.id and p.actor_id in actors],
        })
    views.sort(key=lambda v: v["unread"] == 0)
    requests = consent_requests_by(session=session, requester_id=me.id)
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=[r.subject_id for r in requests])}
    my_requests = [{
        "id": r.id, "name": names.get(r.subject_id, ""), "status": r.status, "created_at": r.created_at,
        "categories": ", ".join(t.category(c) for c in json.loads(r.payload).get("categories", [])),
    } for r in requests]
    return {
        "me": me, "active": "inbox", "cases": views, "requests": my_requests, "today": date.today().isoformat(),
        "retention_days": caselife.rules().content_days_after_end,
        "topics": [{"value": "conversation", "label": t("inbox.topic.conversation")}]
        + [{"value": k["kind"], "label": t.title(k)} for k in _kinds_for(me)],
        "ws_cursor": thread_service.latest_event_seq(session, me.id),
        "tasks": task_views(t, session, me), "task_action": "/inbox/tasks/{id}/done",
    }


@router.get("")
def inbox(request: Request, session: SessionDep, me: CurrentActor) -> Response:
    return _professional(me) or render(request, "inbox.html", _inbox_context(request, session, me))


@router.post("/tasks/{task_id}/done")
def task_done(task_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    """The owner marks a task from minutes done (``messaging.meetings.mark_done``)."""
    meeting_service.mark_done(session, me, task_id)
    flash(request, translator(request)("flash.task_done"))
    return redirect("/portal#tasks" if me.role == "employee" else "/inbox#tasks")


@router.post("/cases/{case_id}/threads")
def start_thread(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    if (away := _professional(me)) is not None:
        return away
    t = translator(request)
    members = [str(m) for m in form.getlist("member_ids") if m]
    topic = str(form.get("topic") or "conversation")
    if topic != "conversation" and topic not in {k["kind"] for k in _kinds_for(me)}:
        topic = "conversation"
    if not members:
        flash(request, t("inbox.err.members"), "error")
        back = str(form.get("back") or "")
        return redirect(back if back.startswith("/inbox") and not back.startswith("//") else "/inbox")
    thread = thread_service.create_thread(session, me, case_id, members, topic)
    flash(request, t("flash.thread_started"))
    return redirect(_thread_url(case_id, thread.id))


@router.post("/cases/{case_id}/close")
def close_case(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    """NAV (or the employer, when the employee is back at work) ends a case from the inbox."""
    if (away := _professional(me)) is not None:
        return away
    t = translator(request)
    back = f"/inbox#case-{case_id}"
    try:
        reason = caselife.EndReason(str(form.get("reason") or ""))
    except ValueError:
        reason = None
    raw = str(form.get("ended_on") or "").strip()
    try:
        ended_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(request, t("caselife.err.date"), "error")
        return redirect(back)
    if reason is None:
        flash(request, t("caselife.end_reason"), "error")
        return redirect(back)
    try:
        caselife.close_case(session, me, case_id, reason, ended_on)
    except SambandError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        flash(request, error_words(t, exc), "error")
        return redirect(back)
    flash(request, t("caselife.ended_flash"))
    return redirect(back)
@router.post("/cases/{case_id}/plan/share")
def share_plan(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    """Send the latest plan version on to the case's GP or NAV adviser: the thread for it
    (made if there is none), its form filled in the browser from the sealed version."""
    if (away := _professional(me)) is not None:
        return away
    latest = plan_service.latest(session, case_service.require_case(session, me, case_id).id)
    if latest is None:
        raise plan_service.InvalidPlan("the case has no plan version to send on yet")
    thread = plan_service.open_share_thread(session, me, case_id, str(form.get("recipient_id") or ""))
    query = urlencode({"kind": "follow_up_plan", "shares": latest.message_id})
    return redirect(f"{_thread_url(case_id, thread.id)}?{query}#compose-section")


# --- search -----------------------------------------------------------------------------------


def _search_results(session: Session, me: Actor, q: str) -> list[dict]:
    found = directory.search(session, me, q, limit=SEARCH_LIMIT)
    cases = _my_cases(session, me)
    employees = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=[c.employee_id for c in cases])}
    taking_part = {c.id: {p.actor_id for p in case_service.participants(session, c.id)} for c in cases}
    now = directory.utcnow()
    results = []
    for person in found:
        options = []
        if person.id != me.id:
            for case in cases:
                name = employees.get(case.employee_id, "")
                if person.id in taking_part[case.id]:
                    options.append({"kind": "start", "case_id": case.id, "employee": name})
                else:
                    role = case_service.relation_role(session, person.id, case.employee_id, at=now)
                    if role is not None:
                        options.append({"kind": "add", "case_id": case.id, "employee": name, "role": role.value})
        results.append({"person": person, "options": options})
    return results


@router.get("/search")
def search(request: Request, session: SessionDep, me: CurrentActor, q: str = "") -> Response:
    if (away := _professional(me)) is not None:
        return away
    q = q.strip()[:200]
    results, error = [], None
    if q:
        try:
            results = _search_results(session, me, q)
        except InvalidInput as exc:
            error = exc.message
    return render(request, "search.html", {"me": me, "active": "search", "q": q, "results": results, "error": error})


@router.post("/cases/{case_id}/participants")
def add_participant(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    if (away := _professional(me)) is not None:
        return away
    t = translator(request)
    q = str(form.get("q") or "")[:200]
    back = "/inbox/search?" + urlencode({"q": q}) if q else "/inbox/search"
    reason = str(form.get("reason") or "").strip()
    actor_id = str(form.get("actor_id") or "")
    if len(reason) < 3:
        flash(request, t("search.err.reason"), "error")
        return redirect(back)
    try:
        row = case_service.add_participant(session, me, case_id, actor_id, reason[:500],
                                           consent=request.app.state.consent)
    except SambandError as exc:
        if exc.status == 404 and exc.code == "CASE_NOT_FOUND":
            raise
        session.rollback()
        if exc.code == "CANNOT_BE_ADDED":  # the same words whatever the reason: no relation, or excluded
            target = directory_store.get_actor(session=session, actor_id=actor_id)
            flash(request, t("search.err.cannot_add", name=target.name if target else ""), "error")
        else:
            flash(request, error_words(t, exc), "error")
        return redirect(back)
    added = directory_store.get_actor(session=session, actor_id=row.actor_id)
    flash(request, t("flash.participant_added", name=added.name if added else ""))
    return redirect(back)


# --- a thread -----------------------------------------------------------------------------------


def _field_views(t: Translator, fields: list[dict], prefix: str = "") -> list[dict]:
    """Catalog fields as the template renders them: label, control, limits, choices."""
    out = []
    for f in fields:
        type_ = f["type"]
        c = f.get("constraints") or {}
        view = {
            "name": f"{prefix}{f['name']}", "field": f["name"], "label": t.title(f), "type": type_,
            "required": f.get("required", False), "default": f.get("default"), "max_length": c.get("max_length"),
            "min": c.get("min", c.get("ge")), "max": c.get("max", c.get("le")), "max_items": c.get("max_items"),
            "category": f.get("category"),
        }
        if f.get("choices"):
            view["choices"] = [{"value": v, "label": t.choice(f["name"], v)} for v in f["choices"]]
        if f.get("item_fields"):
            view["item_fields"] = f["item_fields"]
            # Three rows to fill in; a row's own fields are required only once it is used.
            view["rows"] = [[{**sub, "required": False} for sub in _field_views(t, f["item_fields"], f"{prefix}{f['name']}.{i}.")]
                            for i in range(ITEM_ROWS)]
        if type_ == "text":
            view["control"] = "textarea" if (view["max_length"] or 0) > 200 else "input"
        out.append(view)
    return out


def _message_rows(t: Translator, me: Actor, messages: list[dict], names: dict[str, str]) -> list[dict]:
    kinds = _kind_titles(t)
    # My own answers (a meeting response, a plan acknowledgement), by what they answer.
    answered = {m["in_reply_to"]: m["id"] for m in messages
                if m["sender_id"] == me.id and m["in_reply_to"] and m["kind"] in ANSWER_TO and not m["recalled"]}
    may_ack = me.role in kind_spec("follow_up_plan_ack").sender_roles
    rows = []
    for m in messages:
        receipts = []
        for r in m.get("receipts") or []:
            name = names.get(r["recipient_id"], "")
            if r["read_at"]:
                text = t("thread.receipt_read", name=name, time=t.datetime(r["read_at"]))
            elif r["delivered_at"]:
                text = t("thread.receipt_delivered", name=name)
            else:
                text = t("thread.receipt_waiting", name=name)
            receipts.append({"recipient_id": r["recipient_id"], "name": name, "text": text})
        rows.append({
            **m, "sender": names.get(m["sender_id"], ""), "kind_title": kinds.get(m["kind"], m["kind"]),
            "mine": m["sender_id"] == me.id, "receipt_lines": receipts,
            "categories": [t.category(s["category"]) for s in m["my_sections"]],
            "answerable": m["kind"] == "meeting_invitation" and m["sender_id"] != me.id and not m["recalled"],
            "acknowledgeable": (may_ack and m["kind"] == "follow_up_plan" and m["sender_id"] != me.id
                                and not m["recalled"]),
            "my_answer": answered.get(m["id"]),
        })
    return rows


def _plan_context(session: Session, t: Translator, me: Actor, case, thread, rows: list[dict], names: dict[str, str],
                  focus: str) -> dict | None:
    """The follow-up plan on its thread's page: the versions (number, author, date,
    evaluation date, acknowledgement), the latest marked, where to send it on; on a
    share thread, which version each copy carries.  ``focus`` ("latest") picks the
    version the print view shows."""
    if thread.topic not in (plan_service.PLAN_TOPIC, plan_service.SHARE_TOPIC):
        return None
    if thread.topic == plan_service.SHARE_TOPIC:
        numbers = plan_service.shares_in(session, thread.id)
        latest = next((r["id"] for r in reversed(rows) if r["id"] in numbers and not r["recalled"]), None)
        for r in rows:
            r["plan_version"] = numbers.get(r["id"])
        return {"shared": True, "versions": [], "latest": latest, "print_target": latest if focus else None,
                "recipients": []}
    current = plan_service.versions(session, case.id)
    authors = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=[v.author_id for v in current])}
    numbers = {v.message_id: v.number for v in current}
    for r in rows:
        r["plan_version"] = numbers.get(r["id"])
    latest = current[-1].message_id if current else None
    return {
        "shared": False, "latest": latest, "print_target": latest if focus else None,
        "versions": [{
            "number": v.number, "message_id": v.message_id, "author": authors.get(v.author_id, names.get(v.author_id, "")),
            "created_at": v.created_at, "evaluation_date": v.evaluation_date,
            "acknowledged_at": v.acknowledged_at, "evaluated_at": v.evaluated_at, "latest": v.message_id == latest,
        } for v in reversed(current)],
        "recipients": [{"id": a.id, "name": a.name, "role": a.role}
                       for a in plan_service.share_recipients(session, me, case)]
        if latest and me.role != "employee" else [],  # the employer sends it on (his page is the inbox)
    }


def _meeting_views(t: Translator, session: Session, me: Actor, case_id: str, thread_id: str,
                   names: dict[str, str]) -> list[dict]:
    """The meetings of this thread as their cards show them: metadata only (the time and
    place come from the decrypted messages, in the browser)."""
    now = utcnow()
    views = []
    for m in meeting_service.meetings_for(session, me, case_id):
        if m.thread_id != thread_id:
            continue
        o = meeting_service.overview(session, me, m, now=now)
        for task in o["tasks"]:
            name = names.get(task["owner_id"], "")
            task["text"] = (t("meetings.task_line", name=name, due=t.date(task["due_date"])) if task["due_date"]
                            else t("meetings.task_line_nodue", name=name))
        o["title"] = t.choice("meeting_type", m.meeting_type)
        o["convener"] = names.get(m.convener_id, "")
        o["owner_ids"] = {i["actor_id"] for i in o["invitees"]} | {m.convener_id, me.id}
        views.append(o)
    return views


def task_views(t: Translator, session: Session, me: Actor) -> list[dict]:
    """``me``'s open tasks from minutes, as the home pages list them."""
    out = []
    for task in meeting_service.open_tasks(session, me):
        meeting = t.choice("meeting_type", task["meeting_type"])
        line = (t("tasks.line", meeting=meeting, due=t.date(task["due_date"])) if task["due_date"]
                else t("tasks.line_nodue", meeting=meeting))
        out.append({**task, "line": line, "meeting": meeting,
                    "url": thread_url_for(me, task["case_id"], task["thread_id"]) + f"#msg-{task['minutes_message_id']}"})
    return out


MEETING_COMPOSE = ("meeting_change", "meeting_cancellation", "minutes")


def thread_context(request: Request, session: Session, me: Actor, case_id: str, thread_id: str, *,
                   url: str, kind: str = "", reply_to: str = "", plan: str = "", meeting: str = "") -> dict | Response:
    """What thread.html shows a member of the thread (a professional, or the employee on
    his portal): metadata only, and the compose form for the kinds ``me`` may send.
    ``url`` is where this page lives.  Without keys on record: a redirect to /keys.

    Raises:
        ThreadNotFound: ``me`` is not a member of the thread (or of the case).
    """
    t = translator(request)
    thread = thread_service.require_thread(session, me, case_id, thread_id)
    if not _has_encryption_key(session, me):
        return redirect("/keys?" + urlencode({"next": url}))
    case = case_service.require_case(session, me, case_id)
    members = thread_service.member_ids(session, thread.id)
    people = directory_store.actors_by_ids(session=session, ids=list({*members, case.employee_id}))
    names = {a.id: a.name for a in people}
    reachable = directory_store.actors_with_encryption_key(session=session, actor_ids=members)
    roles = {p.actor_id: p.case_role for p in case_service.participants(session, case.id)}
    messages = request.app.state.delivery.messages_in_thread(session, me, case_id, thread_id)
    kinds = _kinds_for(me)
    chosen = next((k for k in kinds if k["kind"] == kind), None) or next((k for k in kinds if k["kind"] == "note"), None)
    rows = _message_rows(t, me, messages, names)
    sendable = {k["kind"] for k in kinds}
    for r in rows:  # NAV's request is answered with the answer form, which the law covers
        r["reply_kind"] = "nav_request_answer" if r["kind"] == "nav_request" and "nav_request_answer" in sendable else "note"
    actor_roles = {a.id: a.role for a in people}
    meeting_views = _meeting_views(t, session, me, case_id, thread.id, names)
    by_invitation = {mv["invitation_message_id"]: mv for mv in meeting_views}
    for r in rows:  # an invitation to a meeting is answered as the meeting's, while it is open to me
        mv = by_invitation.get(r["id"])
        if mv is not None:
            r["meeting_id"] = mv["id"]
            r["answerable"] = r["answerable"] and mv["may_answer"]
    compose_meeting = next((mv for mv in meeting_views if mv["id"] == meeting and mv["may_change"]), None)
    if chosen is None or chosen["kind"] not in MEETING_COMPOSE:
        compose_meeting = None
    return {
        "meetings": meeting_views, "compose_meeting": compose_meeting,
        "me": me, "active": "inbox", "case": case, "thread": thread, "employee": names.get(case.employee_id, ""),
        "closure": closure_view(t, case),
        "members": [{"id": m, "name": names.get(m, ""), "role": roles.get(m, ""), "can_receive": m in reachable,
                     "is_me": m == me.id, "health": actor_roles.get(m) in HEALTH_PERSONNEL} for m in members],
        "messages": rows, "kinds": kinds, "kind": chosen, "attachable": ATTACHABLE_KINDS,
        "fields": _field_views(t, chosen["fields"]) if chosen else [],
        "reply_to": reply_to if any(r["id"] == reply_to for r in rows) else "",
        "answers": ANSWERS, "acks": ACKS, "can_ack": me.role in kind_spec("follow_up_plan_ack").sender_roles,
        "ws_cursor": thread_service.latest_event_seq(session, me.id),
        "durations": (4, 8, 12, 26), "url": url, "back": "/inbox",
        "categories": [c.value for c in Category],
        "ask_limits": _ask_limits(me),
        "plan": _plan_context(session, t, me, case, thread, rows, names, plan),
    }


@router.get("/cases/{case_id}/threads/{thread_id}")
def thread_page(case_id: str, thread_id: str, request: Request, session: SessionDep, me: CurrentActor,
                kind: str = "", reply_to: str = "", plan: str = "", meeting: str = "") -> Response:
    if me.role == "employee":  # his own thread page, on his portal (404 if he is not in the thread)
        thread_service.require_thread(session, me, case_id, thread_id)
        return redirect(portal_thread_url(case_id, thread_id))
    context = thread_context(request, session, me, case_id, thread_id, url=_thread_url(case_id, thread_id),
                             kind=kind, reply_to=reply_to, plan=plan, meeting=meeting)
    return context if isinstance(context, Response) else render(request, "thread.html", context)


def _ask_limits(me: Actor) -> list[dict]:
    """The categories ``me`` may not ask the employee for (``consent.limits``), for the page's script."""
    from consent import limits

    if not limits.is_employer_side(me.role):
        return []
    return [{"category": c.value, "reason": code} for c, code in limits.EMPLOYER_MAY_NOT_ASK.items()]


@router.get("/messages/{message_id}/recall")
def confirm_recall(message_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    """The confirmation, as a page: recalling acts at once and cannot be undone
    (docs/decisions/0011-confirm-and-undo.md)."""
    from messaging.delivery import MessageNotFound
    from messaging.models import Message

    t = translator(request)
    message = session.get(Message, message_id)
    if message is None or message.sender_id != me.id or not thread_service.takes_part(session, me, message.thread_id):
        raise MessageNotFound(f"you sent no message {message_id}")  # the same answer as the recall itself
    back = _thread_url(message.case_id, message.thread_id) + f"#msg-{message.id}"
    if message.recalled_at is not None:
        return redirect(back)
    title = _kind_titles(t).get(message.kind, message.kind)
    return render(request, "confirm.html", {
        "me": me, "active": "inbox", "title": t("recall.title"),
        "points": [t("recall.what", kind=title, time=t.datetime(message.created_at)), t("recall.unread"),
                   t("recall.read"), t("recall.final")],
        "action": f"/inbox/messages/{message.id}/recall", "submit": t("recall.confirm"),
        "cancel": back, "testid": "confirm-recall",
    })


@router.post("/messages/{message_id}/recall")
def recall(message_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    t = translator(request)
    message = request.app.state.delivery.recall(session, me, message_id)
    flash(request, t("flash.recalled"))
    return redirect(thread_url_for(me, message.case_id, message.thread_id) + f"#msg-{message.id}")
