"""The employee's own page (``/portal``): their case, who takes part and why, who may see
what (with one-click withdrawal), consent requests, the disclosure log, the timeline.

Forms post here, call the consent service, and redirect back with a message (PRG).  A
form with mistakes is shown again with the mistakes marked and nothing written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from consent import audit
from consent.errors import ExclusionNotFound
from consent.schemas import ExclusionCreate, GrantCreate, PartyIn
from consent.service import ConsentService, grant_status
from consent.store import consent_requests_for
from consent.types import Category, Grant, Party, PartyKind, Purpose
from directory import admin as directory_admin
from directory import store as directory_store
from directory.columns import utcnow
from directory.errors import SambandError
from directory.models import Actor
from directory.types import CaseRole
from messaging import cases as case_service
from messaging import plan as plan_service
from messaging.models import Case
from web.deps import CurrentActor, SessionDep
from web.i18n import ROLE_GRANTABLE, Translator
from web.pages import coordinator as coordinator_page
from web.pages import log_lines
from web.pages.render import FormDep, PageRoute, error_words, flash, redirect, render, translator
from web.pages.inbox import closure_view, portal_thread_url, task_views
from web.pages.threads import conversations

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PageRoute)

DURATIONS = (4, 8, 12, 26)  # weeks
LOG_PREVIEW = 5  # lines on /portal
LOG_SCAN = 300  # the newest entries /portal groups them from
LOG_PAGE = 1000  # entries /portal/log groups per page (older ones: ?before=<seq>)
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
    milestones = case_service.case_milestones(session, case)
    latest_plan = plan_service.latest_for(session, directory_store.get_actor(session=session, actor_id=case.employee_id),
                                         case.id)
    return {
        "plan_url": (f"{portal_thread_url(case.id, latest_plan[0])}?plan=latest#msg-{latest_plan[1]}"
                     if latest_plan else None),
        "case": case,
        "participants": [
            {"actor_id": p.actor_id, "name": actors[p.actor_id].name, "case_role": p.case_role, "reason": p.reason,
             "added_at": p.added_at, "can_receive": p.actor_id in reachable, "is_me": p.actor_id == case.employee_id}
            for p in rows if p.actor_id in actors
        ],
        "milestones": milestones,
        "closure": closure_view(t, case),
        "coordinator": coordinator_page.portal_part(session, t, case),
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
    """The log as lines a person reads, newest first: one per message per recipient,
    per stopped attempt, per other event, each with its chained entries
    (``technical``) to fold beneath it.  See ``web.pages.log_lines``."""
    return log_lines.group(session, t, me, entries, grants)


basis_words = log_lines.basis_words  # the basis of one entry, in words


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
    lines = [
        line for line in log_rows(session, t, me, audit.entries_about(session, me.id, limit=LOG_SCAN), grants)
        if any(e["tag"] in DISCLOSURE_TAGS for e in line["technical"])
    ][:LOG_PREVIEW]
    recipients = []
    for view in case_views:
        for p in view["participants"]:
            if not p["is_me"]:
                recipients.append({"value": f"person:{p['actor_id']}", "label": f"{p['name']} ({t.case_role(p['case_role'])})"})
    head = audit.latest_head(session, me.id)
    return {
        "me": me,
        "active": "portal",
        "cases": case_views,
        "current_grants": [r for r in rows if r["status"] in ("active", "scheduled")],
        "past_grants": [r for r in rows if r["status"] in ("expired", "revoked")],
        "requests": _request_rows(session, t, me),
        "log": lines,
        "signed_head": head,
        "rules": service.rules,
        "form": form or GrantForm(case_id=my_cases[0].id if my_cases else ""),
        "recipient_people": recipients,
        "recipient_roles": [{"value": f"role:{r}", "label": t(f"party.role.{r}")} for r in ROLE_GRANTABLE],
        "categories": [{"value": c.value, "label": t.category(c)} for c in Category],
        "purposes": [{"value": p.value, "label": t.purpose(p)} for p in Purpose],
        "durations": DURATIONS,
        **conversations(request, session, me, my_cases),
        "people": people_control(request, session, me),
        "tasks": task_views(t, session, me), "task_action": "/inbox/tasks/{id}/done",
        "pending_relations": _pending_relations(session, me),
    }


def _pending_relations(session: Session, me: Actor) -> list[dict]:
    """Who samband was told follows the employee up, not yet confirmed or disputed (issue 12)."""
    pending = directory_admin.pending_confirmations(session, me.id)
    orgs = directory_store.organisations_by_id(session=session, ids=[a.organisation_id for _, a in pending])
    return [
        {"id": rel.id, "kind": rel.kind, "name": who.name,
         "where": ", ".join(p for p in (who.title, orgs[who.organisation_id].name if who.organisation_id in orgs else "") if p)}
        for rel, who in pending
    ]


# --- routes ------------------------------------------------------------------------------


@router.get("")
def portal(request: Request, session: SessionDep, me: CurrentActor, undo: str | None = None) -> Response:
    if me.role != "employee":
        return redirect("/inbox")
    context = portal_context(request, session, me)
    context["undo"] = undo_offer(request, session, me, translator(request), undo)
    return render(request, "portal.html", context)


@router.get("/log")
def full_log(
    request: Request, session: SessionDep, me: CurrentActor, before: int | None = None, person: str = ""
) -> Response:
    """The whole log, grouped into lines; ``person`` shows only the lines naming them
    (a plain GET form), ``before`` pages back through older entries."""
    _require_employee(me)
    t = translator(request)
    entries = audit.entries_about(session, me.id, limit=LOG_PAGE, before_index=before if before and before > 0 else None)
    grants, _ = _consent(request).state(session, me.id)
    older = entries[-1].leaf_index if len(entries) == LOG_PAGE and entries[-1].leaf_index > 0 else None
    lines = log_rows(session, t, me, entries, grants)
    people = log_lines.people(session, me, lines)
    chosen = next((p for p in people if p["id"] == person), None)
    problem = t("log.filter.unknown") if person and chosen is None else None
    if chosen is not None:
        lines = [line for line in lines if chosen["id"] in line["people"]]
    return render(request, "portal_log.html", {
        "me": me, "active": "log", "log": lines, "older": older, "people": people, "person": chosen,
        "filter_error": problem, "signed_head": audit.latest_head(session, me.id),
    }, status=422 if problem else 200)


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


# --- who follows me up: confirm or dispute (issue 12) ------------------------------------


@router.post("/relations/{relation_id}/confirm")
def confirm_relation(relation_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    """"Er Lise Berg din nærmeste leder?" Ja."""
    return _answer_relation(request, session, me, relation_id, agree=True)


@router.post("/relations/{relation_id}/dispute")
def dispute_relation(relation_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    """"Nei, det stemmer ikke": a disputed manager takes no part in the case until an
    operator puts it right (docs/decisions/0015-provisioning.md)."""
    return _answer_relation(request, session, me, relation_id, agree=False)


def _answer_relation(request: Request, session: Session, me: Actor, relation_id: str, *, agree: bool) -> Response:
    _require_employee(me)
    t = translator(request)
    try:
        rel = directory_admin.answer_relation(session, me, relation_id, agree=agree)
    except SambandError:
        raise _not_yours() from None
    if not agree:
        # Not his manager (or GP): out of his cases at once, logged in his log as a removal;
        # the disputed relation lets nobody add them back until an operator resolves it.
        for case in case_service.cases_for(session, me):
            if case.employee_id == me.id and case_service.participant(session, case.id, rel.from_actor_id):
                case_service.remove_participant(session, me, case.id, rel.from_actor_id)
    names = _names(session, [rel.from_actor_id])
    flash(request, t("flash.relation_confirmed" if agree else "flash.relation_disputed",
                     name=names.get(rel.from_actor_id, "")))
    return redirect("/portal")


# --- who takes part: remove, exclude, lift (issue 9) ---------------------------------------
# Every act here goes in two steps that work without scripts: a GET shows in plain
# words what will happen, and only its POST (CSRF-checked) does it.  The result is a
# notice at the top of the section, which the redirect's fragment gives focus to.

NOTICE_KEY = "people_notice"
PEOPLE_BACK = "/portal#people-control"


@dataclass
class PeopleScope:
    """Whom the employee may exclude from his pages: the people in his cases and the
    people related to him in the directory, and their organisations."""

    people: dict[str, Actor]
    roles: dict[str, str]  # actor id -> case role (by relation or in the case)
    in_case: dict[str, str]  # actor id -> id of the case they take part in
    organisations: dict[str, str]  # organisation id -> name


def _people_scope(session: Session, me: Actor) -> PeopleScope:
    now = utcnow()
    roles, in_case = {}, {}
    for case in case_service.cases_for(session, me):
        if case.employee_id != me.id:
            continue
        for p in case_service.participants(session, case.id):
            if p.actor_id != me.id:
                roles[p.actor_id], in_case[p.actor_id] = p.case_role, case.id
    for relation in directory_store.active_relations_to(session=session, to_actor_id=me.id, at=now):
        if relation.from_actor_id not in roles:
            role = case_service.relation_role(session, relation.from_actor_id, me.id, at=now)
            if role is not None:
                roles[relation.from_actor_id] = role.value
    people = {a.id: a for a in directory_store.actors_by_ids(session=session, ids=list(roles))}
    orgs = directory_store.organisations_by_id(session=session, ids=[a.organisation_id for a in people.values()])
    return PeopleScope(people, roles, in_case, {o.id: o.name for o in orgs.values()})


def _exclusion_words(t: Translator, e, names: dict[str, str]) -> str:
    if e.actor_id is not None:
        return names.get(e.actor_id, t("log.someone"))
    everyone = t("people.everyone_at", org=names.get(e.organisation_id or "", ""))
    if not e.except_ids:
        return everyone
    return t("people.everyone_at_except", everyone=everyone,
             names=", ".join(sorted(names.get(i, "") for i in e.except_ids)))


def people_control(request: Request, session: Session, me: Actor) -> dict:
    """The section's view: who takes part, who else could, who is excluded, the attempts."""
    t = translator(request)
    scope = _people_scope(session, me)
    _, exclusions = _consent(request).state(session, me.id)
    active = sorted((e for e in exclusions.values() if e.lifted_at is None), key=lambda e: e.created_at)
    attempts = case_service.refused_attempts(session, me.id)
    names = _names(session, [i for e in active for i in (e.actor_id, e.organisation_id, *e.except_ids)]
                   + [x for a in attempts for x in (a.actor_id, a.recipient_id)])

    def person(actor_id: str) -> dict:
        a = scope.people[actor_id]
        return {"id": a.id, "name": a.name, "role": t.case_role(scope.roles[a.id]), "case_id": scope.in_case.get(a.id)}

    ordered = sorted(scope.people, key=lambda i: scope.people[i].name)
    return {
        "notice": request.session.pop(NOTICE_KEY, None) if "session" in request.scope else None,
        "taking_part": [person(i) for i in ordered if i in scope.in_case],
        "others": [person(i) for i in ordered if i not in scope.in_case and i not in {e.actor_id for e in active}],
        "organisations": sorted(({"id": k, "name": v} for k, v in scope.organisations.items()), key=lambda o: o["name"]),
        "exclusions": [{"id": e.exclusion_id, "who": _exclusion_words(t, e, names), "since": e.created_at} for e in active],
        "attempts": [{"text": t("people.attempt", actor=names.get(a.actor_id, t("log.someone")),
                                recipient=names.get(a.recipient_id, t("log.someone"))), "at": a.occurred_at}
                     for a in attempts],
    }


def _notice(request: Request, text: str) -> Response:
    request.session[NOTICE_KEY] = text
    return redirect("/portal#people-notice")


def _confirm(request: Request, me: Actor, **context) -> Response:
    return render(request, "confirm.html", {"me": me, "active": "portal", "cancel": PEOPLE_BACK, **context})


@router.get("/exclusions/new")
def exclude_confirm(request: Request, session: SessionDep, me: CurrentActor, actor_id: str = "",
                    organisation_id: str = "") -> Response:
    _require_employee(me)
    t = translator(request)
    scope = _people_scope(session, me)
    if actor_id in scope.people:
        name = scope.people[actor_id].name
        return _confirm(
            request, me, title=t("confirm.exclude.title", name=name),
            points=[t("confirm.exclude.out" if actor_id in scope.in_case else "confirm.exclude.not_in", name=name),
                    t("confirm.exclude.never", name=name), t("confirm.exclude.lift", name=name)],
            action="/portal/exclusions", fields={"actor_id": actor_id}, submit=t("confirm.exclude.submit", name=name),
        )
    if organisation_id in scope.organisations:
        org = scope.organisations[organisation_id]
        there = [{"id": a.id, "name": a.name, "role": t.case_role(scope.roles[a.id])}
                 for a in sorted(scope.people.values(), key=lambda a: a.name) if a.organisation_id == organisation_id]
        return _confirm(
            request, me, title=t("confirm.exclude_org.title", org=org),
            points=[t("confirm.exclude_org.out", org=org), t("confirm.exclude_org.never", org=org),
                    t("confirm.exclude_org.lift")],
            action="/portal/exclusions", fields={"organisation_id": organisation_id}, exceptions=there,
            submit=t("confirm.exclude_org.submit", org=org),
        )
    raise _not_yours()


def _not_yours() -> SambandError:
    # Only ids the page offered get here; anything else is the made-up id's answer.
    return SambandError("no such person or organisation among yours", code="NOT_FOUND", status=404)


@router.post("/exclusions")
def exclude(request: Request, session: SessionDep, me: CurrentActor, form: FormDep) -> Response:
    _require_employee(me)
    t = translator(request)
    scope = _people_scope(session, me)
    actor_id, organisation_id = str(form.get("actor_id") or ""), str(form.get("organisation_id") or "")
    if actor_id in scope.people:
        data, who = ExclusionCreate(actor_id=actor_id), scope.people[actor_id].name
    elif organisation_id in scope.organisations:
        at_org = {a.id for a in scope.people.values() if a.organisation_id == organisation_id}
        excepted = [str(i) for i in form.getlist("except_ids") if str(i) in at_org]
        data = ExclusionCreate(organisation_id=organisation_id, except_ids=excepted)
        who = t("people.everyone_at", org=scope.organisations[organisation_id])
    else:
        raise _not_yours()
    _exclusion, ended = case_service.exclude(session, _consent(request), me, data)
    names = _names(session, [row.actor_id for row in ended])
    text = t("people.done.excluded", who=who)
    if ended:
        text += " " + t("people.done.ended", names=", ".join(sorted(names.get(r.actor_id, "") for r in ended)))
    return _notice(request, text)


def _my_active_exclusion(request: Request, session: Session, me: Actor, exclusion_id: str):
    """The exclusion in force and whom it names, in words."""
    e = _consent(request).state(session, me.id)[1].get(exclusion_id)
    if e is None or e.lifted_at is not None:
        raise ExclusionNotFound(f"you have no exclusion {exclusion_id} in force")
    return e, _exclusion_words(translator(request), e, _names(session, [e.actor_id, e.organisation_id, *e.except_ids]))


@router.get("/exclusions/{exclusion_id}/lift")
def lift_confirm(exclusion_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    _require_employee(me)
    t = translator(request)
    e, who = _my_active_exclusion(request, session, me, exclusion_id)
    return _confirm(
        request, me, title=t("confirm.lift.title", who=who),
        points=[t("confirm.lift.consent", who=who), t("confirm.lift.not_back", who=who)],
        action=f"/portal/exclusions/{e.exclusion_id}/lift", fields={}, submit=t("confirm.lift.submit"),
    )


@router.post("/exclusions/{exclusion_id}/lift")
def lift(exclusion_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    _require_employee(me)
    t = translator(request)
    e, who = _my_active_exclusion(request, session, me, exclusion_id)
    _consent(request).lift_exclusion(session, me, e.exclusion_id)
    return _notice(request, t("people.done.lifted", who=who))


def _my_participant(session: Session, me: Actor, case_id: str, actor_id: str) -> Actor:
    case = case_service.require_case(session, me, case_id)
    if case.employee_id != me.id:
        raise case_service.CaseNotFound(f"no case {case_id} of yours")
    row = case_service.participant(session, case.id, actor_id)
    actor = directory_store.get_actor(session=session, actor_id=actor_id) if row is not None else None
    if actor is None or actor_id == me.id:
        raise SambandError(f"{actor_id} does not take part in this case", code="PARTICIPANT_NOT_FOUND", status=404)
    return actor


@router.get("/cases/{case_id}/participants/{actor_id}/remove")
def remove_confirm(case_id: str, actor_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    _require_employee(me)
    t = translator(request)
    name = _my_participant(session, me, case_id, actor_id).name
    return _confirm(
        request, me, title=t("confirm.remove.title", name=name),
        points=[t("confirm.remove.out", name=name), t("confirm.remove.again", name=name)],
        action=f"/portal/cases/{case_id}/participants/{actor_id}/remove", fields={},
        submit=t("confirm.remove.submit", name=name),
        alternative={"href": f"/portal/exclusions/new?actor_id={actor_id}", "text": t("confirm.remove.exclude", name=name)},
    )


@router.post("/cases/{case_id}/participants/{actor_id}/remove")
def remove(case_id: str, actor_id: str, request: Request, session: SessionDep, me: CurrentActor) -> Response:
    _require_employee(me)
    t = translator(request)
    name = _my_participant(session, me, case_id, actor_id).name
    case_service.remove_participant(session, me, case_id, actor_id)
    return _notice(request, t("people.done.removed", name=name))


# --- withdrawing with a confirmation, and undoing it (issue 9) ----------------------------------
# The withdrawal takes effect at once (the product's promise).  For UNDO_SECONDS the
# portal offers to give the same consent again: a new grant with the same terms, made
# and logged like any other.  See docs/decisions/0011-confirm-and-undo.md.

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
        "points": [t("withdraw.what", who=who, categories=categories), t("withdraw.at_once"), t("withdraw.already"),
                   t("withdraw.undo", seconds=UNDO_SECONDS)],
        "action": f"/portal/grants/{grant.grant_id}/revoke", "submit": t("withdraw.confirm"),
        "cancel": f"/portal#grant-{grant.grant_id}", "testid": "confirm-withdraw",
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
