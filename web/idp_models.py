"""Tables of the embedded identity provider (development and tests only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from directory.columns import UTCDateTime


class IdpAuthorizationCode(SQLModel, table=True):
    """An issued, not yet redeemed authorization code.

    Only the SHA-256 of the code is stored, so a copy of the table cannot be replayed
    at the token endpoint.  A row is deleted when it is redeemed (single use) and
    expired rows are swept whenever a new code is issued.
    """

    __tablename__ = "idp_authorization_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=100)
    subject: str = Field(max_length=200)
    redirect_uri: str = Field(max_length=2000)
    scope: str = Field(default="", max_length=200)
    nonce: str | None = Field(default=None, index=True, max_length=200)
    code_challenge: str | None = Field(default=None, max_length=128)
    code_challenge_method: str | None = Field(default=None, max_length=10)
    auth_time: int
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
