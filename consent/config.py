"""Configuration section of the consent engine."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


class ConsentConfig(BaseModel):
    rules_file: Path | None = None  # None: the newest bundled statutory rule set
    log_signing_key_file: Path = Path("var/log-signing-key.pem")
    nav_request_valid_days: int = 90
