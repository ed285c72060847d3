"""What the benchmarks share: latency statistics, peak memory, the benchmark database
(SQLite file or throwaway PostgreSQL cluster), SQLite tuning, the printed table, machine
information and the JSON result file."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter, perf_counter_ns

from sqlalchemy import Engine, event

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Latency:
    name: str
    n: int
    ops_per_s: float
    p50_us: float
    p95_us: float
    p99_us: float
    max_us: float
    mean_us: float

    @classmethod
    def of(cls, name: str, samples_ns: Sequence[int], *, ops_per_s: float | None = None) -> Latency:
        s = sorted(samples_ns)
        n = len(s)

        def q(p: float) -> float:  # nearest rank
            return s[min(n - 1, max(0, math.ceil(p * n) - 1))] / 1000

        total = sum(s)
        return cls(
            name=name,
            n=n,
            ops_per_s=ops_per_s if ops_per_s is not None else n / (total / 1e9),
            p50_us=q(0.50),
            p95_us=q(0.95),
            p99_us=q(0.99),
            max_us=s[-1] / 1000,
            mean_us=total / n / 1000,
        )


def timed(fn: Callable[[], object]) -> int:
    start = perf_counter_ns()
    fn()
    return perf_counter_ns() - start


def statements_per_call(engine: Engine, fn: Callable[[], object], calls: int) -> float:
    """The mean number of SQL statements ``fn`` sends to the database (each one is a
    round trip to the server on PostgreSQL; a library call on SQLite)."""
    count = 0

    def seen(*_args) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(calls):
            fn()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count / calls


def floor_latencies(engine: Engine, n: int = 2000) -> list[Latency]:
    """What any query costs at least through this engine: ``SELECT 1`` in an open
    session, and a fresh ``Session`` that runs it (connection checkout -- with
    ``pool_pre_ping`` on PostgreSQL one more round trip --, ``BEGIN``, the statement,
    the rollback at close)."""
    from sqlalchemy import text
    from sqlmodel import Session

    one = text("SELECT 1")
    with Session(engine) as session:
        session.connection()
        for _ in range(200):
            session.execute(one).all()
        open_ns = [timed(lambda: session.execute(one).all()) for _ in range(n)]

    def fresh() -> None:
        with Session(engine) as s:
            s.execute(one).all()

    for _ in range(200):
        fresh()
    fresh_ns = [timed(fresh) for _ in range(n)]
    return [Latency.of("floor: SELECT 1, open session", open_ns),
            Latency.of("floor: fresh Session + SELECT 1", fresh_ns)]


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    kib = resource.getrusage(who).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def use_mmap(engine: Engine, mib: int) -> None:
    """Have every new SQLite connection of ``engine`` read the file through a memory map
    of up to ``mib`` MiB (``PRAGMA mmap_size``): pages come from the OS page cache
    without a read() system call each.  0 leaves the engine as ``make_engine`` built it."""
    if mib <= 0:
        return

    @event.listens_for(engine, "connect")
    def _mmap(dbapi_connection, _record):  # runs after make_engine's own hook
        dbapi_connection.execute(f"PRAGMA mmap_size={mib * 1024 * 1024}")


def raise_nofile(target: int = 65_536) -> int:
    """As many open files as allowed, up to ``target`` (a node or client holding
    thousands of websockets needs a descriptor each); the hard limit is raised too
    where the process may (root).  Returns the soft limit now in force."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in ((max(target, hard), max(target, hard)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (a PostgreSQL server: the
    postmaster and its backends), read from ``/proc``: the running children's own time,
    plus the time of every child that has exited (in ``pid``'s ``cutime``/``cstime``
    once reaped), so backends that come and go with pooled connections still count."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid):  # utime, stime, cutime, cstime
            total += sum(int(x) for x in fields[11:15]) / tick
        elif fields[1] == str(pid):  # a running child: utime, stime
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def warm_file_cache(path: Path) -> None:
    """Read the database once so its pages are in the OS page cache, as a server's
    working set would be.  (This VM's proactive reclaim drops idle file pages within
    minutes; without this, a run measures the virtual disk as much as the code.)"""
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            with file.open("rb") as f:
                while f.read(1 << 20):
                    pass


def sqlite_size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1024 / 1024


def table(rows: Sequence[Latency]) -> str:
    head = f"{'measure':<36} {'n':>7} {'ops/s':>10} {'p50 µs':>9} {'p95 µs':>9} {'p99 µs':>9} {'max µs':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:<36} {r.n:>7} {r.ops_per_s:>10,.0f} {r.p50_us:>9.1f} {r.p95_us:>9.1f} "
            f"{r.p99_us:>9.1f} {r.max_us:>9.1f}"
        )
    return "\n".join(lines)


def git_commit() -> str:
    """The checked-out commit, with ``+dirty`` when the working tree has changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def machine(postgresql: str | None = None) -> dict[str, object]:
    """CPU count, RAM, Python, SQLite (and PostgreSQL when used), the git commit, and
    the load average when asked (this VM is shared: compare ratios within one run)."""
    import sqlite3

    info: dict[str, object] = {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "git_commit": git_commit(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if postgresql:
        info["postgresql"] = postgresql
    return info


def save(name: str, data: dict, summary_text: str, out: Path = RESULTS, postgresql: str | None = None) -> Path:
    """Write ``<out>/<name>.json`` and append the printed summary to ``<out>/README.md``."""
    out.mkdir(parents=True, exist_ok=True)
    data = {"name": name, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(postgresql), **data, "summary": summary_text}
    path = out / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    log = out / "README.md"
    if not log.exists():
        log.write_text("# Benchmark run log\n\nEach run appends its summary here, newest last.\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as f:
        f.write(f"\n## {name} — {data['finished_at']}\n\n```\n{summary_text}\n```\n")
    return path


def _jsonable(value: object) -> object:
    if isinstance(value, Latency):
        return asdict(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# --- the benchmark database -----------------------------------------------------------

BACKENDS = ("sqlite", "postgresql")
PG_DATABASE = "samband_bench"
# The benchmark cluster: as durable as SQLite in WAL mode with synchronous=NORMAL (what
# make_engine sets): a commit does not wait for the disk, nothing is unsafe (fsync and
# full-page writes on).  shared_buffers holds most of the Norway-scale database (~1.5 GB);
# the rest comes from the OS page cache, as SQLite's pages do.
PG_SETTINGS = {
    "fsync": "on", "full_page_writes": "on", "synchronous_commit": "off",
    "shared_buffers": "1GB", "effective_cache_size": "4GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min",
    "max_connections": "300",
}


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=BACKENDS, default="sqlite",
                        help="sqlite (a file, as web.database builds it) or postgresql (a throwaway cluster from "
                             "Debian's packages, tests/support/postgres.Cluster)")
    parser.add_argument("--db-path", type=Path,
                        help="keep the generated population here and reuse it when it is already there: "
                             "an SQLite file, or a PostgreSQL cluster directory")
    parser.add_argument("--mmap-mib", type=int, default=0, help="SQLite only: PRAGMA mmap_size for the measuring engine")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON result goes (default bench/results)")


@dataclass
class BenchDatabase:
    """The database a benchmark measures; ``close()`` stops and removes what it started."""

    backend: str
    url: str
    engine: Engine
    location: Path  # the SQLite file, or the PostgreSQL cluster's directory
    generated: dict | None  # what generate() returned; None for a reused database
    cluster: object | None = None  # tests.support.postgres.Cluster
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def version(self) -> str:
        import sqlite3

        return self.cluster.version() if self.cluster else sqlite3.sqlite_version  # type: ignore[attr-defined]

    def size_mb(self) -> float:
        if self.cluster is None:
            return sqlite_size_mb(self.location)
        [(size,)] = self.cluster.admin(f"SELECT pg_database_size('{PG_DATABASE}')")  # type: ignore[attr-defined]
        return size / 1024 / 1024

    def describe(self) -> str:
        if self.cluster is None:
            return f"SQLite {self.version()} at {self.location}"
        return (f"PostgreSQL {self.version().split()[0]} in {self.location} (shared_buffers "
                f"{PG_SETTINGS['shared_buffers']}, synchronous_commit off; engine as web.database.make_engine builds it)")

    def result_fields(self, sizes: dict, counts: dict, size_mb: float) -> dict:
        """What every population benchmark's result file says about its database."""
        return {
            "backend": self.backend,
            "database": self.describe(),
            "sizes": sizes,
            "counts": counts,
            "generation": self.generated,
            "database_mb": round(size_mb, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "generator_peak_rss_mb": round(peak_rss_mb(children=True), 1) if self.generated else None,
        }

    def close(self) -> None:
        self.engine.dispose()
        if self.cluster is not None:
            self.cluster.stop()  # type: ignore[attr-defined]
        if self._tmp is not None:
            self._tmp.cleanup()


def _generate_in_child(generate: Callable, url: str, sizes: dict, seed: int):
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    print(f"generating {sizes} (seed {seed}) ...", flush=True)
    started = perf_counter()
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
        generated = pool.submit(generate, url, sizes, seed).result()
    print(f"generated in {perf_counter() - started:.1f} s", flush=True)
    return generated


def start_cluster(directory: Path | None):
    """A PostgreSQL cluster with ``PG_SETTINGS``: in ``directory`` (kept, reused when
    there) or in a temporary directory (removed by ``stop``)."""
    from tests.support.postgres import Cluster  # the one throwaway-cluster helper, shared with the tests

    cluster = Cluster(directory, PG_SETTINGS)
    cluster.start()
    return cluster


def prepare_database(backend: str, path: Path | None, generate: Callable, sizes: dict, seed: int,
                     mmap_mib: int = 0) -> BenchDatabase:
    """The benchmark database: the one kept at ``path`` if there is one, else
    generated by ``generate(url, sizes, seed)`` in a forked child (so the generator's
    memory is not the benchmark's) into ``path`` or a temporary place.

    SQLite: ``path`` is the database file.  PostgreSQL: ``path`` is a cluster
    directory; the population is the database ``samband_bench`` in it, marked complete
    (a comment on the database) only once generated, vacuumed and analysed.  Either
    way the pages are read once before measuring (``warm``).
    """
    from web.database import make_engine

    if backend == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="samband-bench-") if path is None else None
        file = path or Path(tmp.name) / "bench.db"  # type: ignore[union-attr]
        url = f"sqlite:///{file}"
        generated = None if file.exists() else _generate_in_child(generate, url, sizes, seed)
        warm_file_cache(file)
        engine = make_engine(url)
        use_mmap(engine, mmap_mib)
        return BenchDatabase("sqlite", url, engine, file, generated, None, tmp)

    cluster = start_cluster(path)
    try:
        url = cluster.url(PG_DATABASE)
        wanted = json.dumps({"sizes": sizes, "seed": seed}, sort_keys=True)
        [(stored,)] = cluster.admin("SELECT (SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                    f"WHERE datname = '{PG_DATABASE}')")
        generated = None
        if stored and stored != wanted:
            print(f"note: reusing {PG_DATABASE}, generated for {stored} (asked: {wanted}); counts are read back",
                  flush=True)
        if not stored:
            cluster.admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            cluster.admin(f"CREATE DATABASE {PG_DATABASE}")
            generated = _generate_in_child(generate, url, sizes, seed)
            started = perf_counter()
            cluster.admin("VACUUM (ANALYZE)", PG_DATABASE)  # as autovacuum would have, long before a measurement
            cluster.admin("CHECKPOINT")
            generated["vacuum_analyze_seconds"] = perf_counter() - started
            cluster.admin(f"COMMENT ON DATABASE {PG_DATABASE} IS '{wanted}'")
        _warm_postgresql(cluster)
        return BenchDatabase("postgresql", url, make_engine(url), cluster.directory, generated, cluster, None)
    except BaseException:
        cluster.stop()
        raise


def _warm_postgresql(cluster) -> None:
    """The counterpart of ``warm_file_cache``: the database's files into the OS page
    cache, then as much as fits into shared_buffers (``pg_prewarm``, from contrib)."""
    [(oid,)] = cluster.admin(f"SELECT oid FROM pg_database WHERE datname = '{PG_DATABASE}'")
    for file in sorted((cluster.data / "base" / str(oid)).iterdir()):
        if file.is_file():
            warm_file_cache(file)
    try:
        cluster.admin("CREATE EXTENSION IF NOT EXISTS pg_prewarm", PG_DATABASE)
        cluster.admin("SELECT pg_prewarm(c.oid) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                      "AND c.relkind IN ('r', 'i', 't') ORDER BY c.relkind DESC, c.relpages", PG_DATABASE)
    except Exception as exc:  # noqa: BLE001 - contrib missing: the OS page cache still holds the files
        print(f"note: pg_prewarm unavailable ({type(exc).__name__}); relying on the OS page cache", flush=True)
