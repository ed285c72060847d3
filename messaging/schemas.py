"""Shapes of cases in and out."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: date
    grade: int = Field(default=100, ge=1, le=100, description="sick-leave grade in percent")


class CasePublic(BaseModel):
    id: str
    employee_id: str
    employer_organisation_id: str | None
    start_date: date
    grade: int
