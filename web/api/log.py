"""The disclosure log: the employee's own verifiable log, and the witnesses' view of heads.

``/consent/log`` shows a signed-in employee his own log (docs/disclosure-log.md): each
entry with its leaf bytes and an inclusion proof against the signed head returned with
it, so his browser checks every entry it shows.  ``/log/...`` is for witnesses, who
keep heads and ask for consistency proofs; it names logs only by their opaque ids and
wants the bearer token in ``SAMBAND_WITNESS_TOKEN``.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session, col, func, select

from consent import audit, logformat
from consent.errors import NotTheSubject
from consent.models import LogHead
from consent.schemas import ConsistencyPublic, LogEntryPublic, LogPublic, WitnessHeadsPublic
from directory import store as directory_store
from directory.errors import NotFound, SambandError
from web.deps import CurrentActor, SessionDep
from web.errors import ErrorPublic

router = APIRouter(prefix="/consent/log", tags=["disclosure log"])

Size = Annotated[int, Query(ge=0, le=2**31 - 1)]


def _employee(me) -> None:
    if me.role != "employee":
        raise NotTheSubject("the disclosure log is shown to the person it is about")


def _current(request: Request, session: Session, subject_id: str):
    """The subject's tree and its signed head at its current size, signing it first if
    no head covers it yet (only after the v2 migration, before the first append)."""
    tree = audit.tree_of(session, subject_id)
    if tree is not None and audit.head_at(session, tree.log_id, tree.size) is None:
        with Session(request.app.state.write_engine) as writing:
            audit.sign_missing_heads(writing, request.app.state.log_signer, subject_ids=[subject_id])
        session.commit()  # end the read snapshot, to see the head just signed
        tree = audit.tree_of(session, subject_id)
    signer = request.app.state.log_signer
    if tree is None:
        return None, audit.empty_head(subject_id, signer)
    return tree, audit.head_json(audit.head_at(session, tree.log_id, tree.size))


@router.get("", response_model=LogPublic, summary="Every disclosure and denial about you, with proofs")
def my_log(
    request: Request, session: SessionDep, me: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=500)] = 200, before: Annotated[int | None, Query(ge=0)] = None,
) -> LogPublic:
    """Newest first.  ``before`` is a leaf index: the page holds entries below it.
    Every ``inclusion_proof`` is against the returned ``head``."""
    _employee(me)
    tree, head = _current(request, session, me.id)
    size = head["tree_size"]
    entries = audit.entries_about(session, me.id, limit=limit, before_index=before, size=size)
    proofs = audit.Tree(audit.leaf_hashes(session, me.id, size)) if entries else None
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=list({e.recipient_id for e in entries if e.recipient_id}))}
    lowest = entries[-1].leaf_index if entries else 0
    return LogPublic(
        log_id=head["log_id"], head=head, public_key=logformat.public_key_json(request.app.state.log_signer.public_key()),
        entries=[
            LogEntryPublic(
                **{name: getattr(e, name) for name in _ENTRY_FIELDS}, recipient_name=names.get(e.recipient_id),
                index=e.leaf_index, leaf=audit.leaf_of(e).decode(),
                inclusion_proof=[p.hex() for p in proofs.inclusion_proof(e.leaf_index)],
            )
            for e in entries
        ],
        next_before=lowest if entries and lowest > 0 and len(entries) == limit else None,
    )


_ENTRY_FIELDS = (
    "seq", "entry_id", "occurred_at", "tag", "outcome", "actor_id", "sender_id", "recipient_id", "category", "purpose",
    "case_id", "basis_kind", "basis_ref", "basis_text", "reason",
)  # fmt: skip


@router.get("/consistency", response_model=ConsistencyPublic, summary="Proof that your log's newer head extends an older one")
def my_consistency(
    request: Request, session: SessionDep, me: CurrentActor, first: Size, second: Size | None = None,
) -> ConsistencyPublic:
    """``first``: the size of a head you kept (0 for none); ``second``: default the newest."""
    _employee(me)
    tree, head = _current(request, session, me.id)
    return ConsistencyPublic(**audit.consistency(session, tree, head["log_id"], first, second, request.app.state.log_signer))


# --- witnesses -----------------------------------------------------------------------------

NO_TOKEN = {"model": ErrorPublic, "description": "The bearer token is missing or not SAMBAND_WITNESS_TOKEN"}
WITNESS_OFF = {"model": ErrorPublic, "description": "SAMBAND_WITNESS_TOKEN is not set: the witness API is off"}


def _witness_only(request: Request) -> None:
    token = request.app.state.settings.witness_token
    if token is None:
        raise NotFound("the witness API is off on this server: set SAMBAND_WITNESS_TOKEN to turn it on", code="WITNESS_OFF")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Constant-time comparison: the time taken says nothing about how much was right.
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
        raise SambandError(
            "witnesses need 'Authorization: Bearer <token>' with the token in SAMBAND_WITNESS_TOKEN",
            code="UNAUTHENTICATED", status=401,
        )


# The token is checked before anything else about the request (a dependency runs first).
witness = APIRouter(prefix="/log", tags=["disclosure log"], dependencies=[Depends(_witness_only)])

LogId = Annotated[str, Query(min_length=0, max_length=64, pattern="^[0-9a-f]*$")]


@witness.get("/heads", response_model=WitnessHeadsPublic, summary="The newest signed head of every log, for witnesses",
             responses={401: NO_TOKEN, 404: WITNESS_OFF})
def heads(
    request: Request, session: SessionDep, after: LogId = "", limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> WitnessHeadsPublic:
    """Ordered by log id; ``after`` is the last log id of the previous page."""
    newest = (
        select(LogHead.log_id, func.max(LogHead.tree_size).label("size"))
        .where(LogHead.log_id > after).group_by(LogHead.log_id).order_by(LogHead.log_id).limit(limit).subquery()
    )
    rows = session.exec(
        select(LogHead).join(newest, (LogHead.log_id == newest.c.log_id) & (LogHead.tree_size == newest.c.size))
        .order_by(col(LogHead.log_id))
    ).all()
    return WitnessHeadsPublic(
        heads=[audit.head_json(h) for h in rows], next_after=rows[-1].log_id if len(rows) == limit else None,
    )


@witness.get("/{log_id}/consistency", response_model=ConsistencyPublic,
             summary="Proof that one log's newer head extends an older one, for witnesses",
             responses={401: NO_TOKEN, 404: WITNESS_OFF})
def log_consistency(request: Request, session: SessionDep, log_id: str, first: Size, second: Size | None = None) -> ConsistencyPublic:
    tree = audit.tree_by_log_id(session, log_id)
    if tree is None:
        raise NotFound("no log has this id (a log id is 64 hex digits from GET /log/heads)")
    if second is None and audit.head_at(session, tree.log_id, tree.size) is None:
        newest = audit.latest_head(session, tree.subject_id)  # the newest entries are not signed yet
        second = newest.tree_size if newest else 0
    return ConsistencyPublic(**audit.consistency(session, tree, log_id, first, second, request.app.state.log_signer))
