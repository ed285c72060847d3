"""Consent queries.  Keyword-only ``session``; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from consent.models import ConsentEvent, ConsentRequestRow, NavRequestRow, NavSummonsRow

# The consent gate runs these two on every disclosure.  Built once, and returning rows
# rather than entities: building a statement and loading ORM objects cost several
# times what SQLite takes to answer.
_E = ConsentEvent.__table__.c  # type: ignore[attr-defined]
_EVENT_ROWS = (
    core_select(_E.seq, _E.kind, _E.subject_id, _E.target_id, _E.payload, _E.recorded_at)
    .where(_E.subject_id == bindparam("subject_id"))
    .order_by(_E.seq)
)
_N = NavRequestRow.__table__.c  # type: ignore[attr-defined]
_OPEN_NAV_ROWS = core_select(*_N).where(
    _N.subject_id == bindparam("subject_id"),
    _N.addressee_id == bindparam("addressee_id"),
    _N.expires_at > bindparam("at"),
)

_S = NavSummonsRow.__table__.c  # type: ignore[attr-defined]
_OPEN_SUMMONS_ROWS = core_select(*_S).where(
    _S.subject_id == bindparam("subject_id"),
    _S.convener_id == bindparam("convener_id"),
    _S.expires_at > bindparam("at"),
)


def _autoflush(session: Session) -> None:
    # A Core statement does not autoflush the way an ORM query does; flush here so
    # that events added earlier in the same transaction are seen, as before.
    if session.autoflush:
        session.flush()


def event_rows_for(*, session: Session, subject_id: str) -> Sequence[Row]:
    """As ``events_for``, as rows with the attributes ``fold`` reads
    (seq, kind, subject_id, target_id, payload, recorded_at)."""
    _autoflush(session)
    return session.exec(_EVENT_ROWS, params={"subject_id": subject_id}).all()


def open_nav_request_rows(*, session: Session, subject_id: str, addressee_id: str, at: datetime) -> Sequence[Row]:
    """As ``open_nav_requests``, as rows with the same attribute names."""
    _autoflush(session)
    params = {"subject_id": subject_id, "addressee_id": addressee_id, "at": at}
    return session.exec(_OPEN_NAV_ROWS, params=params).all()


def open_summons_rows(*, session: Session, subject_id: str, convener_id: str, at: datetime) -> Sequence[Row]:
    """NAV's open calls to dialogue meetings 2 and 3 by ``convener_id`` about the subject."""
    _autoflush(session)
    params = {"subject_id": subject_id, "convener_id": convener_id, "at": at}
    return session.exec(_OPEN_SUMMONS_ROWS, params=params).all()


def events_for(*, session: Session, subject_id: str) -> Sequence[ConsentEvent]:
    return session.exec(
        select(ConsentEvent).where(ConsentEvent.subject_id == subject_id).order_by(col(ConsentEvent.seq))
    ).all()


def open_nav_requests(*, session: Session, subject_id: str, addressee_id: str, at: datetime) -> Sequence[NavRequestRow]:
    return session.exec(
        select(NavRequestRow).where(
            NavRequestRow.subject_id == subject_id,
            NavRequestRow.addressee_id == addressee_id,
            NavRequestRow.expires_at > at,
        )
    ).all()


def nav_requests_addressed_to(*, session: Session, addressee_id: str) -> Sequence[NavRequestRow]:
    return session.exec(
        select(NavRequestRow).where(NavRequestRow.addressee_id == addressee_id).order_by(col(NavRequestRow.created_at).desc())
    ).all()


def consent_requests_for(*, session: Session, subject_id: str) -> Sequence[ConsentRequestRow]:
    return session.exec(
        select(ConsentRequestRow)
        .where(ConsentRequestRow.subject_id == subject_id)
        .order_by(col(ConsentRequestRow.created_at).desc())
    ).all()


def consent_requests_by(*, session: Session, requester_id: str) -> Sequence[ConsentRequestRow]:
    return session.exec(
        select(ConsentRequestRow)
        .where(ConsentRequestRow.requester_id == requester_id)
        .order_by(col(ConsentRequestRow.created_at).desc())
    ).all()
