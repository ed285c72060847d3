"""Request-scoped dependencies: ``SessionDep``, ``CurrentActor``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from directory.models import Actor
from web.auth import current_actor


def get_session(request: Request) -> Iterator[Session]:
    """A session per request.  Requests that may write (anything but GET/HEAD) begin
    their transaction with the write lock taken (see ``web.database.writer``)."""
    state = request.app.state
    engine = state.engine if request.method in ("GET", "HEAD") else state.write_engine
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            # Whatever was not committed is discarded: a failed request writes nothing.
            session.rollback()


SessionDep = Annotated[Session, Depends(get_session)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
