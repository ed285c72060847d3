"""Threads and messages: key hand-out, sending sealed envelopes, views, receipts, recall."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Request, Response

from directory.errors import SambandError
from messaging import threads
from messaging.delivery import Delivery, InvalidEnvelope
from messaging.schemas import KeyRequest, MessageCreate, ThreadCreate, ThreadPublic
from web.deps import CurrentActor, SessionDep, WriteSessionDep, require_explicit_read
from web.errors import responses

router = APIRouter(tags=["messages"])
public = APIRouter(tags=["messages"])  # the catalogue; no sign-in


def _delivery(request: Request) -> Delivery:
    return request.app.state.delivery


def _thread_public(session, thread) -> ThreadPublic:
    return ThreadPublic(
        id=thread.id, case_id=thread.case_id, topic=thread.topic, created_by=thread.created_by,
        created_at=thread.created_at, member_ids=threads.member_ids(session, thread.id),
    )


@router.post("/cases/{case_id}/threads", response_model=ThreadPublic, status_code=201, summary="Start a thread", responses=responses(409))
def create_thread(case_id: str, data: ThreadCreate, session: SessionDep, me: CurrentActor) -> ThreadPublic:
    return _thread_public(session, threads.create_thread(session, me, case_id, data.member_ids, data.topic))


@router.get("/cases/{case_id}/threads", response_model=list[ThreadPublic], summary="Your threads in a case")
def list_threads(case_id: str, session: SessionDep, me: CurrentActor) -> list[ThreadPublic]:
    return [_thread_public(session, t) for t in threads.threads_for(session, me, case_id)]


@router.post("/cases/{case_id}/threads/{thread_id}/keys", summary="Which recipients may get which categories, and their keys",
             responses=responses(409))
def key_handout(case_id: str, thread_id: str, data: KeyRequest, request: Request, session: SessionDep, me: CurrentActor) -> dict:
    """Ask before sealing.  Every (recipient, category) answer is logged for the employee;
    keys come only for recipients allowed at least one category."""
    offers, own = _delivery(request).key_handout(
        session, me, case_id, thread_id, data.categories, data.purpose, data.purposes, data.nav_summons
    )
    return {"recipients": [o.__dict__ for o in offers], "own_keys": own}


@router.get("/cases/{case_id}/threads/{thread_id}/messages", summary="Messages in a thread (metadata; content by view)")
def list_messages(case_id: str, thread_id: str, request: Request, session: SessionDep, me: CurrentActor) -> list[dict]:
    return _delivery(request).messages_in_thread(session, me, case_id, thread_id)


def _envelope_bytes(data: MessageCreate) -> bytes:
    try:
        return base64.urlsafe_b64decode(data.envelope + "=" * (-len(data.envelope) % 4))
    except (binascii.Error, ValueError):
        raise InvalidEnvelope("envelope must be base64url") from None


@router.post("/cases/{case_id}/threads/{thread_id}/messages", status_code=201, summary="Send a sealed message",
             responses=responses(409))
def send(case_id: str, thread_id: str, data: MessageCreate, request: Request, session: SessionDep, me: CurrentActor) -> dict:
    metrics = request.app.state.metrics
    try:
        raw = _envelope_bytes(data)
        message = _delivery(request).accept(session, me, case_id, thread_id, raw, data.purpose, data.purposes,
                                            nav_request=data.nav_request, nav_summons=data.nav_summons,
                                            plan_meta=data.plan, meeting=data.meeting,
                                            attachments=data.attachments)
    except SambandError as exc:
        metrics.messages_rejected.labels(reason=exc.code).inc()
        raise
    metrics.messages_accepted.inc()
    return {"id": message.id, "accepted_at": message.accepted_at, "purpose": message.purpose}


@router.get("/messages/{message_id}/view", summary="Your view of a message (sealed; your client opens it)",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}, **responses(410)},
            dependencies=[Depends(require_explicit_read)])
def view(message_id: str, request: Request, session: WriteSessionDep, me: CurrentActor, key_id: str | None = None) -> Response:
    _message, data, withheld = _delivery(request).view(session, me, message_id, key_id=key_id)
    headers = {"X-Withheld-Sections": ",".join(map(str, withheld)), "Cache-Control": "no-store"}
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.post("/messages/{message_id}/read", summary="Read receipt", responses=responses(410))
def mark_read(message_id: str, request: Request, session: SessionDep, me: CurrentActor) -> dict:
    receipt = _delivery(request).mark_read(session, me, message_id)
    return {"message_id": message_id, "delivered_at": receipt.delivered_at, "read_at": receipt.read_at}


@router.post("/messages/{message_id}/recall", summary="Recall a message you sent", responses=responses(409))
def recall(message_id: str, request: Request, session: SessionDep, me: CurrentActor) -> dict:
    message = _delivery(request).recall(session, me, message_id)
    return {"id": message.id, "recalled_at": message.recalled_at}


@public.get("/message-kinds", summary="The message kinds: fields, categories, dialogmelding equivalents")
def message_kinds() -> list[dict]:
    from messaging.kinds import catalog

    return catalog()
