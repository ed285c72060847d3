"""The coordinator on the portal's pages (messaging/coordinator.py decides).

- on a professional's case card (/inbox): who coordinates, and for those the rules let
  appoint, the forms to appoint, hand over and end;
- ``/inbox/coordinator``: the coordinator's overview of their cases — what is overdue,
  what falls due next, who has not answered;
- on the employee's page (/portal): who his coordinator is, the history, and a form to
  say he agrees or objects.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from directory import store as directory_store
from directory.errors import SambandError
from directory.models import Actor
from messaging import cases as case_service
from messaging import coordinator as service
from messaging.models import Case
from web.deps import CurrentActor, SessionDep
from web.i18n import Translator
from web.pages.render import FormDep, PageRoute, error_words, flash, redirect, render, translator

inbox_router = APIRouter(prefix="/inbox", include_in_schema=False, route_class=PageRoute)
portal_router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PageRoute)


def _names(session: Session, ids) -> dict[str, str]:
    return {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=list(dict.fromkeys(ids)))}


def history_rows(session: Session, t: Translator, case: Case) -> tuple[list[str], list[dict]]:
    """The current coordinators' names, and the appointments newest first in words."""
    rows = service.history(session, case.id)
    now = service.current(session, case)
    names = _names(session, [*now, *(r.coordinator_id for r in rows), *(r.appointed_by for r in rows)])
    lines = [{
        "id": r.id, "name": names.get(r.coordinator_id, ""), "by": names.get(r.appointed_by, ""),
        "from": r.started_at, "to": r.ended_at, "view": r.employee_view,
        "text": t("coord.history_line", name=names.get(r.coordinator_id, ""), by=names.get(r.appointed_by, ""),
                  start=t.date(r.started_at))
        + (" " + t("coord.history_end." + (r.end_reason or "ended"), end=t.date(r.ended_at)) if r.ended_at else ""),
    } for r in reversed(rows)]
    return [names.get(i, "") for i in now], lines


def case_card(session: Session, t: Translator, me: Actor, case: Case) -> dict:
    """What a professional's case card shows about the coordinator."""
    current, lines = history_rows(session, t, case)
    has = bool(current)
    open_row = service.open_appointment(session, case.id)
    can_appoint = service.may_appoint(session, me, case, handing_over=has)
    return {
        "current": current, "history": lines, "has": has, "is_me": case_service.is_coordinator(session, me.id, case.id),
        "view": open_row.employee_view if open_row is not None and has else None,
        "can_appoint": can_appoint, "can_end": has and service.may_appoint(session, me, case),
        "candidates": [{"id": a.id, "label": f"{a.name} ({t.role(a.role)})"} for a in service.candidates(session, case)]
        if can_appoint else [],
    }


def portal_part(session: Session, t: Translator, case: Case) -> dict:
    """What the employee's page shows about his coordinator."""
    current, lines = history_rows(session, t, case)
    open_row = service.open_appointment(session, case.id)
    return {"current": current, "history": lines,
            "view": open_row.employee_view if open_row is not None and current else None,
            "can_answer": open_row is not None and open_row.coordinator_id in service.current(session, case)}


# --- the professional's forms ----------------------------------------------------------------

AGREED = {"yes": True, "no": False, "not_asked": None}


@inbox_router.post("/cases/{case_id}/coordinator")
def appoint_or_hand_over(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    if me.role == "employee":
        return redirect("/portal")
    t = translator(request)
    back = f"/inbox#case-{case_id}"
    actor_id = str(form.get("actor_id") or "")
    agreed = str(form.get("employee_agreed") or "not_asked")
    if not actor_id or agreed not in AGREED:
        flash(request, t("coord.err.choose"), "error")
        return redirect(back)
    act = service.hand_over if form.get("action") == "hand_over" else service.appoint
    try:
        row = act(session, me, case_id, actor_id, agreed=AGREED[agreed], consent=request.app.state.consent)
    except SambandError as exc:
        if exc.code == "CASE_NOT_FOUND":
            raise
        session.rollback()
        flash(request, t(f"coord.err.{exc.code}") if t.has(f"coord.err.{exc.code}") else error_words(t, exc), "error")
        return redirect(back)
    name = _names(session, [row.coordinator_id]).get(row.coordinator_id, "")
    flash(request, t("coord.flash.handed_over" if act is service.hand_over else "coord.flash.appointed", name=name))
    return redirect(back)


@inbox_router.post("/cases/{case_id}/coordinator/end")
def end(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    if me.role == "employee":
        return redirect("/portal")
    t = translator(request)
    try:
        service.end(session, me, case_id)
    except SambandError as exc:
        if exc.code == "CASE_NOT_FOUND":
            raise
        session.rollback()
        flash(request, t(f"coord.err.{exc.code}") if t.has(f"coord.err.{exc.code}") else error_words(t, exc), "error")
        return redirect(f"/inbox#case-{case_id}")
    flash(request, t("coord.flash.ended"))
    return redirect(f"/inbox#case-{case_id}")


# --- the overview --------------------------------------------------------------------------------


@inbox_router.get("/coordinator")
def overview(request: Request, session: SessionDep, me: CurrentActor) -> Response:
    if me.role == "employee":
        return redirect("/portal")
    t = translator(request)
    views = service.overview(session, me)
    names = _names(session, [v.case.employee_id for v in views] + [w.actor_id for v in views for w in v.waiting])
    today = date.today()
    cases = [{
        "case": v.case, "employee": names.get(v.case.employee_id, ""),
        "milestones": [{"code": m.code, "status": m.status.value, "title": t.title(m), "due": t.date(m.due_date),
                        "overdue": m.status.value == "overdue"} for m in v.milestones],
        "waiting": [{"what": w.what, "text": t(f"coord.waiting.{w.what}", name=names.get(w.actor_id, ""), n=w.count,
                                                since=t.date(w.since), due=t.date(w.due) if w.due else "")}
                    for w in v.waiting],
    } for v in views]
    return render(request, "coordinator.html", {"me": me, "active": "coordinator", "cases": cases, "today": today})


# --- the employee's form -------------------------------------------------------------------------


@portal_router.post("/cases/{case_id}/coordinator/view")
def employee_view(case_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    if me.role != "employee":
        return redirect("/inbox")
    t = translator(request)
    answer = str(form.get("answer") or "")
    if answer not in ("agree", "object"):
        flash(request, t("coord.err.answer"), "error")
        return redirect("/portal#coordinator")
    try:
        service.record_view(session, me, case_id, agreed=answer == "agree")
    except SambandError as exc:
        if exc.code == "CASE_NOT_FOUND":
            raise
        session.rollback()
        flash(request, error_words(t, exc), "error")
        return redirect("/portal#coordinator")
    flash(request, t("coord.flash.agreed" if answer == "agree" else "coord.flash.objected"))
    return redirect("/portal#coordinator")
