"""Messaging tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from directory.columns import UTCDateTime, new_id, utcnow


class Case(SQLModel, table=True):
    """One sick-leave episode (sykefraværstilfelle) of one employee."""

    __tablename__ = "sick_leave_case"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    employee_id: str = Field(foreign_key="actor.id", index=True, max_length=36)
    employer_organisation_id: str | None = Field(
        default=None, foreign_key="organisation.id", max_length=36
    )
    start_date: date
    grade: int = Field(default=100)  # sykmeldingsgrad in percent
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
