"""Request-scoped dependencies: ``SessionDep``, ``WriteSessionDep``, ``CurrentActor``,
``require_explicit_read``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from directory.errors import Forbidden
from directory.models import Actor
from web.auth import current_actor
from web.csrf import explicit_read


def _session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            # Whatever was not committed is discarded: a failed request writes nothing.
            session.rollback()


def get_session(request: Request) -> Iterator[Session]:
    """A session per request.  Requests that may write (anything but GET/HEAD) begin
    their transaction with the write lock taken (see ``web.database.writer``)."""
    state = request.app.state
    yield from _session(state.engine if request.method in ("GET", "HEAD") else state.write_engine)


def get_write_session(request: Request) -> Iterator[Session]:
    """For GET routes that still write (reading a message appends to the log)."""
    yield from _session(request.app.state.write_engine)


def require_explicit_read(request: Request, _signed_in: Annotated[Actor, Depends(current_actor)]) -> None:
    """For GET routes that log a disclosure: refuse, before anything is read or written,
    a cookie-authenticated request that another site may have made the browser send
    (``web.csrf.explicit_read``).  Who is calling is settled first, so an anonymous
    caller still hears 401."""
    if not explicit_read(request):
        raise Forbidden(
            "a message is opened only from samband's own pages: open it from the thread in samband "
            "(a link from another site or an address typed in cannot open it)",
            code="NOT_SAME_ORIGIN",
        )


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
