"""Run the browser code under node for the cross-language tests.

``run_node(cmd, args)`` pipes a JSON request into ``web/frontend/test/interop-cli.mjs``
and returns its JSON answer.  These tests skip nothing: without node or without the
installed packages they fail, saying what to run.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
FRONTEND = ROOT / "web" / "frontend"
CLI = FRONTEND / "test" / "interop-cli.mjs"
INSTALL_HINT = "run `npm ci --prefix web/frontend` (or scripts/bootstrap) first"


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not installed (apt-get install nodejs npm), then {INSTALL_HINT}")
    if not (FRONTEND / "node_modules" / "@hpke" / "core").is_dir():
        pytest.fail(f"web/frontend/node_modules is missing: {INSTALL_HINT}")
    return node


def run_node(cmd: str, args: Any = None, *, timeout: float = 120) -> Any:
    """One request to the JS side; a list of requests with ``cmd="batch"``."""
    done = subprocess.run([node_binary(), str(CLI), cmd], input=json.dumps(args if args is not None else {}),
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        pytest.fail(f"node {CLI.name} {cmd} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
