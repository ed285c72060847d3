"""Settings: the only place that reads the environment (prefix ``SAMBAND_``).

Nested sections use ``__``: ``SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE=/secrets/log.pem``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from consent.config import ConsentConfig

DEV_SECRET = "dev-only-change-me-0123456789abcdef"


# The actor fields a sign-in claim can be matched against (``web.identity``).
LinkField = Literal["national_id", "hpr_number", "nav_ident", "subject"]
# Role values a provider's ``minimum``/``roles`` may name: directory.types.Role, plus the
# operator role the provisioning work adds (kept here so either merge order validates).
_EXTRA_ROLES = frozenset({"operator"})


def _role_values() -> frozenset[str]:
    from directory.types import Role  # directory does not import web

    return frozenset(r.value for r in Role) | _EXTRA_ROLES


class _Strict(BaseModel):
    # A misspelt field name ("scope", "levels_") is an error at start-up, not a silent default.
    model_config = ConfigDict(extra="forbid")


class LinkRule(_Strict):
    """Claim ``claim`` of the sign-in names the actor whose ``field`` equals it."""

    claim: str = Field(min_length=1, max_length=200)
    field: LinkField


class AssuranceConfig(_Strict):
    """Which claim says how strongly the person was identified, its values lowest first,
    and the lowest each role may sign in with ("*": every other role)."""

    claim: str = Field(default="acr", min_length=1, max_length=200)
    levels: list[str] = Field(min_length=1)
    minimum: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _levels_known(self) -> "AssuranceConfig":
        if len(set(self.levels)) != len(self.levels):
            raise ValueError(f"assurance.levels lists a level twice: {self.levels}")
        roles = _role_values()
        for role, level in self.minimum.items():
            if role != "*" and role not in roles:
                raise ValueError(f"assurance.minimum names {role!r}, which is not a role "
                                 f"(one of {', '.join(sorted(roles))}, or '*')")
            if level not in self.levels:
                raise ValueError(f"assurance.minimum[{role!r}] is {level!r}, which is not in "
                                 f"assurance.levels {self.levels}")
        return self

    def rank(self, level: object) -> int:
        """The position of ``level`` among the levels; -1 when absent or unknown (the
        lowest there is: refused wherever a minimum is set)."""
        return self.levels.index(level) if isinstance(level, str) and level in self.levels else -1

    def needed(self, role: str) -> str | None:
        return self.minimum.get(role, self.minimum.get("*"))


class ProviderConfig(_Strict):
    """One OpenID Connect provider people sign in through (an item of
    ``SAMBAND_OIDC__PROVIDERS``; docs/decisions/0014-identity-linking.md)."""

    name: str = Field(pattern=r"^[a-z0-9-]+$", min_length=1, max_length=40)
    label: str = Field(default="", max_length=100)
    issuer: str = Field(min_length=1, max_length=300)
    client_id: str = Field(min_length=1)
    # None: a public client (PKCE alone).
    client_secret: SecretStr | None = None
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    # RFC 8707 resource indicator, sent on the authorize and token requests.
    resource: str | None = None
    # Every bearer access token from this issuer must carry it in ``aud``; None: this
    # issuer's access tokens are not accepted by the API (portal sign-in only).
    audience: str | None = None
    link: list[LinkRule] = Field(default_factory=lambda: [LinkRule(claim="sub", field="subject")], min_length=1)
    assurance: AssuranceConfig | None = None
    acr_values: str | None = None
    # Only these roles may sign in through this provider; None: every role.
    roles: list[str] | None = None

    @field_validator("issuer")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"issuer must be the provider's URL (https://...), not {value!r}")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError("scopes must include 'openid'")
        return value

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str] | None) -> list[str] | None:
        roles = _role_values()
        for role in value or ():
            if role not in roles:
                raise ValueError(f"roles names {role!r}, which is not a role (one of {', '.join(sorted(roles))})")
        return value

    @property
    def display(self) -> str:
        return self.label or self.name


class OidcConfig(BaseModel):
    # None: use the embedded local identity provider at {public_url}/idp.
    issuer: str | None = None
    client_id: str = "samband-portal"
    client_secret: SecretStr = SecretStr(DEV_SECRET)
    # Audience every bearer access token must carry.
    audience: str = "samband-api"
    # SAMBAND_OIDC__PROVIDERS: a JSON list of providers (``ProviderConfig``).  Unset: one
    # provider "samband" from the four settings above, linking by subject.
    providers: list[ProviderConfig] | None = None

    @field_validator("providers")
    @classmethod
    def _distinct(cls, value: list[ProviderConfig] | None) -> list[ProviderConfig] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("SAMBAND_OIDC__PROVIDERS lists no provider; leave it unset for the single default one")
        for attribute in ("name", "issuer"):
            seen: set[str] = set()
            for provider in value:
                key = getattr(provider, attribute)
                if key in seen:
                    raise ValueError(f"two providers have the {attribute} {key!r}; each must be different")
                seen.add(key)
        return value


class SessionConfig(BaseModel):
    """How long a browser sign-in lasts (``SAMBAND_SESSIONS__*``; see
    docs/decisions/0012-sessions.md)."""

    # Signed out after this long without a request.
    idle_timeout_seconds: int = Field(default=30 * 60, ge=1)
    # Signed out this long after signing in, however busy.
    absolute_timeout_seconds: int = Field(default=12 * 3600, ge=1)
    # "Last seen" is written at most this often per session (never more than a tenth of
    # the idle timeout apart), so a busy page does not write on every request.
    touch_interval_seconds: int = Field(default=60, ge=0)


class AttachmentConfig(BaseModel):
    """Encrypted attachments (``SAMBAND_ATTACHMENTS__*``; docs/decisions/0013-attachments.md).
    The server stores only ciphertext chunks, one file each."""

    # Where the chunks go; default ``{data_dir}/attachments``.  Every node of a
    # deployment must see the same directory (a shared volume).
    directory: Path | None = None
    # The largest file (plaintext bytes) one attachment may hold: 25 MiB.
    max_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # An upload not named by a sent message within this long is removed (at the next
    # upload anyone starts).
    upload_ttl_seconds: int = Field(default=24 * 3600, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAMBAND_", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/samband.db"
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("var")
    session_secret: SecretStr = SecretStr(DEV_SECRET)
    # Embedded identity provider: demo users sign in with this password.
    demo_password: SecretStr = SecretStr("demo")
    # Idle websockets get a ping this often (keeps proxies from closing them).
    ws_ping_seconds: float = 20.0
    # How often the app purges the content of closed cases whose retention period has
    # passed (messaging/rules/retention-*.toml; `samband purge` does the same once).
    # 0: never in the app (a deployment's cron job runs `samband purge` instead).
    purge_interval_seconds: float = Field(default=6 * 3600, ge=0)
    # Logs: "text" for people at a terminal, "json" (one object a line) for a log pipeline.
    log_format: Literal["text", "json"] = "text"
    # Names this process in logs and metrics; a pod name is a good choice.
    node_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    # When set, /metrics wants "Authorization: Bearer <token>"; unset, it is open (scrape
    # it on the pod network; the ingress does not route it).
    metrics_token: SecretStr | None = None
    # When set, witnesses read /log/heads and /log/{log_id}/consistency with
    # "Authorization: Bearer <token>"; unset, that API is off (404).
    witness_token: SecretStr | None = None
    oidc: OidcConfig = OidcConfig()
    sessions: SessionConfig = SessionConfig()
    consent: ConsentConfig = ConsentConfig()
    attachments: AttachmentConfig = AttachmentConfig()

    @property
    def attachments_dir(self) -> Path:
        return self.attachments.directory or self.data_dir / "attachments"

    @property
    def issuer(self) -> str:
        return self.oidc.issuer or f"{self.public_url.rstrip('/')}/idp"

    @property
    def embedded_idp(self) -> bool:
        """Whether this process serves the demo IdP at /idp: no SAMBAND_OIDC__ISSUER, and
        either no provider list or one that names it."""
        if self.oidc.issuer is not None:
            return False
        own = f"{self.public_url.rstrip('/')}/idp"
        return self.oidc.providers is None or any(p.issuer == own for p in self.oidc.providers)

    @property
    def providers(self) -> list[ProviderConfig]:
        """The identity providers people sign in through, in the order the sign-in
        choice page shows them."""
        if self.oidc.providers is not None:
            return self.oidc.providers
        return [ProviderConfig(
            name="samband", label="samband", issuer=self.issuer, client_id=self.oidc.client_id,
            client_secret=self.oidc.client_secret, audience=self.oidc.audience,
            link=[LinkRule(claim="sub", field="subject")],
        )]

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> "Settings":
        """Fail at start-up, not at the first request."""
        if self.environment == "production":
            secrets = [("SAMBAND_SESSION_SECRET", self.session_secret)]
            if not self.oidc.providers:  # the single issuer's client; unused when providers are listed
                secrets.append(("SAMBAND_OIDC__CLIENT_SECRET", self.oidc.client_secret))
            for name, value in secrets:
                if value.get_secret_value() == DEV_SECRET:
                    raise ValueError(f"{name} must be set to a real secret in production")
            for provider in self.oidc.providers or ():
                if provider.client_secret is not None and provider.client_secret.get_secret_value() == DEV_SECRET:
                    raise ValueError(f"SAMBAND_OIDC__PROVIDERS: the client_secret of {provider.name!r} must be "
                                     "a real secret in production")
            if self.embedded_idp:
                raise ValueError("set SAMBAND_OIDC__ISSUER or SAMBAND_OIDC__PROVIDERS in production; "
                                 "the demo IdP is for development")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production runs on PostgreSQL; set SAMBAND_DATABASE_URL")
        return self
