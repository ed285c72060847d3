"""Each benchmark's ``--quick`` mode still runs end to end and writes its result.

Only benchmarks whose quick mode takes under 20 seconds run here (CI time matters);
the others are skipped, with their usual duration as the reason.  ``BENCH_SMOKE_ALL=1``
runs them too.  The database backend follows the test run's (``SAMBAND_TEST_DB``): the
benchmark starts its own throwaway cluster for ``postgresql``.  Results go to a
temporary directory, never to ``bench/results``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.postgres import BACKEND

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL = os.environ.get("BENCH_SMOKE_ALL") == "1"
TIMEOUT = 300  # seconds; a hung benchmark fails instead of stalling the suite


def _slow(seconds: int):
    return pytest.mark.skipif(not RUN_ALL, reason=f"--quick takes ~{seconds} s (over 20 s); BENCH_SMOKE_ALL=1 runs it")


def _run(module: str, tmp_path: Path, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBAND_")}
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "--quick", "--db", BACKEND, "--out", str(tmp_path), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert result.returncode == 0, f"{module} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    [path] = [p for p in tmp_path.glob("*.json")]
    return json.loads(path.read_text())


def _suffix() -> str:
    return "-postgresql" if BACKEND == "postgresql" else ""


def test_consent_benchmark_quick_run_decides_over_the_synthetic_population(tmp_path):
    data = _run("bench_consent", tmp_path)
    assert data["name"] == f"consent{_suffix()}-quick"
    assert data["backend"] == BACKEND
    counts = data["counts"]
    assert counts["employees"] == data["sizes"]["employees"] and counts["grants"] == data["sizes"]["grants"]
    assert {row["name"] for row in data["latency"]} >= {"ConsentService.decide_for", "authorize_disclosure + commit"}
    assert data["machine"]["cpus"] and data["machine"]["git_commit"]


def test_search_benchmark_quick_run_finds_every_query(tmp_path):
    data = _run("bench_search", tmp_path)
    assert data["name"] == f"search{_suffix()}-quick"
    assert all(share == 1.0 for share in data["hit_share"].values())


@_slow(50)
def test_messaging_benchmark_quick_run_sends_and_delivers(tmp_path):
    data = _run("bench_messaging", tmp_path, "--no-breakdown")
    assert all(r["samband"]["ok"] > 0 for r in data["throughput"])
    assert data["delivery"]["missing"] == 0


@_slow(45)
def test_websocket_benchmark_quick_run_holds_connections_and_still_delivers(tmp_path):
    data = _run("bench_websockets", tmp_path)
    assert data["levels"][-1]["held"] == data["levels"][-1]["level"]
    assert data["probe_held"]["missing"] == 0


def test_import_benchmark_quick_run_imports_every_row(tmp_path):
    data = _run("bench_import", tmp_path)
    assert data["name"] == f"import{_suffix()}-quick"
    orgs, again, hpr = (data["results"][k] for k in ("organisations", "organisations, again (all unchanged)",
                                                      "health personnel"))
    assert f"created {data['sizes']['organisations']}," in orgs["output"]
    assert f"unchanged {data['sizes']['organisations']}," in again["output"]
    assert "rejected 0" in hpr["output"] and hpr["peak_rss_mb"] > 0
