"""The employee's own page (``/portal``): their case, who takes part and why, who may see
what (with one-click withdrawal), consent requests, the disclosure log, the timeline.

Forms post here, call the consent service, and redirect back with a message (PRG).  A
form with mistakes is shown again with the mistakes marked and nothing written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from consent import audit
from consent.schemas import GrantCreate, PartyIn
from consent.service import ConsentService, grant_status
from consent.store import consent_requests_for
from consent.types import Category, Grant, Party, PartyKind, Purpose
from directory import store as directory_store
from directory.columns import utcnow
from directory.errors import SambandError
from directory.models import Actor
from directory.types import CaseRole
from messaging import cases as case_service
from messaging import timeline
from messaging.models import Case
from web.deps import CurrentActor, SessionDep
from web.i18n import ROLE_GRANTABLE, Translator
from web.pages.render import FormDep, PageRoute, error_words, flash, redirect, render, translator

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PageRoute)

DURATIONS = (4, 8, 12, 26)  # weeks
LOG_PREVIEW = 15
LOG_PAGE = 50
# What "who has learnt what" shows first: actual disclosures and the people added to
# the case (learning that someone is on sick leave is itself a disclosure).
DISCLOSURE_TAGS = {
    "disclosure:message:granted", "disclosure:message:denied", "disclosure:read:granted",
    "disclosure:read:denied", "disclosure:push:granted", "disclosure:decision:granted",
    "disclosure:decision:denied", "case:participant:added", "statutory:nav-request:created",
    "disclosure:message:recalled",
}  # fmt: skip


def _consent(request: Request) -> ConsentService:
    return request.app.state.consent


def _require_employee(me: Actor) -> None:
    if me.role != "employee":
        raise SambandError("this page is for the sick-listed employee", code="NOT_THE_SUBJECT", status=403)


# --- view models -----------------------------------------------------------------------


@dataclass
class GrantForm:
    case_id: str = ""
    recipient: str = ""
    categories: list[str] = field(default_factory=list)
    purpose: str = ""
    weeks: str = "8"
    errors: dict[str, str] = field(default_factory=dict)


def _names(session: Session, ids) -> dict[str, str]:
    ids = [i for i in set(ids) if i]
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=ids)}
    names.update({o.id: o.name for o in directory_store.organisations_by_id(session=session, ids=ids).values()})
    return names


def party_words(t: Translator, party: Party | None, names: dict[str, str]) -> str:
    if party is None:
        return t("party.anyone_in_case")
    if party.kind is PartyKind.ROLE:
        return t(f"party.role.{party.value}")
    return names.get(party.value, party.value)


def _case_view(session: Session, t: Translator, case: Case) -> dict:
    rows = case_service.participants(session, case.id)
    actors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=[p.actor_id for p in rows])}
    reachable = directory_store.actors_with_encryption_key(session=session, actor_ids=list(actors))
    grades = case_service.grade_history(session, case.id)
    milestones = timeline.milestones(
        case.start_date, [timeline.GradePeriod(g.from_date, g.grade) for g in grades if g.grade >= 1] or
        [timeline.GradePeriod(case.start_date, max(case.grade, 1))], date.today(),
    )
    return {
        "case": case,
        "participants": [
            {"actor_id": p.actor_id, "name": actors[p.actor_id].name, "case_role": p.case_role, "reason": p.reason,
             "added_at": p.added_at, "can_receive": p.actor_id in reachable, "is_me": p.actor_id == case.employee_id}
            for p in rows if p.actor_id in actors
        ],
        "milestones": milestones,
    }


def _grant_rows(t: Translator, grants: list[Grant], names: dict[str, str], now: datetime) -> list[dict]:
    rows = []
    for g in grants:
        rows.append({
            "id": g.grant_id,
            "who": party_words(t, g.recipient, names),
            "discloser": party_words(t, g.discloser, names) if g.discloser else None,
            "categories": [t.category(c) for c in Category if c in g.categories],
            "purposes": [t.purpose(p) for p in Purpose if p in g.purposes],
            "valid_from": g.valid_from, "valid_to": g.valid_to, "revoked_at": g.revoked_at,
            "status": grant_status(g, now),
        })
    return rows


def _request_rows(session: Session, t: Translator, me: Actor) -> list[dict]:
    rows = [r for r in consent_requests_for(session=session, subject_id=me.id) if r.status == "pending"]
    payloads = {r.id: GrantCreate.model_validate(json.loads(r.payload)) for r in rows}
    ids = [r.requester_id for r in rows]
    for p in payloads.values():
        ids += [x.id for x in (p.recipient, p.discloser) if x is not None and x.id]
    actors = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=[r.requester_id for r in rows])}
    names = _names(session, ids)
    out = []
    for r in rows:
        g = payloads[r.id]
        recipient = Party(g.recipient.kind, g.recipient.value)
        discloser = Party(g.discloser.kind, g.discloser.value) if g.discloser else None
        requester = actors.get(r.requester_id)
        out.append({
            "id": r.id, "requester": names.get(r.requester_id, ""),
            "requester_role": t.role(requester.role) if requester else "",
            "reason": r.reason,
            "categories": [t.category(c) for c in Category if c in set(g.categories)],
            "purposes": [t.purpose(p) for p in Purpose if p in set(g.purposes)],
            "to": party_words(t, recipient, names), "from": party_words(t, discloser, names),
            "valid_to": g.valid_to, "created_at": r.created_at,
        })
    return out


def log_rows(session: Session, t: Translator, me: Actor, entries, grants: dict[str, Grant]) -> list[dict]:
    """Each log entry as a sentence a person reads, with its basis in words."""
    ids = [e.actor_id for e in entries] + [e.sender_id for e in entries] + [e.recipient_id for e in entries]
    names = _names(session, ids)

    def who(actor_id: str | None) -> str:
        if actor_id is None:
            return t("log.someone")
        return t("log.you") if actor_id == me.id else names.get(actor_id, t("log.someone"))

    rows = []
    for e in entries:
        key = f"tag.{e.tag}" if t.has(f"tag.{e.tag}") else "tag.unknown"
        text = t(key, actor=who(e.actor_id), sender=who(e.sender_id), recipient=who(e.recipient_id),
                 category=t.category(e.category) if e.category else "")
        basis = stopped = None
        if e.outcome == "permit":
            basis = basis_words(t, e, grants)
        elif e.outcome == "deny":
            code = (e.reason or "").split(":", 1)[0]
            stopped = t(f"deny.{code}") if t.has(f"deny.{code}") else t("deny.no_basis")
        rows.append({
            "seq": e.seq, "at": e.occurred_at, "text": text[:1].upper() + text[1:], "outcome": e.outcome,
            "purpose": t.purpose(e.purpose) if e.purpose else None, "basis": basis, "stopped": stopped, "tag": e.tag,
        })
    return rows


def basis_words(t: Translator, entry, grants: dict[str, Grant]) -> str:
    kind = entry.basis_kind
    if kind == "consent":
        grant = grants.get(entry.basis_ref or "")
        return t("basis.consent", date=t.date(grant.granted_at)) if grant else t("basis.consent_unknown")
    if kind == "statutory":
        law = entry.basis_text or entry.basis_ref or ""
        return t("basis.statutory_nav" if "/" in (entry.basis_ref or "") else "basis.statutory", law=law)
    if kind == "own":
        return t("basis.own")
    return entry.basis_text or ""


def portal_context(request: Request, session: Session, me: Actor, form: GrantForm | None = None) -> dict:
    t = translator(request)
    service = _consent(request)
    now = utcnow()
    my_cases = [c for c in case_service.cases_for(session, me) if c.employee_id == me.id]
    case_views = [_case_view(session, t, c) for c in my_cases]
    grants, _exclusions = service.state(session, me.id)
    ordered = sorted(grants.values(), key=lambda g: g.granted_at, reverse=True)
    names = _names(session, [g.recipient.value for g in ordered] + [g.discloser.value for g in ordered if g.discloser])
    rows = _grant_rows(t, ordered, names, now)
    entries = [e for e in audit.entries_about(session, me.id, limit=200) if e.tag in DISCLOSURE_TAGS][:LOG_PREVIEW]
    recipients = []
    for view in case_views:
        for p in view["participants"]:
            if not p["is_me"]:
                recipients.append({"value": f"person:{p['actor_id']}", "label": f"{p['name']} ({t.case_role(p['case_role'])})"})
    head = audit.latest_signed_head(session)
    return {
        "me": me,
        "active": "portal",
        "cases": case_views,
        "current_grants": [r for r in rows if r["status"] in ("active", "scheduled")],
        "past_grants": [r for r in rows if r["status"] in ("expired", "revoked")],
        "requests": _request_rows(session, t, me),
        "log": log_rows(session, t, me, entries, grants),
        "signed_head": head,
        "rules": service.rules,
        "form": form or GrantForm(case_id=my_cases[0].id if my_cases else ""),
        "recipient_people": recipients,
        "recipient_roles": [{"value": f"role:{r}", "label": t(f"party.role.{r}")} for r in ROLE_GRANTABLE],
        "categories": [{"value": c.value, "label": t.category(c)} for c in Category],
        "purposes": [{"value": p.value, "label": t.purpose(p)} for p in Purpose],
        "durations": DURATIONS,
    }


# --- routes ------------------------------------------------------------------------------


@router.get("")
def portal(request: Request, session: SessionDep, me: CurrentActor, undo: str | None = None) -> Response:
    if me.role != "employee":
        return redirect("/inbox")
    context = portal_context(request, session, me)
    context["undo"] = undo_offer(request, session, me, translator(request), undo)
    return render(request, "portal.html", context)


@router.get("/log")
def full_log(request: Request, session: SessionDep, me: CurrentActor, before: int | None = None) -> Response:
    _require_employee(me)
    t = translator(request)
    entries = audit.entries_about(session, me.id, limit=LOG_PAGE, before_seq=before if before and before > 0 else None)
    grants, _ = _consent(request).state(session, me.id)
    older = entries[-1].seq if len(entries) == LOG_PAGE else None
    return render(request, "portal_log.html", {
        "me": me, "active": "log", "log": log_rows(session, t, me, entries, grants), "older": older,
        "signed_head": audit.latest_signed_head(session),
    })


def _parse_grant_form(form, my_cases: dict[str, Case], allowed_people: dict[str, set[str]]) -> tuple[GrantForm, GrantCreate | None]:
    data = GrantForm(
        case_id=str(form.get("case_id") or ""),
        recipient=str(form.get("recipient") or ""),
        categories=[str(c) for c in form.getlist("categories")],
        purpose=str(form.get("purpose") or ""),
        weeks=str(form.get("weeks") or ""),
    )
    errors = data.errors
    if data.case_id not in my_cases:
        errors["case_id"] = "grant_form.err.case"
    kind, _, value = data.recipient.partition(":")
    recipient: PartyIn | None = None
    if kind == "person" and value in allowed_people.get(data.case_id, set()):
        recipient = PartyIn(kind=PartyKind.PERSON, id=value)
    elif kind == "role" and value in ROLE_GRANTABLE:
        recipient = PartyIn(kind=PartyKind.ROLE, role=CaseRole(value))
    else:
        errors["recipient"] = "grant_form.err.recipient"
    valid_categories = {c.value for c in Category}
    if not data.categories or any(c not in valid_categories for c in data.categories):
        errors["categories"] = "grant_form.err.categories"
    if data.purpose not in {p.value for p in Purpose}:
        errors["purpose"] = "grant_form.err.purpose"
    if not data.weeks.isdigit() or int(data.weeks) not in DURATIONS:
        errors["weeks"] = "grant_form.err.duration"
    if errors or recipient is None:
        return data, None
    grant = GrantCreate(
        recipient=recipient, categories=[Category(c) for c in dict.fromkeys(data.categories)],
        purposes=[Purpose(data.purpose)], valid_to=utcnow() + timedelta(weeks=int(data.weeks)), case_id=data.case_id,
    )
    return data, grant


@router.post("/grants")
def give_consent(request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    _require_employee(me)
    t = translator(request)
    my_cases = {c.id: c for c in case_service.cases_for(session, me) if c.employee_id == me.id}
    people = {cid: {p.actor_id for p in case_service.participants(session, cid) if p.actor_id != me.id} for cid in my_cases}
    data, grant = _parse_grant_form(form, my_cases, people)
    if grant is not None:
        try:
            made = _consent(request).grant(session, me, grant)
        except SambandError as exc:  # the service's own checks: nothing was written
            session.rollback()
            data.errors["form"] = error_words(t, exc)
        else:
            names = _names(session, [made.recipient.value])
            flash(request, t("flash.granted", who=party_words(t, made.recipient, names)))
            return redirect("/portal#grants")
    return render(request, "portal.html", portal_context(request, session, me, data), status=422)


@router.post("/grants/{grant_id}/revoke")
def withdraw_consent(grant_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    _require_employee(me)
    t = translator(request)
    grant = _consent(request).revoke(session, me, grant_id)
    names = _names(session, [grant.recipient.value])
    flash(request, t("flash.revoked", who=party_words(t, grant.recipient, names)))
    return redirect(f"/portal?undo={grant.grant_id}#undo")


@router.post("/requests/{request_id}/answer")
def answer_request(request_id: str, request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    _require_employee(me)
    t = translator(request)
    answer = str(form.get("answer") or "")
    if answer not in ("accept", "decline"):
        return render(request, "portal.html", portal_context(request, session, me), status=422)
    _consent(request).answer_request(session, me, request_id, answer == "accept")
    flash(request, t("flash.accepted" if answer == "accept" else "flash.declined"))
    return redirect("/portal#requests")


# --- withdrawing with a confirmation, and undoing it (issue 9) ----------------------------------
# The withdrawal takes effect at once (the product's promise).  For UNDO_SECONDS the
# portal offers to give the same consent again: a new grant with the same terms, made
# and logged like any other.  See docs/decisions/0009-confirm-and-undo.md.

UNDO_SECONDS = 30
UNDO_GRACE = timedelta(seconds=UNDO_SECONDS + 30)  # a slow phone still gets its undo


def _own_grant(request: Request, session: Session, me: Actor, grant_id: str) -> Grant:
    from consent.errors import GrantNotFound

    grant = _consent(request).state(session, me.id)[0].get(grant_id)
    if grant is None:
        raise GrantNotFound(f"you have no consent with id {grant_id}")
    return grant


def _restored(grants: dict[str, Grant], old: Grant) -> bool:
    """Whether the same consent was already given again after ``old`` was withdrawn."""
    return any(
        g.grant_id != old.grant_id and g.revoked_at is None and g.granted_at >= (old.revoked_at or old.granted_at)
        and g.recipient == old.recipient and g.categories == old.categories and g.purposes == old.purposes
        for g in grants.values()
    )


def undo_offer(request: Request, session: Session, me: Actor, t: Translator, grant_id: str | None) -> dict | None:
    """The undo the portal shows right after a withdrawal, while it may still be used."""
    if not grant_id:
        return None
    grants = _consent(request).state(session, me.id)[0]
    grant = grants.get(grant_id)
    now = utcnow()
    if grant is None or grant.revoked_at is None or now - grant.revoked_at > UNDO_GRACE or _restored(grants, grant):
        return None
    names = _names(session, [grant.recipient.value])
    left = max(1, UNDO_SECONDS - int((now - grant.revoked_at).total_seconds()))
    return {"grant_id": grant.grant_id, "who": party_words(t, grant.recipient, names), "seconds": left}


@router.get("/grants/{grant_id}/withdraw")
def confirm_withdraw(grant_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    """The confirmation, as a page: what withdrawing means, in plain words."""
    _require_employee(me)
    t = translator(request)
    grant = _own_grant(request, session, me, grant_id)
    if grant_status(grant, utcnow()) not in ("active", "scheduled"):
        return redirect("/portal#grants")
    names = _names(session, [grant.recipient.value])
    who = party_words(t, grant.recipient, names)
    categories = ", ".join(t.category(c) for c in Category if c in grant.categories)
    return render(request, "confirm.html", {
        "me": me, "active": "portal", "title": t("withdraw.title", who=who),
        "lines": [t("withdraw.what", who=who, categories=categories), t("withdraw.at_once"), t("withdraw.already"),
                  t("withdraw.undo", seconds=UNDO_SECONDS)],
        "action": f"/portal/grants/{grant.grant_id}/revoke", "confirm": t("withdraw.confirm"),
        "danger": True, "cancel": f"/portal#grant-{grant.grant_id}", "testid": "confirm-withdraw",
    })


@router.post("/grants/{grant_id}/undo")
def undo_withdraw(grant_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    """Give the withdrawn consent again, with the same terms (a new grant, logged)."""
    _require_employee(me)
    t = translator(request)
    grants = _consent(request).state(session, me.id)[0]
    old = _own_grant(request, session, me, grant_id)
    now = utcnow()
    if old.revoked_at is None or _restored(grants, old):
        return redirect("/portal#grants")
    if now - old.revoked_at > UNDO_GRACE or old.valid_to <= now:
        flash(request, t("flash.undo_too_late"), "error")
        return redirect("/portal#give")

    def party_in(party: Party) -> PartyIn:
        return PartyIn(kind=party.kind, role=CaseRole(party.value)) if party.kind is PartyKind.ROLE else PartyIn(kind=party.kind, id=party.value)

    again = GrantCreate(
        recipient=party_in(old.recipient), discloser=party_in(old.discloser) if old.discloser else None,
        direction=old.direction, categories=sorted(old.categories), purposes=sorted(old.purposes),
        valid_to=old.valid_to, case_id=old.case_id,
    )
    made = _consent(request).grant(session, me, again)
    names = _names(session, [made.recipient.value])
    flash(request, t("flash.undone", who=party_words(t, made.recipient, names)))
    return redirect(f"/portal#grant-{made.grant_id}")
