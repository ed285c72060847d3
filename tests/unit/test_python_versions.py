"""Python 3.11, 3.12 and 3.13: how scripts/bootstrap picks the interpreter, and the
static checks that stand in for running 3.12/3.13 where they are not installed
(docs/development.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash") or "/bin/bash"


def fake_python(folder: Path, name: str, version: str) -> Path:
    """A script that answers the version probe like a Python ``version`` would."""
    path = folder / name
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare_path(tmp_path) -> Path:
    """A PATH holding only the tools bootstrap's selection needs, and no real Python."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("head",):
        (tools / tool).symlink_to(shutil.which(tool))
    return tools


def choose(path: list[Path], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": os.pathsep.join(str(p) for p in path)}
    return subprocess.run([BASH, str(ROOT / "scripts" / "bootstrap"), "--print-python", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_the_newest_supported_python_is_taken(tmp_path, bare_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    for name, version in [("python3.11", "3.11"), ("python3.12", "3.12"), ("python3.13", "3.13"), ("python3", "3.11")]:
        fake_python(fakes, name, version)
    chosen = choose([fakes, bare_path])
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split() == [str(fakes / "python3.13"), "3.13"]


def test_an_unsupported_python_is_passed_over(tmp_path, bare_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    fake_python(fakes, "python3.13", "3.14")  # a python3.13 that is something else is not trusted by name
    fake_python(fakes, "python3.12", "3.12")
    chosen = choose([fakes, bare_path])
    assert chosen.stdout.split() == [str(fakes / "python3.12"), "3.12"], chosen.stderr


def test_python3_is_the_last_resort(tmp_path, bare_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    fake_python(fakes, "python3", "3.12")
    assert choose([fakes, bare_path]).stdout.split() == [str(fakes / "python3"), "3.12"]


def test_no_supported_python_is_a_clear_refusal(tmp_path, bare_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    fake_python(fakes, "python3", "3.10")
    fake_python(fakes, "python3.14", "3.14")  # not looked for
    refused = choose([fakes, bare_path])
    assert refused.returncode == 1 and refused.stdout == ""
    assert "samband needs Python 3.11, 3.12, 3.13" in refused.stderr
    assert "python3 is 3.10" in refused.stderr and "--python PATH" in refused.stderr


def test_python_option_picks_or_refuses(tmp_path, bare_path):
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    fake_python(fakes, "python3.13", "3.13")
    old = fake_python(tmp_path, "old-python", "3.10")
    mine = fake_python(tmp_path, "my-python", "3.12")
    assert choose([fakes, bare_path], "--python", str(mine)).stdout.split() == [str(mine), "3.12"]
    refused = choose([fakes, bare_path], "--python", str(old))
    assert refused.returncode == 1 and f"--python {old} is Python 3.10; samband supports Python 3.11, 3.12, 3.13" \
        in refused.stderr
    missing = choose([fakes, bare_path], "--python", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no such interpreter" in missing.stderr


def test_this_machines_python_is_chosen():
    """Without fakes the selection finds a real interpreter, the one the suite runs on
    when bootstrap made .venv (same major.minor)."""
    chosen = choose([Path(p) for p in os.environ["PATH"].split(os.pathsep)])
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split()[1] == "%d.%d" % sys.version_info[:2]


def test_scripts_test_hands_python_to_bootstrap(tmp_path):
    """``scripts/test --python X`` reaches bootstrap (which refuses a missing X before
    any test runs); the other arguments are pytest's."""
    run = subprocess.run([BASH, str(ROOT / "scripts" / "test"), "-q", "--python", str(tmp_path / "nowhere"), "-x"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1 and f"--python {tmp_path / 'nowhere'}: no such interpreter" in run.stderr
    assert "== tests on" not in run.stdout


def test_supported_versions_agree():
    """bootstrap, pyproject's requires-python and its classifiers name the same Pythons."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    classified = {c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if c.startswith("Programming Language :: Python :: 3.")}
    assert classified == {"3.11", "3.12", "3.13"}
    assert 'SUPPORTED="3.11 3.12 3.13"' in (ROOT / "scripts" / "bootstrap").read_text()


def test_the_code_base_is_clean_for_3_12_and_3_13():
    """ruff (pinned in the test extras): no API removed or deprecated in 3.12/3.13, no
    naive utcnow (see [tool.ruff.lint] in pyproject.toml)."""
    ruff = Path(sys.executable).with_name("ruff")
    checked = subprocess.run([str(ruff), "check", "--no-cache", str(ROOT)], capture_output=True, text=True,
                             timeout=120, cwd=ROOT, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_deprecation_warnings_are_not_errors():
    """On 3.12/3.13 dependencies warn about what 3.11 accepts silently: the suite shows
    those warnings (-ra) but does not fail on them."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert not [f for f in options.get("filterwarnings", []) if f.startswith("error")]
    assert "-W error" not in options.get("addopts", "")
