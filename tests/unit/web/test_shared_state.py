"""What the nodes of one deployment share, made safe to share: keys created by nodes
that start together, migrations started by several processes at once, and commands
that are run by deployment jobs (deploy/)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from tests.support.deploy import ROOT
from tests.support.postgres import BACKEND, cluster
from web import cli
from web.database import alembic_config, make_engine
from web.idp_server import load_or_create_signing_key
from web.signing import load_or_create_log_signer

NODES = 8


def _together(function, *args):
    """``function(*args)`` in ``NODES`` threads released at the same instant."""
    start = threading.Barrier(NODES)

    def run(_):
        start.wait()
        return function(*args)

    with ThreadPoolExecutor(NODES) as pool:
        return list(pool.map(run, range(NODES)))


def _public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_nodes_starting_together_sign_the_log_with_one_key(tmp_path):
    path = tmp_path / "keys" / "log-signing-key.pem"
    keys = _together(load_or_create_log_signer, path)
    assert len({_public(k) for k in keys}) == 1
    assert _public(load_or_create_log_signer(path)) == _public(keys[0])
    assert path.stat().st_mode & 0o777 == 0o600
    assert os.listdir(path.parent) == [path.name]  # no temporary file left behind


def test_nodes_starting_together_share_one_embedded_idp_key(tmp_path):
    path = tmp_path / "idp-signing-key.pem"
    keys = _together(load_or_create_signing_key, path)
    assert len({k.kid for k in keys}) == 1
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.skipif(BACKEND != "postgresql", reason="the migration lock is PostgreSQL's (SAMBAND_TEST_DB=postgresql)")
def test_migration_jobs_started_at_once_run_one_after_the_other():
    name = f"samband_migrate_race_{os.getpid()}"
    db = cluster()
    db.admin(f"CREATE DATABASE {name}")
    url = db.url(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMBAND_")} | {"SAMBAND_DATABASE_URL": url}
    jobs: list[subprocess.Popen] = []
    try:
        # Without the lock, each would create alembic_version and the tables, and all
        # but one would fail on a duplicate (or wait on each other's locks).
        jobs += [subprocess.Popen([sys.executable, "-m", "web.cli", "migrate"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
        outputs = [job.communicate(timeout=120)[0] for job in jobs]
        assert [job.returncode for job in jobs] == [0, 0, 0], outputs
        engine = make_engine(url)
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert versions == [ScriptDirectory.from_config(alembic_config(url)).get_current_head()]
    finally:
        for job in jobs:
            if job.poll() is None:
                job.kill()
        db.drop_database(url)


def test_migrate_names_the_database_without_its_password():
    shown = cli._shown("postgresql+psycopg://samband:s3cret-pw@db.example.no:5432/samband")
    assert "s3cret-pw" not in shown and "db.example.no:5432/samband" in shown


@pytest.fixture
def root_logging():
    """``cli.main`` installs a root handler on this test's captured stderr; put the
    root logger back afterwards, or every later record goes to a closed stream (and the
    "Logging error" reports that follow land in other tests' captured output)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


def test_demo_data_is_refused_in_production(monkeypatch, capsys, tmp_path, root_logging):
    for name, value in {
        "SAMBAND_ENVIRONMENT": "production",
        "SAMBAND_DATABASE_URL": "postgresql+psycopg://samband:x@db.invalid:5432/samband",
        "SAMBAND_SESSION_SECRET": "a-real-secret-0123456789abcdefghij",
        "SAMBAND_OIDC__ISSUER": "https://idp.example.no",
        "SAMBAND_OIDC__CLIENT_SECRET": "another-real-secret-0123456789",
        "SAMBAND_DATA_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["demo"]) == 2
    assert "refusing to load demo data" in capsys.readouterr().err
    # serve's default in production is no demo data; asking for it is refused before
    # anything touches the database (db.invalid does not resolve).
    assert cli.main(["serve", "--demo"]) == 2
    assert list(tmp_path.iterdir()) == []
