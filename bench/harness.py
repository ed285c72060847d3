"""What the benchmarks share: latency statistics, peak memory, database size, SQLite
tuning, the printed table and the JSON result file."""

from __future__ import annotations

import json
import math
import platform
import resource
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter_ns

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


def machine() -> dict[str, str]:
    import sqlite3

    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def save(name: str, data: dict, summary_text: str) -> Path:
    """Write ``results/<name>.json`` and append the printed summary to results/README.md."""
    RESULTS.mkdir(exist_ok=True)
    data = {"name": name, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), **data}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    log = RESULTS / "README.md"
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


def prepare_database(db: Path | None, generate: Callable, sizes: dict, seed: int, mmap_mib: int):
    """The benchmark database: ``db`` if it exists, else generated (in a forked child,
    so the generator's memory is not the benchmark's) into ``db`` or a temp dir.

    Returns ``(engine, path, generated, tmp)``: ``generated`` is what ``generate(url,
    sizes, seed)`` returned, or None for a reused database; ``tmp`` must be cleaned up
    by the caller (it holds the file when no ``db`` was given).
    """
    import tempfile
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context
    from time import perf_counter

    from web.database import make_engine

    tmp = tempfile.TemporaryDirectory(prefix="samband-bench-")
    path = db or Path(tmp.name) / "bench.db"
    url = f"sqlite:///{path}"
    generated = None
    if not path.exists():
        print(f"generating {sizes} into {path} ...", flush=True)
        started = perf_counter()
        with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
            generated = pool.submit(generate, url, sizes, seed).result()
        print(f"generated in {perf_counter() - started:.1f} s", flush=True)
    warm_file_cache(path)
    engine = make_engine(url)
    use_mmap(engine, mmap_mib)
    return engine, path, generated, tmp
