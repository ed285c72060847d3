"""The test database: SQLite files by default, or a throwaway PostgreSQL cluster.

``SAMBAND_TEST_DB=postgresql`` (read once, at import, before the autouse fixture clears
``SAMBAND_*``) makes every test database a PostgreSQL database instead of an SQLite
file.  The cluster comes from Debian's packages (``/usr/lib/postgresql/<ver>/bin``),
is made with ``initdb`` in a temporary directory of the run, listens only on 127.0.0.1
on a free port (its unix socket stays in that directory), runs with ``fsync=off``, and
is stopped and removed when the run ends.  When the run is root, the cluster runs as the
``postgres`` OS user (PostgreSQL refuses to run as root).

The schema is migrated once, by the real Alembic migrations, into a template database;
each test database is a ``CREATE DATABASE ... TEMPLATE`` copy of it.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

BACKEND = os.environ.get("SAMBAND_TEST_DB", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"SAMBAND_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")

TEMPLATE = "samband_template"
SUPERUSER = "postgres"


def postgres_bin() -> Path:
    """The newest Debian PostgreSQL server binaries."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (scripts/test does this as root)")
    return versions[-1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Server settings for a test run: nothing needs to survive a crash of the machine.
TEST_SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "300",
    "shared_buffers": "128MB", "timezone": "UTC",
}


class Cluster:
    """One PostgreSQL server: for the whole test run, or for a benchmark (``bench/``).

    Args:
        directory: where the cluster lives; by default a new temporary directory,
            removed by ``stop``.  A given directory is kept, and a cluster already in
            it (``data/``) is started again rather than made anew.
        settings: server settings (``-c name=value``) replacing or adding to
            ``TEST_SETTINGS``.
    """

    def __init__(self, directory: Path | None = None, settings: dict[str, str] | None = None) -> None:
        self.bin = postgres_bin()
        self.keep = directory is not None
        # Absolute: the server's commands run with this directory as their working directory.
        self.directory = Path(directory).resolve() if directory else Path(tempfile.mkdtemp(prefix="samband-pg-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.data = self.directory / "data"
        self.settings = TEST_SETTINGS | (settings or {})
        self.port = _free_port()
        self.as_user: str | None = None
        if os.geteuid() == 0:
            self.as_user = "postgres"
            entry = pwd.getpwnam(self.as_user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._template_ready = False

    def _run(self, *argv: str) -> None:
        cmd = list(argv)
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=self.directory)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = " ".join([
            "-c listen_addresses=127.0.0.1", f"-c port={self.port}", f"-c unix_socket_directories={self.directory}",
            *(f"-c {name}={value}" for name, value in self.settings.items()),
        ])
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart``: every open connection is cut, the server comes back with
        the same options on the same port."""
        # With -l, as at start: otherwise the new server holds our output pipes open.
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
                  "-m", mode, "-w", "-t", "60", "restart")

    def stop(self) -> None:
        """Stop the server; a kept cluster is shut down cleanly, a temporary one
        immediately and removed."""
        try:
            mode = "fast" if self.keep else "immediate"
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "120", "stop")
        finally:
            if not self.keep:
                shutil.rmtree(self.directory, ignore_errors=True)

    def version(self) -> str:
        return self.admin("SHOW server_version")[0][0]

    def pid(self) -> int:
        """The postmaster's process id."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database,
                             autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def _ensure_template(self) -> None:
        if self._template_ready:
            return
        from web.database import migrate

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        migrate(self.url(TEMPLATE))  # Alembic uses a NullPool: no connection is left open
        # Keep long values uncompressed (they still go out of line), so the scan of the
        # stored bytes for plaintext (tests/integration/test_no_plaintext.py) sees every
        # byte as written.  Storage only: the schema is the migrations'.
        self.admin(_UNCOMPRESSED, TEMPLATE)
        self._template_ready = True

    def create_database(self) -> str:
        """A fresh, migrated database; returns its SQLAlchemy URL."""
        with self._lock:
            self._ensure_template()
            name = f"samband_test_{os.getpid()}_{next(self._counter)}"
            self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def files_of(self, url: str) -> list[Path]:
        """Every file PostgreSQL keeps for the database at ``url``: its own relation
        files, the shared catalogue, and the write-ahead log (after a checkpoint)."""
        name = url.rsplit("/", 1)[1]
        self.admin("CHECKPOINT")
        [(oid,)] = self.admin(f"SELECT oid FROM pg_database WHERE datname = '{name}'")
        roots = [self.data / "base" / str(oid), self.data / "global", self.data / "pg_wal"]
        return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


_UNCOMPRESSED = """
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb')
  LOOP
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET STORAGE EXTERNAL', r.table_name, r.column_name);
  END LOOP;
END $$
"""

_cluster: Cluster | None = None
_cluster_lock = threading.Lock()


def cluster() -> Cluster:
    """The run's cluster, started on first use and stopped when the run ends."""
    global _cluster
    with _cluster_lock:
        if _cluster is None:
            c = Cluster()
            c.start()
            atexit.register(c.stop)
            _cluster = c
        return _cluster


def fresh_database_url(directory: Path, name: str = "samband.db") -> str:
    """A URL for a fresh database of the selected backend.

    SQLite: a file ``directory/name`` (not yet migrated: ``migrate`` makes it).
    PostgreSQL: a new database copied from the migrated template (``migrate`` is a no-op).
    """
    if BACKEND == "postgresql":
        return cluster().create_database()
    return f"sqlite:///{Path(directory) / name}"


def drop_database(url: str) -> None:
    """Drop a database made by ``fresh_database_url`` (SQLite files go with their directory)."""
    if url.startswith("postgresql"):
        cluster().drop_database(url)
