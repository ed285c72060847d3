"""The disclosure log, as the employee sees it."""

from __future__ import annotations

import base64
from typing import Annotated

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter, Query, Request

from consent import audit
from consent.errors import NotTheSubject
from consent.schemas import LogEntryPublic, LogPublic, SignedHeadPublic
from directory import store as directory_store
from web.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/consent/log", tags=["disclosure log"])


def _public_key(request: Request) -> str:
    raw = request.app.state.log_signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@router.get("", response_model=LogPublic, summary="Every disclosure and denial about you")
def my_log(
    request: Request, session: SessionDep, me: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=500)] = 200, before: Annotated[int | None, Query(ge=1)] = None,
) -> LogPublic:
    if me.role != "employee":
        raise NotTheSubject("the disclosure log is shown to the person it is about")
    entries = audit.entries_about(session, me.id, limit=limit, before_seq=before)
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=list({e.recipient_id for e in entries if e.recipient_id}))}
    head = audit.latest_signed_head(session)
    return LogPublic(
        entries=[
            LogEntryPublic.model_validate(e, from_attributes=True).model_copy(update={"recipient_name": names.get(e.recipient_id)})
            for e in entries
        ],
        signed_head=None if head is None else SignedHeadPublic(
            seq=head.seq, entry_hash=head.entry_hash, key_id=head.key_id, signature=head.signature,
            signed_at=head.signed_at, public_key=_public_key(request),
        ),
    )
