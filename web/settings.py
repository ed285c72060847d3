"""Settings: the only place that reads the environment (prefix ``SAMBAND_``).

Nested sections use ``__``: ``SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE=/secrets/log.pem``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from consent.config import ConsentConfig

DEV_SECRET = "dev-only-change-me-0123456789abcdef"


class OidcConfig(BaseModel):
    # None: use the embedded local identity provider at {public_url}/idp.
    issuer: str | None = None
    client_id: str = "samband-portal"
    client_secret: SecretStr = SecretStr(DEV_SECRET)
    # Audience every bearer access token must carry.
    audience: str = "samband-api"


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
        return self.oidc.issuer is None

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> "Settings":
        """Fail at start-up, not at the first request."""
        if self.environment == "production":
            for name, value in (
                ("SAMBAND_SESSION_SECRET", self.session_secret),
                ("SAMBAND_OIDC__CLIENT_SECRET", self.oidc.client_secret),
            ):
                if value.get_secret_value() == DEV_SECRET:
                    raise ValueError(f"{name} must be set to a real secret in production")
            if self.embedded_idp:
                raise ValueError("set SAMBAND_OIDC__ISSUER in production; the demo IdP is for development")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production runs on PostgreSQL; set SAMBAND_DATABASE_URL")
        return self
