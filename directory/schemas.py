"""Input and output shapes of the directory (``*Create`` in, ``*Public`` out)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from directory import types as t


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: t.OrganisationKind
    name: str = Field(min_length=1, max_length=200)
    org_number: str | None = None
    her_id: str | None = None
    nav_unit_number: str | None = None
    place: str = Field(default="", max_length=100)
    parent_id: str | None = None

    _org = field_validator("org_number")(lambda v: None if v is None else t.parse_org_number(v))
    _her = field_validator("her_id")(lambda v: None if v is None else t.parse_her_id(v))
    _nav = field_validator("nav_unit_number")(
        lambda v: None if v is None else t.parse_nav_unit_number(v)
    )


class ActorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: t.Role
    title: str = Field(default="", max_length=200)
    organisation_id: str | None = None
    place: str = Field(default="", max_length=100)
    hpr_number: str | None = None
    national_id: str | None = None
    nav_ident: str | None = None
    her_id: str | None = None
    oidc_subject: str | None = Field(default=None, max_length=200)

    _hpr = field_validator("hpr_number")(lambda v: None if v is None else t.parse_hpr_number(v))
    _nid = field_validator("national_id")(
        lambda v: None if v is None else t.parse_national_id(v)
    )
    _nav = field_validator("nav_ident")(lambda v: None if v is None else t.parse_nav_ident(v))
    _her = field_validator("her_id")(lambda v: None if v is None else t.parse_her_id(v))


class OrganisationPublic(BaseModel):
    id: str
    kind: t.OrganisationKind
    name: str
    org_number: str | None
    her_id: str | None
    nav_unit_number: str | None
    place: str


class KeyPublic(BaseModel):
    key_id: str
    purpose: t.KeyPurpose
    algorithm: str
    public_key: str
    created_at: datetime
    revoked_at: datetime | None


class ActorPublic(BaseModel):
    """Answers: who is this, where do they work, can they receive messages."""

    id: str
    name: str
    role: t.Role
    title: str
    place: str
    organisation: OrganisationPublic | None
    hpr_number: str | None
    national_id_masked: str | None
    can_receive_messages: bool


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: t.KeyPurpose
    algorithm: str = Field(description="X-Wing or X25519 for encryption, Ed25519 for signing")
    public_key: str = Field(description="raw public key, unpadded base64url", max_length=2000)
    key_id: str | None = Field(
        default=None,
        description="optional; defaults to the SHA-256 of the raw key, base64url, first 16 bytes",
    )


class RelationPublic(BaseModel):
    kind: t.RelationKind
    actor: ActorPublic
    since: datetime


# --- key backups (web/frontend/src/backup.js, messaging/backup.py) --------------------

_B64URL = r"^[A-Za-z0-9_-]+$"


class ScryptParams(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    n: int = Field(ge=2**14, le=2**20, description="a power of two")
    r: int = Field(ge=1, le=16)
    p: int = Field(ge=1, le=4)

    @field_validator("n")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError("scrypt's n must be a power of two")
        return n


class Pbkdf2Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    iterations: int = Field(ge=100_000, le=10_000_000)


class KeyBackupIn(BaseModel):
    """A passphrase-wrapped copy of an actor's private keys (v1).  The server checks its
    shape only: it has no way, and no wish, to open it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    v: Literal[1]
    kdf: Literal["scrypt", "pbkdf2-sha256"]
    params: ScryptParams | Pbkdf2Params
    salt: str = Field(min_length=22, max_length=86, pattern=_B64URL, description="16 to 64 bytes, base64url")
    nonce: str = Field(min_length=16, max_length=16, pattern=_B64URL, description="12 bytes, base64url")
    ciphertext: str = Field(min_length=22, max_length=4096, pattern=_B64URL, description="base64url")

    @field_validator("v", mode="before")
    @classmethod
    def _exactly_one(cls, v: object) -> object:
        if type(v) is not int:  # JSON true is not version 1
            raise ValueError("v must be the number 1")
        return v

    @model_validator(mode="after")
    def _params_fit_kdf(self) -> "KeyBackupIn":
        wanted = ScryptParams if self.kdf == "scrypt" else Pbkdf2Params
        if not isinstance(self.params, wanted):
            raise ValueError(f"params do not fit kdf {self.kdf!r}")
        return self


class KeyBackupPublic(BaseModel):
    backup: KeyBackupIn
    updated_at: datetime
