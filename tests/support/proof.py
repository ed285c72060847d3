"""What the fuzz, authorisation and fault tests did, written down for bench/PROOF.md.

Each test adds its figures (requests made, statuses seen, messages acknowledged and
delivered, reconnections) under a name; at the end of the run every name is written to
``test-artifacts/proof/<backend>/<name>.json``.  Copies of a run's files are kept in
``bench/results/proof/``.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.postgres import BACKEND

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-artifacts" / "proof" / BACKEND

_lock = threading.Lock()
_records: dict[str, dict[str, Any]] = {}


def _commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def record(name: str, **figures: Any) -> None:
    """Set figures of ``name`` (later calls add to or replace keys)."""
    with _lock:
        _records.setdefault(name, {}).update(figures)


def count(name: str, key: str, value: Any) -> None:
    """Count ``value`` under ``name``/``key`` (e.g. a status code)."""
    with _lock:
        counter = _records.setdefault(name, {}).setdefault(key, Counter())
        counter[str(value)] += 1


@atexit.register
def _write() -> None:
    if not _records:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = {"backend": BACKEND, "commit": _commit(), "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    for name, figures in _records.items():
        body = {**stamp, **{k: dict(sorted(v.items())) if isinstance(v, Counter) else v for k, v in figures.items()}}
        (OUT / f"{name}.json").write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
