"""Is this node ready for traffic: does the database answer, at the schema this code expects?"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from web.database import alembic_config

CHECK_TIMEOUT = 2.0  # seconds; a probe must answer well within the orchestrator's timeout

log = logging.getLogger("samband.ready")


class Readiness:
    """The check behind ``GET /ready``; one per app.

    Knows the migrations this code ships (their head and every revision).  The check
    runs in a daemon thread of its own, at most one at a time: a database that hangs
    costs one stuck thread however often the orchestrator probes, never the threads
    the requests and websockets share, and never blocks the process from exiting.
    """

    def __init__(self) -> None:
        script = ScriptDirectory.from_config(alembic_config(""))
        self.head: str = script.get_current_head()
        self.known = {revision.revision for revision in script.walk_revisions()}
        self._running: asyncio.Future[str | None] | None = None

    async def problem(self, engine: Engine) -> str | None:
        """None when ready, else what is wrong, in plain words, within ``CHECK_TIMEOUT``."""
        if self._running is None or self._running.done():
            self._running = self._start(engine)
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), CHECK_TIMEOUT)
        except TimeoutError:
            problem = f"database did not answer within {CHECK_TIMEOUT:g} s"
        except Exception as exc:  # the type only: the text may hold the database URL
            problem = f"database unreachable ({type(exc).__name__})"
        log.warning("not ready: %s", problem)
        return problem

    def _start(self, engine: Engine) -> asyncio.Future[str | None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def settle(result: str | None, error: BaseException | None) -> None:
            if future.done():
                return
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)

        def check() -> None:
            try:
                outcome: tuple = (self._schema_problem(engine), None)
            except Exception as exc:
                outcome = (None, exc)
            with contextlib.suppress(RuntimeError):  # the loop closed while we waited
                loop.call_soon_threadsafe(settle, *outcome)

        # Marks a failure as seen even when every prober has stopped waiting for it.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        threading.Thread(target=check, name="samband-ready", daemon=True).start()
        return future

    def _schema_problem(self, engine: Engine) -> str | None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            found: list[str] = []
            if inspect(connection).has_table("alembic_version"):
                found = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        if found == [self.head]:
            return None
        if found and all(revision not in self.known for revision in found):
            # A later release's migration ran (expand, then contract: this code still
            # works on it).  Keep serving through the rolling upgrade.
            log.info("database schema %s is newer than this code's %s", ", ".join(found), self.head)
            return None
        at = ", ".join(found) or "nothing (never migrated)"
        return f"database schema is at {at}, code expects {self.head}: run samband migrate"
