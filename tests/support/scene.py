"""One demo case with everything a case can hold: consents, an exclusion, a consent
request, a NAV request, a thread, a sealed message, and a held meeting with a task.

The demo world (``web.demo``) has people, relations and cases but no conversation yet.
``furnish_case`` adds one to Per Hansen's case, through the API as real clients would,
and returns the ids, so tests that must reach past "no such thread" (the fuzzer, the
authorisation matrix) have something real to aim at.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from messaging.client import SambandClient
from messaging.keys import Identity
from tests.support.tokens import login
from web.demo import Demo

TOPIC = "adaptation_question"
QUESTION = {
    "job_description": "Regnskapsfører, mye skjermarbeid.",
    "adaptation_options": "Hev-senk-pult, kortere dager, hjemmekontor.",
    "other_question": "Kan han jobbe redusert med lettere oppgaver?",
    "proposed_grade": 50,
}
REQUEST_REASON = "NAV trenger funksjonsvurderingen for å vurdere sykepengene dine"
NAV_REFERENCE = "NAV-REF-HANSEN-0001"


@dataclass(frozen=True)
class CaseScene:
    """Ids in Per Hansen's case (the employee is ``hansen``)."""

    case_id: str
    employee_id: str
    thread_id: str
    message_id: str
    grant_ids: tuple[str, ...]
    exclusion_id: str
    request_id: str
    nav_request_id: str
    meeting_id: str
    task_id: str
    attachment_id: str  # a PNG in the message's work_tasks section


def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def keyed_client(base_url: str, data_dir: Path, username: str) -> SambandClient:
    """A client holding the demo person's private keys (from the demo key store)."""
    store = Path(data_dir) / "demo-keystores" / f"{username}.json"
    return SambandClient(base_url, login(base_url, username), Identity.from_json(json.loads(store.read_text())))


def furnish_case(base_url: str, data_dir: Path, demo: Demo) -> CaseScene:
    """Give Hansen's case consents, an exclusion, requests, a thread and a message."""
    d, case_id = demo.actors, demo.cases["hansen"]
    until = (datetime.now(UTC) + timedelta(weeks=8)).isoformat()
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {login(base_url, 'hansen')}"}, timeout=30) as hansen:
        grants = (
            _ok(hansen.post("/consent/grants", json={
                "recipient": {"kind": "role", "role": "gp"}, "categories": ["work_tasks", "sick_leave"],
                "purposes": ["workplace_adaptation"], "valid_to": until, "case_id": case_id}), 201)["id"],
            _ok(hansen.post("/consent/grants", json={
                "recipient": {"kind": "person", "id": d["lise"]}, "categories": ["functional_ability"],
                "purposes": ["workplace_adaptation"], "valid_to": until, "case_id": case_id}), 201)["id"],
        )
        exclusion = _ok(hansen.post("/consent/exclusions", json={"actor_id": d["ole"]}), 201)["id"]
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {login(base_url, 'eide')}"}, timeout=30) as nav:
        request = _ok(nav.post("/consent/requests", json={
            "subject_id": d["hansen"], "reason": REQUEST_REASON, "grant": {
                "recipient": {"kind": "person", "id": d["eide"]}, "categories": ["functional_ability"],
                "purposes": ["nav_benefit_assessment"], "valid_to": until, "case_id": case_id}}), 201)["id"]
        nav_request = _ok(nav.post("/consent/nav-requests", json={
            "subject_id": d["hansen"], "addressee_id": d["solberg"], "categories": ["functional_ability"],
            "reference": NAV_REFERENCE}), 201)["id"]
    picture = Path(data_dir) / "scene-workplace.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with keyed_client(base_url, data_dir, "lise") as lise:
        thread = lise.start_thread(case_id, [d["solberg"], d["eide"]], topic=TOPIC)
        message = lise.send(case_id, thread["id"], TOPIC, QUESTION, attachments={"work_tasks": [picture]})
    meeting_id, task_id = str(uuid.uuid4()), str(uuid.uuid4())
    with keyed_client(base_url, data_dir, "eide") as eide:  # NAV calls dialogue meeting 2 in that thread
        eide.send(case_id, thread["id"], "meeting_invitation", {
            "meeting_type": "dialogue_meeting_2", "starts_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
            "place": "NAV Oslo"}, meeting={"meeting_id": meeting_id, "meeting_type": "dialogue_meeting_2"})
        eide.send(case_id, thread["id"], "minutes", {"held_on": date.today().isoformat(), "summary": "Avtalt plan."},
                  meeting={"meeting_id": meeting_id, "tasks": [{"task_id": task_id, "owner_id": d["solberg"]}]})
    return CaseScene(
        case_id=case_id, employee_id=d["hansen"], thread_id=thread["id"], message_id=message["id"],
        grant_ids=grants, exclusion_id=exclusion, request_id=request, nav_request_id=nav_request,
        meeting_id=meeting_id, task_id=task_id,
        attachment_id=message["attachments"][0],
    )


def case_bodies(scene: CaseScene, demo: Demo, envelope_b64: str) -> dict[tuple[str, str], dict | None]:
    """A valid-looking JSON body for each API route that writes, aimed at Hansen's case.

    ``None`` for routes that take no body.  A value may need the caller's id: the
    placeholder ``"<me>"`` stands for it (``with_caller``).
    """
    d = demo.actors
    until = (datetime.now(UTC) + timedelta(weeks=8)).isoformat()
    grant = {"recipient": {"kind": "person", "id": d["lise"]}, "categories": ["functional_ability"],
             "purposes": ["workplace_adaptation"], "valid_to": until, "case_id": scene.case_id}
    return {
        ("POST", "/consent/grants"): grant,
        ("POST", "/consent/grants/{grant_id}/revoke"): None,
        ("POST", "/consent/exclusions"): {"actor_id": scene.employee_id},
        ("POST", "/consent/exclusions/{exclusion_id}/lift"): None,
        ("POST", "/consent/requests"): {"subject_id": scene.employee_id, "reason": REQUEST_REASON, "grant": grant},
        ("POST", "/consent/requests/{request_id}/answer"): {"accept": True},
        ("POST", "/consent/nav-requests"): {"subject_id": scene.employee_id, "addressee_id": d["solberg"],
                                            "categories": ["functional_ability"]},
        ("POST", "/consent/decisions"): {"subject_id": scene.employee_id, "recipient_id": "<me>",
                                         "category": "functional_ability", "purpose": "workplace_adaptation",
                                         "case_id": scene.case_id},
        ("POST", "/cases/{case_id}/participants"): {"actor_id": d["kari"], "reason": "HR hjelper med tilrettelegging"},
        ("POST", "/cases/{case_id}/participants/{actor_id}/remove"): None,
        ("POST", "/cases/{case_id}/close"): {"reason": "back_at_work"},
        ("POST", "/cases/{case_id}/grades"): {"from_date": datetime.now(UTC).date().isoformat(), "grade": 50},
        ("POST", "/cases/{case_id}/threads"): {"member_ids": [d["solberg"]], "topic": "conversation"},
        ("POST", "/cases/{case_id}/threads/{thread_id}/keys"): {"categories": ["functional_ability"],
                                                                "purpose": "workplace_adaptation"},
        ("POST", "/cases/{case_id}/threads/{thread_id}/messages"): {"envelope": envelope_b64},
        ("POST", "/cases/{case_id}/plan/thread"): None,
        ("POST", "/cases/{case_id}/plan/share-thread"): {"recipient_id": d["solberg"]},
        ("POST", "/cases/{case_id}/plan/evaluated"): {"number": 1},
        ("POST", "/messages/{message_id}/read"): None,
        # the coordinator (issue 11)
        ("POST", "/cases/{case_id}/coordinator"): {"actor_id": d["vold"]},
        ("POST", "/cases/{case_id}/coordinator/hand-over"): {"actor_id": d["vold"]},
        ("POST", "/cases/{case_id}/coordinator/end"): None,
        ("POST", "/cases/{case_id}/coordinator/view"): {"agreed": True},
        ("POST", "/messages/{message_id}/recall"): None,
        ("POST", "/cases/{case_id}/threads/{thread_id}/attachments"): {"size": 1000},
        ("PUT", "/cases/{case_id}/threads/{thread_id}/attachments/{attachment_id}/chunks/{index}"): None,
        ("POST", "/cases/{case_id}/threads/{thread_id}/attachments/{attachment_id}/complete"): None,
        ("POST", "/directory/me/keys/{key_id}/revoke"): None,
        ("POST", "/me/tasks/{task_id}/done"): None,
        # provisioning (issue 12): operators only
        ("POST", "/admin/organisations"): {"kind": "employer", "name": "Nordlys Datter AS", "org_number": "974760673",
                                           "parent_id": demo.organisations["nordlys"]},
        ("PATCH", "/admin/organisations/{organisation_id}"): {"name": "Nordlys Omdøpt AS"},
        ("POST", "/admin/actors"): {"name": "Ny Leder", "role": "nearest_manager", "organisation_id": demo.organisations["nordlys"]},
        ("PATCH", "/admin/actors/{actor_id}"): {"title": "Regnskapssjef"},
        ("POST", "/admin/relations"): {"kind": "nearest_manager_of", "from_actor": "<me>", "to_actor": scene.employee_id},
        ("POST", "/admin/relations/{relation_id}/end"): None,
        ("POST", "/admin/manager"): {"employee": scene.employee_id, "manager": "<me>"},
    }


def case_forms(scene: CaseScene, demo: Demo) -> dict[tuple[str, str], dict]:
    """The portal's forms, filled in as if for Hansen's case (the CSRF token is added by the caller)."""
    d = demo.actors
    return {
        ("POST", "/portal/grants"): {"case_id": scene.case_id, "recipient": f"person:{d['lise']}",
                                     "categories": "functional_ability", "purpose": "workplace_adaptation", "weeks": "8"},
        ("POST", "/portal/grants/{grant_id}/revoke"): {},
        ("POST", "/portal/grants/{grant_id}/undo"): {},
        ("POST", "/portal/requests/{request_id}/answer"): {"answer": "accept"},
        ("POST", "/inbox/cases/{case_id}/threads"): {"member_ids": d["solberg"], "topic": "conversation"},
        ("POST", "/portal/cases/{case_id}/threads"): {"member_ids": d["solberg"], "topic": "conversation"},
        ("POST", "/inbox/cases/{case_id}/participants"): {"actor_id": d["kari"], "reason": "HR hjelper med tilrettelegging"},
        ("POST", "/inbox/messages/{message_id}/recall"): {},
        ("POST", "/inbox/cases/{case_id}/close"): {"reason": "back_at_work"},
        ("POST", "/inbox/tasks/{task_id}/done"): {},
        # who takes part (issue 9): the employee's own controls
        ("POST", "/portal/exclusions"): {"actor_id": d["lise"]},
        ("POST", "/portal/exclusions/{exclusion_id}/lift"): {},
        ("POST", "/portal/cases/{case_id}/participants/{actor_id}/remove"): {},
        # the coordinator (issue 11)
        ("POST", "/inbox/cases/{case_id}/coordinator"): {"actor_id": d["vold"], "action": "appoint",
                                                         "employee_agreed": "not_asked"},
        ("POST", "/inbox/cases/{case_id}/coordinator/end"): {},
        ("POST", "/portal/cases/{case_id}/coordinator/view"): {"answer": "agree"},
        ("POST", "/inbox/cases/{case_id}/plan/share"): {"recipient_id": d["solberg"]},
        # the employee confirms or disputes who his manager is (issue 12)
        ("POST", "/portal/relations/{relation_id}/confirm"): {},
        ("POST", "/portal/relations/{relation_id}/dispute"): {},
    }


def with_caller(body, caller_id: str):
    """``body`` with every ``"<me>"`` replaced by the caller's id."""
    if isinstance(body, dict):
        return {k: with_caller(v, caller_id) for k, v in body.items()}
    if isinstance(body, list):
        return [with_caller(v, caller_id) for v in body]
    return caller_id if body == "<me>" else body
