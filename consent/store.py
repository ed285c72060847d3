"""Consent queries.  Keyword-only ``session``; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from consent.models import ConsentEvent, ConsentRequestRow, NavRequestRow


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
