"""Engine construction and schema migration (Alembic only, in tests too)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
            # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN can be IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # WAL is a property of the file (``migrate`` sets it).  Switching needs the
            # database to itself, so a connection that finds it set leaves it alone:
            # asking again while another connection reads fails at once with "locked".
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):  # pragma: no cover - driver hook
            # Writers take the write lock up front: two transactions that both read the
            # log head and then upgrade to a write lock would otherwise fail with
            # SQLITE_BUSY.  Readers stay deferred so WAL lets them run beside a writer.
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _on_begin_pg(connection):  # pragma: no cover - driver hook
            # The same guarantee as BEGIN IMMEDIATE on SQLite: write transactions run one
            # at a time, so what they read (log heads, the newest seq) is still true when
            # they write, and autoincrement cursors (inbox events) become visible in
            # order: a reader never sees seq n+1 committed before seq n.  Released at
            # commit or rollback; readers are not affected.
            if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")

    return engine


# pg_advisory_xact_lock key for write transactions (see ``writer``); arbitrary, fixed.
WRITER_LOCK = 0x5A4D_0001


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write: ``BEGIN IMMEDIATE`` on SQLite, a
    transaction-scoped advisory lock on PostgreSQL; either way writers are serialised."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# pg_advisory_lock key held while migrating (see ``migrate``); arbitrary, fixed.
MIGRATE_LOCK = 0x5A4D_0002


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema.

    Safe to run from several places at once (a retried migration job, nodes started
    without ``--no-migrate``): on PostgreSQL the run holds a session-level advisory
    lock, so a second run waits for the first and then finds the schema at head.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        command.upgrade(alembic_config(url), "head")
        if path and path != ":memory:":
            # Into WAL once, here, while nothing else has the file open (see make_engine).
            with closing(sqlite3.connect(path, timeout=30)) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
        return
    lock_engine = create_engine(url, poolclass=NullPool)
    try:
        # Autocommit: the lock outlives no transaction of ours, so a migration that
        # waits for older transactions (CREATE INDEX CONCURRENTLY) never waits for us.
        with lock_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
            if lock.dialect.name == "postgresql":
                lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATE_LOCK})")
            try:
                command.upgrade(alembic_config(url), "head")
            finally:
                if lock.dialect.name == "postgresql":
                    lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATE_LOCK})")
    finally:
        lock_engine.dispose()


def session_for(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
