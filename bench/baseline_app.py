"""The bare baseline for ``bench_messaging``: one FastAPI endpoint that inserts one 1 KB
row into SQLite, and nothing else.

    BENCH_BASELINE_DB=/tmp/baseline.db .venv/bin/python -m uvicorn bench.baseline_app:app --port 8001
    BENCH_BASELINE_URL=postgresql+psycopg://... .venv/bin/python -m uvicorn bench.baseline_app:app --port 8001

It has the shape of a samband write, minus everything samband does: a sync handler (so
it runs in the same thread pool), a pydantic request body, an engine from
``web.database.make_engine`` (WAL, ``synchronous=NORMAL``, ``foreign_keys=ON``, 30 s
busy timeout) taking the write lock up front like ``web.database.writer``
(``BEGIN IMMEDIATE``), and one transaction per request.  No authentication, no
session middleware, no ORM, no consent, no cryptography.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, insert

from web.database import make_engine, writer

DB_PATH = os.environ.get("BENCH_BASELINE_DB", "var/bench-baseline.db")
# A database URL instead (PostgreSQL for ``bench_messaging --db postgresql``); the writer
# engine then serialises writes with the same advisory lock samband's writer takes.
DB_URL = os.environ.get("BENCH_BASELINE_URL") or f"sqlite:///{DB_PATH}"

metadata = MetaData()
rows = Table(
    "rows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("payload", Text, nullable=False),
)
engine = writer(make_engine(DB_URL))


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    metadata.create_all(engine)
    try:
        yield
    finally:
        engine.dispose()


app = FastAPI(title="bench baseline", lifespan=lifespan)


class RowIn(BaseModel):
    payload: str = Field(min_length=1, max_length=4096)


@app.get("/health")
def health() -> dict:
    return {"ok": True}


@app.post("/rows", status_code=201)
def add_row(row: RowIn) -> dict:
    with engine.begin() as conn:  # BEGIN IMMEDIATE ... COMMIT
        result = conn.execute(insert(rows).values(created_at=datetime.now(UTC), payload=row.payload))
    return {"id": result.inserted_primary_key[0]}
