"""Send-and-deliver throughput and latency of sealed messages, against a bare baseline.

    .venv/bin/python -m bench.bench_messaging                    # SQLite, one node (~2.5 min)
    .venv/bin/python -m bench.bench_messaging --db postgresql    # PostgreSQL, two nodes (~5 min)
    .venv/bin/python -m bench.bench_messaging --quick            # ~45 s (PostgreSQL ~55 s); delivers at 10/s
    .venv/bin/python -m bench.bench_messaging --py-spy           # + sample the server (pip install py-spy)

Everything runs on loopback and stops by itself.  Both servers run in their own
processes (their own GIL), started as an operator would:

- samband: ``python -m web serve --port P`` (migrates, loads the demo population) with
  ``SAMBAND_DATABASE_URL`` / ``SAMBAND_DATA_DIR`` / ``SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE``
  in a temporary directory;
- the baseline: ``python -m uvicorn bench.baseline_app:app`` (``bench/baseline_app.py``:
  one FastAPI endpoint inserting one 1 KB row, same engine and pragmas).

With ``--db postgresql`` both use a throwaway PostgreSQL cluster
(``bench.harness.start_cluster``), and samband runs as two nodes on the one database,
as a deployment does: node A (``serve``: migrates, demo data, the embedded IdP) and
node B (``serve --no-demo --no-migrate``, the same data directory's keys, A's IdP as
its OIDC issuer).  Senders post to A; in part 2 Lise's websocket is on B, so every
push crosses between the nodes (PostgreSQL LISTEN/NOTIFY, ``messaging/pg_fanout.py``;
without it a push waits for B's next ping pull).  Part 1 also splits 32 senders
over both nodes, and part 2 also measures the same-node path at the lowest rate.
The CPU of the PostgreSQL server (all its processes) is reported beside the nodes'.

1. Throughput at 1, 8 and 32 concurrent senders.  The GP (``solberg``, demo key store)
   writes a ``functional_assessment`` in Hansen's case to the company physician
   (``vold``, who has Hansen's consent for ``functional_ability``).  Envelopes are
   sealed beforehand with ``SambandClient.seal`` (the sender's cost, outside the timed
   window); then N asyncio tasks POST them back to back for a fixed time.  The
   baseline gets the same load generator, the same concurrency and a 1 KB body.
   Reported: messages/s, p50/p99 request latency, CPU of server and load generator,
   and samband/baseline.  The load generator is a lean HTTP/1.1 client (``RawClient``;
   ``--client httpx`` uses ``httpx.AsyncClient``, which costs the shared CPUs ~10x more).
2. Delivery to an online recipient: Lise (nearest manager, consent given) is
   connected to ``/ws``; the GP sends at a steady 50 messages/s (open loop: one POST
   every 20 ms, whatever the previous one is doing), and in the full run first at 10
   and 25/s.  Latency = from just before the POST to the push arriving on the
   websocket, and from the POST's response (the send acknowledged) to the push, both
   on this process's clock.  Opening (decrypting) the pushed view is the client's
   cost and measured apart.
3. Where the time goes: with the server idle but up, ``Delivery.accept`` and the push
   (``Delivery.push_payload``) run in this process against the server's database,
   alternately plain (their latency) and instrumented (where the time goes), with one
   send over HTTP between them (the whole request, timed in the same minute).  Time is
   split by purpose -- crypto (``envelope.parse``/``verify``/``view_for``), consent
   (``decide_many``, the disclosure-log append, their queries included), the operation's
   own work -- and by resource: Python, SQLAlchemy ORM, SQLite.  Bearer-token check,
   actor lookup and body parsing (every request) are timed apart.  ``--py-spy``
   samples the server itself during the 32-sender window.

Targets (the issue): samband at 32 senders >= 40 % of the baseline's throughput;
delivery to an online recipient p99 <= 22 ms at 50 messages/s.

Writes ``bench/results/messaging.json`` (``messaging-postgresql.json``, ``-quick``),
machine included.  See bench/MESSAGING.md and bench/REPORT.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import cProfile
import http.client
import io
import itertools
import json
import math
import os
import pstats
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter, perf_counter_ns
from types import SimpleNamespace

import httpx
import websockets

from bench.harness import RESULTS, Latency, machine, peak_rss_mb, raise_nofile, tree_cpu_seconds
from messaging.client import SambandClient
from messaging.keys import Identity, b64
from messaging.signin import login

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = (1, 8, 32)
TARGET_RATIO = 0.40  # samband / baseline throughput at 32 senders
TARGET_DELIVERY_P99_MS = 22.0
DELIVERY_RATE = 50.0  # messages per second
KIND = "functional_assessment"
PURPOSE = "workplace_adaptation"
STARTUP_TIMEOUT = 60.0

PROFILES = {
    # window: seconds of load per (server, concurrency); cap: envelopes sealed per level
    # extra_rates: delivery also measured below the target rate, for the shape of the curve
    "full": dict(window=10.0, cap={1: 1500, 8: 3000, 32: 3000}, delivery_seconds=20.0, extra_rates=(10.0, 25.0),
                 extra_seconds=10.0, breakdown=500, delivery_rate=DELIVERY_RATE),
    # quick: a smoke check in about a minute; it delivers at 10/s, below saturation
    # (at 50/s a saturated server takes long to drain), so it does not test the target.
    "quick": dict(window=2.0, cap={1: 300, 8: 600, 32: 600}, delivery_seconds=5.0, extra_rates=(),
                  extra_seconds=0.0, breakdown=60, delivery_rate=10.0),
}


# --- servers in their own processes ------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server in a child process on a loopback port; stopped (SIGINT, then SIGKILL)
    on exit.  ``cpu_seconds()`` and ``peak_rss_mb()`` read ``/proc/<pid>``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], ready_url: str, log_path: Path):
        self.name, self.argv, self.env, self.ready_url, self.log_path = name, argv, env, ready_url, log_path
        self.proc: subprocess.Popen | None = None
        self._peak_rss = 0.0

    def __enter__(self) -> ServerProcess:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=raise_nofile)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        try:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} did not start within {STARTUP_TIMEOUT} s:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(self.ready_url, timeout=2.0).status_code == 200:
                        return self
                time.sleep(0.1)
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._peak_rss = self.peak_rss_mb()
            self.proc.send_signal(signal.SIGINT)  # uvicorn: graceful shutdown, lifespan included
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def peak_rss_mb(self) -> float:
        if self.proc is None or self.proc.poll() is not None:
            return self._peak_rss
        return self._status_mib("VmHWM:")

    def rss_mb(self) -> float:
        """Resident set size now (``VmRSS``)."""
        return self._status_mib("VmRSS:")

    def _status_mib(self, field: str) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
        return 0.0


def _no_database_cpu() -> float:
    return 0.0


# CPU seconds of the PostgreSQL server so far (set by main on --db postgresql): its
# backends do a share of every request's work that the app node's CPU does not show.
DATABASE_CPU: Callable[[], float] = _no_database_cpu


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SAMBAND_", "BENCH_"))}


def samband_server(workdir: Path, database_url: str | None = None, *, name: str = "samband",
                   extra_env: dict[str, str] | None = None) -> ServerProcess:
    """``python -m web serve``: migrates, loads the demo population, and serves, with
    its data directory (keys, demo key stores) in ``workdir``."""
    port = free_port()
    env = _clean_env() | {
        "SAMBAND_DATABASE_URL": database_url or f"sqlite:///{workdir / 'samband.db'}",
        "SAMBAND_DATA_DIR": str(workdir),
        "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(workdir / "log-signing-key.pem"),
    } | (extra_env or {})
    argv = [sys.executable, "-m", "web", "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    return ServerProcess(name, argv, env, f"{base}/idp/.well-known/openid-configuration", workdir / f"{name}.log")


def second_node(first: ServerProcess, workdir: Path, database_url: str, *, name: str = "samband-b") -> ServerProcess:
    """Another app node on the same database, as a deployment runs them: it shares the
    data directory's keys (consent log signing key) and trusts the first node's
    embedded IdP as its OIDC issuer, as every node trusts the one external IdP.  It
    neither migrates nor loads demo data (the first node did)."""
    port = free_port()
    env = _clean_env() | {
        "SAMBAND_DATABASE_URL": database_url,
        "SAMBAND_DATA_DIR": str(workdir),
        "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(workdir / "log-signing-key.pem"),
        "SAMBAND_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SAMBAND_OIDC__ISSUER": f"{base_url(first)}/idp",
    }
    flags = ["--no-demo"] + (["--no-migrate"] if "--migrate" in (ROOT / "web" / "cli.py").read_text() else [])
    argv = [sys.executable, "-m", "web", "serve", "--host", "127.0.0.1", "--port", str(port), *flags]
    return ServerProcess(name, argv, env, f"http://127.0.0.1:{port}/openapi.json", workdir / f"{name}.log")


def fanout_in_tree() -> str | None:
    """Where cross-node fan-out (PostgreSQL LISTEN) is implemented, if it is."""
    for path in sorted((ROOT / "messaging").glob("*.py")):
        if "LISTEN " in path.read_text():
            return str(path.relative_to(ROOT))
    return None


def baseline_server(workdir: Path, database_url: str | None = None) -> ServerProcess:
    port = free_port()
    env = _clean_env() | {"BENCH_BASELINE_DB": str(workdir / "baseline.db")}
    if database_url:
        env["BENCH_BASELINE_URL"] = database_url
    # The same uvicorn settings as ``samband serve``: h11, asyncio, access log at info.
    argv = [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "info"]
    return ServerProcess("baseline", argv, env, f"http://127.0.0.1:{port}/health", workdir / "baseline.log")


def base_url(server: ServerProcess) -> str:
    return server.ready_url.split("/", 3)[0] + "//" + server.ready_url.split("/", 3)[2]


# --- the samband side: people, threads, sealed envelopes ---------------------------------------


class PresealingClient(SambandClient):
    """``SambandClient`` whose key hand-out answer is fetched once per (thread,
    categories, purposes) and then reused.  ``seal`` is the client's own; only the
    hand-out round trip (which also appends a decision to Hansen's log) is not
    repeated for each of the thousands of envelopes sealed before a timed window."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._handouts: dict[tuple[str, str], dict] = {}

    def _json(self, method: str, path: str, **kw):
        if method == "POST" and path.endswith("/keys"):
            key = (path, json.dumps(kw.get("json"), sort_keys=True))
            if key not in self._handouts:
                self._handouts[key] = super()._json(method, path, **kw)
            return self._handouts[key]
        return super()._json(method, path, **kw)


@dataclass
class World:
    base: str
    workdir: Path
    tokens: dict[str, str]
    actors: dict[str, str]
    case_id: str
    load_thread: str  # GP -> company physician (offline): the throughput runs
    live_thread: str  # GP -> nearest manager (online on /ws): the delivery run
    gp: PresealingClient
    jwks: dict
    database_url: str = ""
    seal_ns: list[int] = field(default_factory=list)
    envelope_bytes: int = 0

    ping_seconds: float = 20.0  # the servers' websocket ping interval (Settings.ws_ping_seconds)
    lise_cursor: int = 0  # the last inbox seq Lise's websocket saw
    server_profile: dict | None = None  # --py-spy

    def messages_path(self, thread_id: str) -> str:
        return f"/cases/{self.case_id}/threads/{thread_id}/messages"


def set_up(base: str, workdir: Path, database_url: str | None = None) -> World:
    stores = {u: json.loads((workdir / "demo-keystores" / f"{u}.json").read_text()) for u in ("solberg", "lise", "vold")}
    tokens = {u: login(base, u) for u in ("solberg", "lise", "hansen")}
    actors = {u: s["actor_id"] for u, s in stores.items()}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['hansen']}"}, timeout=30) as hansen:
        actors["hansen"] = hansen.get("/directory/me").json()["id"]
        for who in ("lise", "vold"):  # Hansen lets them learn his functional ability, for adaptation
            r = hansen.post("/consent/grants", json={
                "recipient": {"kind": "person", "id": actors[who]}, "categories": ["functional_ability"],
                "purposes": [PURPOSE], "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat()})
            r.raise_for_status()
        discovery = hansen.get("/idp/.well-known/openid-configuration").json()
        jwks = httpx.get(discovery["jwks_uri"], timeout=10).json()
    gp = PresealingClient(base, tokens["solberg"], Identity.from_json(stores["solberg"]))
    case_id = next(c["id"] for c in gp.cases() if c["employee_id"] == actors["hansen"])
    load_thread = gp.start_thread(case_id, [actors["vold"]], topic=KIND)["id"]
    live_thread = gp.start_thread(case_id, [actors["lise"]], topic=KIND)["id"]
    return World(base, workdir, tokens, actors, case_id, load_thread, live_thread, gp, jwks,
                 database_url=database_url or f"sqlite:///{workdir / 'samband.db'}")


def seal_many(world: World, thread_id: str, n: int) -> list[tuple[str, bytes]]:
    """``n`` (message id, request body) pairs, sealed now.  Each seal is a new message
    (fresh message id, content keys and HPKE encapsulations)."""
    from messaging import envelope

    out = []
    tag = secrets.token_hex(3)
    for i in range(n):
        form = {"functional_ability": f"Kan jobbe halv dag fra mandag, uten løft over 5 kg. ({tag}-{i})"}
        t0 = perf_counter_ns()
        sealed = world.gp.seal(world.case_id, thread_id, KIND, form, purpose=PURPOSE)
        world.seal_ns.append(perf_counter_ns() - t0)
        world.envelope_bytes = len(sealed)
        body = json.dumps({"envelope": b64(sealed), "purpose": PURPOSE, "purposes": {}}).encode()
        out.append((envelope.parse(sealed).header.message_id, body))
    return out


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


# --- the load generator -----------------------------------------------------------------------


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@dataclass
class LoadResult:
    server: str
    concurrency: int
    latency: Latency
    ok: int
    errors: dict[str, int]
    first_error: str | None
    seconds: float
    server_cpu: float  # cores busy in the server process over the window
    client_cpu: float  # cores busy in this (load generator) process over the window
    request_bytes: int
    db_cpu: float = 0.0  # cores busy in the PostgreSQL server (all its processes); 0 on SQLite


class RawClient:
    """A lean HTTP/1.1 keep-alive client on asyncio streams, for POSTing prepared bodies.

    The load generator shares this machine's CPUs with the server.  httpx spends about
    1.5 ms of CPU per request here (and one shared ``AsyncClient`` degrades badly with
    32 connections), which took a core away from the server and capped the baseline at
    ~150-350 requests/s; this client spends about 0.15 ms.  ``--client httpx`` measures
    with ``httpx.AsyncClient`` instead.  Each connection carries one request at a time;
    a request waits for a free connection once ``max_connections`` are open."""

    def __init__(self, base: str, headers: dict[str, str], max_connections: int):
        host_port = base.split("://", 1)[1].rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.head = "".join(f"{k}: {v}\r\n" for k, v in ({"host": host_port} | headers).items()).encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.all: list[asyncio.StreamWriter] = []

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        async with self.slots:
            reader = writer = None
            while self.idle:  # uvicorn closes keep-alive connections idle for 5 s: never reuse those
                reader, writer, since = self.idle.pop()
                if not reader.at_eof() and not writer.is_closing() and perf_counter() - since < MAX_IDLE:
                    break
                writer.close()
                reader = writer = None
            if writer is None:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                self.all.append(writer)
            writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\n" + self.head
                         + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            status = int(lines[0].split(b" ", 2)[1])
            fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:] if line)}
            if b"content-length" in fields:
                data = await reader.readexactly(int(fields[b"content-length"]))
            else:  # chunked (not sent by uvicorn for these responses, but be correct)
                data = b""
                while size := int((await reader.readuntil(b"\r\n")).strip() or b"0", 16):
                    data += (await reader.readexactly(size + 2))[:-2]
                await reader.readuntil(b"\r\n")
            if fields.get(b"connection", b"").lower() == b"close":
                writer.close()
            else:
                self.idle.append((reader, writer, perf_counter()))
            return status, data

    async def aclose(self) -> None:
        for writer in self.all:
            writer.close()
        for writer in self.all:
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class HttpxClient:
    """``httpx.AsyncClient`` behind the same two methods as ``RawClient``."""

    def __init__(self, base: str, headers: dict[str, str], max_connections: int):
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.http = httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60.0)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        response = await self.http.post(path, content=body)
        return response.status_code, response.content

    async def aclose(self) -> None:
        await self.http.aclose()


CLIENTS = {"raw": RawClient, "httpx": HttpxClient}
MAX_IDLE = 3.0  # seconds a kept-alive connection may sit idle before RawClient drops it
CONNECTION_ERRORS = (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                     httpx.HTTPError)


async def _post(poster, path: str, body: bytes) -> tuple[int, bytes]:
    """Status 0 and the error's name when the connection failed."""
    try:
        return await poster.post(path, body)
    except CONNECTION_ERRORS as exc:
        return 0, f"connection error: {type(exc).__name__}: {exc}".encode()


async def _drive(poster, path: str, bodies: Iterator[bytes], concurrency: int, deadline: float,
                 samples: list[tuple[int, int]], errors: Counter, first_error: list[str]) -> None:
    async def worker() -> None:
        for body in bodies:  # shared iterator: each body is sent once
            if perf_counter() >= deadline:
                return
            t0 = perf_counter_ns()
            status, data = await _post(poster, path, body)
            t1 = perf_counter_ns()
            if status in (200, 201):
                samples.append((t0, t1))
            else:
                errors[str(status)] += 1
                if not first_error:
                    first_error.append(f"{status} {data[:300].decode(errors='replace')}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def hammer(server: ServerProcess, name: str, path: str, bodies: Iterator[bytes], concurrency: int,
                 seconds: float, headers: dict[str, str], warmup: int, request_bytes: int, client: str) -> LoadResult:
    """``concurrency`` tasks POST back to back for ``seconds`` (or until ``bodies`` run out)."""
    poster = CLIENTS[client](base_url(server), headers | {"content-type": "application/json"}, concurrency)
    try:
        # Warm-up, not counted: opens the connections, fills caches and the thread pool.
        await _drive(poster, path, itertools.islice(bodies, warmup), concurrency, float("inf"), [], Counter(), [])
        samples: list[tuple[int, int]] = []
        errors: Counter = Counter()
        first_error: list[str] = []
        cpu0, srv0, db0, start = _cpu_self(), server.cpu_seconds(), DATABASE_CPU(), perf_counter()
        await _drive(poster, path, bodies, concurrency, start + seconds, samples, errors, first_error)
        wall = perf_counter() - start
        cpu1, srv1, db1 = _cpu_self(), server.cpu_seconds(), DATABASE_CPU()
    finally:
        await poster.aclose()
    if not samples:
        raise RuntimeError(f"{name}: no request succeeded: {first_error[0] if first_error else '?'}")
    span = (max(e for _, e in samples) - min(s for s, _ in samples)) / 1e9
    latency = Latency.of(f"{name} x{concurrency}", [e - s for s, e in samples], ops_per_s=len(samples) / span)
    return LoadResult(name, concurrency, latency, len(samples), dict(errors), first_error[0] if first_error else None,
                      wall, (srv1 - srv0) / wall, (cpu1 - cpu0) / wall, request_bytes, (db1 - db0) / wall)


def baseline_bodies() -> Iterator[bytes]:
    """Endless 1 KB payloads (1024 characters of base64url), a few hundred distinct ones."""
    pool = [json.dumps({"payload": secrets.token_urlsafe(768)}).encode() for _ in range(256)]
    assert all(len(json.loads(b)["payload"]) == 1024 for b in pool)
    return itertools.cycle(pool)


# --- sampling the server (optional: py-spy installed into the venv) -----------------------------

SPY_BUCKETS = (  # the innermost of these on a sample's stack names its bucket
    ("messaging/envelope/", "envelope crypto"),
    ("consent/", "consent (decide + log append)"),
    ("messaging/delivery.py", "Delivery, its own work"),
    ("web/auth.py", "auth (token check + actor lookup)"),
    ("web/deps.py", "request session open/close"),
)


def py_spy(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    exe = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if exe is None:
        return None
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--gil", "--nonblocking", "--format", "raw",
                             "--rate", "200", "--duration", str(math.ceil(seconds)), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_py_spy(path: Path) -> dict:
    """Samples (taken while a thread held the GIL) per bucket, with the share of each
    bucket whose innermost frame is in SQLAlchemy/SQLModel/sqlite3; top own-time functions.
    A stack py-spy could not unwind to its thread's root and that names none of the
    buckets' modules is counted apart, not as framework."""
    buckets: Counter = Counter()
    database: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        bucket = "HTTP, framework, event loop"
        if not frames[0].startswith(("Thread._bootstrap", "_run_module_as_main")):
            bucket = "unattributed (stack cut short)"
        for frame in reversed(frames):
            match = next((name for marker, name in SPY_BUCKETS if marker in frame), None)
            if match:
                bucket = match
                break
        buckets[bucket] += n
        leaf = frames[-1]
        if any(m in leaf for m in ("sqlalchemy/", "sqlmodel/", "sqlite3", "psycopg")):
            database[bucket] += n
        leaves[re.sub(r":\d+\)$", ")", leaf)] += n
    return {
        "samples": total,
        "buckets": {b: {"share": n / total, "database_share": database[b] / n} for b, n in buckets.most_common()},
        "top_own": [(f, n / total) for f, n in leaves.most_common(15)],
    }


async def hammer_split(servers: list[ServerProcess], path: str, bodies: Iterator[bytes], concurrency: int,
                       seconds: float, headers: dict[str, str], warmup: int, request_bytes: int,
                       client: str) -> list[LoadResult]:
    """``hammer`` on several nodes at once, the senders split evenly between them."""
    share = max(1, concurrency // len(servers))
    return list(await asyncio.gather(*(
        hammer(server, f"samband send via {server.name}", path, bodies, share, seconds, headers, warmup,
               request_bytes, client)
        for server in servers
    )))


def run_split_throughput(world: World, nodes: list[ServerProcess], profile: dict, client: str,
                         log: Callable[[str], None]) -> dict:
    """32 senders split between the nodes: what a second node adds on this machine."""
    c = CONCURRENCY[-1]
    warm = max(30, 2 * c)
    sealed = seal_many(world, world.load_thread, profile["cap"][c] + len(nodes) * warm)
    results = asyncio.run(hammer_split(nodes, world.messages_path(world.load_thread), iter(b for _, b in sealed), c,
                                       profile["window"], {"authorization": f"Bearer {world.tokens['solberg']}"},
                                       warm, len(sealed[0][1]), client))
    total = sum(r.latency.ops_per_s for r in results)
    log(f"  {c:>2} senders split over {len(nodes)} nodes: {total:8.0f}/s  ("
        + ", ".join(f"{r.server}: {r.latency.ops_per_s:.0f}/s p99 {r.latency.p99_us / 1000:.1f} ms" for r in results)
        + ")")
    return {"concurrency": c, "nodes": [r.server for r in results], "per_node": results, "total_per_s": total}


def run_throughput(world: World, samband: ServerProcess, baseline: ServerProcess, profile: dict, client: str,
                   log: Callable[[str], None], spy: bool = False) -> list[dict]:
    base_bodies = baseline_bodies()
    results = []
    for c in CONCURRENCY:
        warm = max(30, 2 * c)
        log(f"  {c:>2} senders: sealing {profile['cap'][c] + warm} envelopes ...")
        sealed = seal_many(world, world.load_thread, profile["cap"][c] + warm)
        b = asyncio.run(hammer(baseline, "baseline", "/rows", base_bodies, c, profile["window"], {}, warm, 1024, client))
        log(f"  {c:>2} senders: baseline {b.latency.ops_per_s:8.0f}/s  p50 {b.latency.p50_us / 1000:6.2f} ms  "
            f"p99 {b.latency.p99_us / 1000:6.2f} ms")
        sampler = None
        if spy and c == CONCURRENCY[-1]:
            sampler = py_spy(samband.proc.pid, profile["window"], world.workdir / "samband-py-spy.txt")
            if sampler is None:
                log("     (--py-spy: no py-spy found; install it with .venv/bin/pip install py-spy)")
        s = asyncio.run(hammer(samband, "samband send", world.messages_path(world.load_thread),
                               iter(body for _, body in sealed), c, profile["window"],
                               {"authorization": f"Bearer {world.tokens['solberg']}"}, warm, len(sealed[0][1]), client))
        if sampler is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                sampler.wait(timeout=30)
            if sampler.poll() is None:
                sampler.kill()
            out = world.workdir / "samband-py-spy.txt"
            if out.exists() and out.stat().st_size:
                world.server_profile = summarize_py_spy(out) | {"concurrency": c}
            else:
                log("     (--py-spy recorded nothing: ptrace not permitted?)")
        if s.ok + warm >= len(sealed):
            log(f"     (ran out of sealed envelopes after {s.seconds:.1f} s; raise the cap for a longer window)")
        log(f"  {c:>2} senders: samband  {s.latency.ops_per_s:8.0f}/s  p50 {s.latency.p50_us / 1000:6.2f} ms  "
            f"p99 {s.latency.p99_us / 1000:6.2f} ms  -> {s.latency.ops_per_s / b.latency.ops_per_s:.0%} of baseline")
        results.append({"concurrency": c, "baseline": b, "samband": s,
                        "ratio": s.latency.ops_per_s / b.latency.ops_per_s})
    return results


# --- delivery to an online recipient ---------------------------------------------------------------


async def _delivery(world: World, sealed: list[tuple[str, bytes]], rate: float, warm: int, client: str,
                    ws_base: str, wait_s: float) -> dict:
    ws_url = ws_base.replace("http://", "ws://") + "/ws"
    expected = {mid for mid, _ in sealed}
    arrivals: dict[str, tuple[int, str, list]] = {}
    posts: dict[str, tuple[int, int, int]] = {}
    lags: list[float] = []
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {world.tokens['lise']}"}
    # No client keep-alive pings: an overloaded server answering late is what we measure,
    # not a reason to drop the connection (the server sends its own {"type": "ping"}).
    async with websockets.connect(ws_url, additional_headers=headers, max_size=None, ping_interval=None) as ws:
        await ws.send(json.dumps({"type": "resume", "cursor": world.lise_cursor}))
        ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ready["type"] == "ready", ready
        all_in = asyncio.Event()

        async def receive() -> None:
            while True:
                try:
                    frame = await ws.recv()
                except websockets.ConnectionClosed as exc:
                    errors.append(f"websocket closed: {exc}")
                    all_in.set()
                    return
                t = perf_counter_ns()  # arrival: before parsing or opening anything
                event = json.loads(frame)
                world.lise_cursor = max(world.lise_cursor, event.get("seq", event.get("cursor", 0)))
                if event.get("type") == "message" and event["message_id"] in expected:
                    arrivals[event["message_id"]] = (t, event["view"], event.get("withheld", []))
                    if len(arrivals) == len(expected):
                        all_in.set()

        receiver = asyncio.create_task(receive())
        poster = CLIENTS[client](world.base, {"authorization": f"Bearer {world.tokens['solberg']}",
                                            "content-type": "application/json"}, 64)
        try:
            path = world.messages_path(world.live_thread)

            async def post(mid: str, body: bytes) -> None:
                t0 = perf_counter_ns()
                status, data = await _post(poster, path, body)
                posts[mid] = (t0, perf_counter_ns(), status)
                if status != 201 and not errors:
                    errors.append(f"{status} {data[:200].decode(errors='replace')}")

            tasks = []
            start = perf_counter() + 0.05
            cpu0 = _cpu_self()
            for i, (mid, body) in enumerate(sealed):  # open loop: a fixed schedule
                target = start + i / rate
                delay = target - perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                lags.append(perf_counter() - target)
                tasks.append(asyncio.create_task(post(mid, body)))
            await asyncio.gather(*tasks)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_in.wait(), wait_s)
            wall = perf_counter() - start
            cpu1 = _cpu_self()
        finally:
            await poster.aclose()
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await receiver
    measured = [mid for mid, _ in sealed[warm:]]
    return {
        "arrivals": arrivals, "posts": posts, "measured": measured, "lags": lags[warm:], "wall": wall,
        "client_cpu": (cpu1 - cpu0) / wall, "errors": errors,
    }


def run_delivery(world: World, samband: ServerProcess, rate: float, seconds: float, client: str,
                 log: Callable[[str], None], ws_node: ServerProcess | None = None) -> dict:
    """Sends to ``samband`` (node A); Lise's websocket is on ``ws_node`` (node B) when
    given, so each push crosses between the nodes."""
    ws_node = ws_node or samband
    warm = max(10, int(rate))  # the first second is warm-up
    n = int(rate * seconds) + warm
    sealed = seal_many(world, world.live_thread, n)
    where = "the same node" if ws_node is samband else f"node {ws_node.name} (sends to {samband.name})"
    log(f"  {rate:.0f}/s for {n / rate:.0f} s with Lise on /ws of {where} ...")
    nodes = {samband.name: samband, ws_node.name: ws_node}
    srv0 = {k: node.cpu_seconds() for k, node in nodes.items()}
    db0 = DATABASE_CPU()
    # Without fan-out between nodes a push waits for the recipient node's next ping pull.
    wait_s = 15.0 if ws_node is samband else 15.0 + world.ping_seconds
    raw = asyncio.run(_delivery(world, sealed, rate, warm, client, base_url(ws_node), wait_s))
    srv1 = {k: node.cpu_seconds() for k, node in nodes.items()}
    db1 = DATABASE_CPU()
    arrivals, posts = raw["arrivals"], raw["posts"]
    ok = [m for m in raw["measured"] if m in arrivals and posts.get(m, (0, 0, 0))[2] == 201]
    failed_posts = Counter(str(posts[m][2]) for m in raw["measured"] if m in posts and posts[m][2] != 201)
    missing = len(raw["measured"]) - len(ok)
    if not ok:
        raise RuntimeError(f"delivery at {rate}/s: nothing arrived (failed POSTs: {dict(failed_posts)})")
    e2e = Latency.of("post -> push arrives", [arrivals[m][0] - posts[m][0] for m in ok],
                     ops_per_s=len(ok) / (raw["wall"]))
    post = Latency.of("  POST /messages (response)", [posts[m][1] - posts[m][0] for m in ok])
    after = [arrivals[m][0] - posts[m][1] for m in ok]

    # Opening the view is the recipient's own cost: measured apart, after the window.
    lise = SambandClient(world.base, world.tokens["lise"],
                         Identity.from_json(json.loads((world.workdir / "demo-keystores" / "lise.json").read_text())))
    open_ns, wrong = [], 0
    try:
        lise.open(_unb64(arrivals[ok[0]][1]))  # fetches the sender's signing key once
        for m in ok:
            view = _unb64(arrivals[m][1])
            t0 = perf_counter_ns()
            message = lise.open(view)
            open_ns.append(perf_counter_ns() - t0)
            wrong += message.id != m or not message.form.get("functional_ability", "").startswith("Kan jobbe")
    finally:
        lise.close()
    opened = Latency.of("  open the view (client)", open_ns)
    lags_ms = sorted(x * 1000 for x in raw["lags"])
    result = {
        "rate": rate, "seconds": seconds, "sent": len(raw["measured"]), "delivered": len(ok),
        "missing": missing, "failed_posts": dict(failed_posts), "opened_wrong": wrong,
        "e2e": e2e, "post": post, "open": opened,
        # From the POST's response (the send acknowledged) to the push; negative when
        # the push overtook the response.
        "ack_to_push": Latency.of("POST acknowledged -> push arrives", after),
        "pushed_before_post_response": sum(1 for a in after if a < 0),
        "schedule_lag_ms": {"p50": lags_ms[len(lags_ms) // 2], "max": lags_ms[-1]},
        "server_cpu": sum(srv1[k] - srv0[k] for k in nodes) / raw["wall"], "client_cpu": raw["client_cpu"],
        "node_cpu": {k: (srv1[k] - srv0[k]) / raw["wall"] for k in nodes}, "errors": raw["errors"],
        "db_cpu": (db1 - db0) / raw["wall"],
        "ws_node": ws_node.name, "post_node": samband.name, "cross_node": ws_node is not samband,
    }
    log(f"  {rate:.0f}/s: push arrives p50 {e2e.p50_us / 1000:.1f} ms, p99 {e2e.p99_us / 1000:.1f} ms "
        f"({missing} missing; server {result['server_cpu']:.2f} cores){'; ' + raw['errors'][0] if raw['errors'] else ''}")
    return result


# --- in-process breakdown -------------------------------------------------------------------------


RESOURCES = ("python", "orm reads", "orm writes", "sqlite")
CRYPTO = ("crypto: envelope.parse", "crypto: envelope.verify", "crypto: envelope.view_for")
CONSENT = ("consent: decide_many", "consent: log append")


class Stages:
    """Exclusive wall time per (purpose, resource).

    The purpose is the innermost purpose stage running (``crypto: ...``,
    ``consent: ...``, or the operation itself), so the queries that ``decide_many``
    makes count for consent.  The resource is what runs: our Python, SQLAlchemy's
    ORM (``Session.execute``/``get`` for reads, ``flush``/``commit`` for writes),
    or SQLite itself (time at the driver: ``cursor.execute`` and ``commit``)."""

    def __init__(self) -> None:
        self.ns: dict[tuple[str, str], int] = defaultdict(int)
        self.calls: Counter = Counter()
        self.purposes: list[str] = []
        self.resources: list[str] = []
        self.last = 0

    def _tick(self) -> None:
        now = perf_counter_ns()
        if self.purposes:
            self.ns[(self.purposes[-1], self.resources[-1] if self.resources else "python")] += now - self.last
        self.last = now

    def wrap(self, kind: str, name: str, fn: Callable) -> Callable:
        stack = self.purposes if kind == "purpose" else self.resources

        def timed(*args, **kwargs):
            self._tick()
            stack.append(name)
            self.calls[name] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._tick()
                stack.pop()

        timed.__wrapped__ = fn
        return timed

    def sqlite(self, ns: int) -> None:
        """``ns`` of the running resource's time were spent inside SQLite."""
        if self.purposes:
            self.ns[(self.purposes[-1], self.resources[-1] if self.resources else "python")] -= ns
            self.ns[(self.purposes[-1], "sqlite")] += ns

    def reset(self) -> None:
        self.ns.clear()
        self.calls.clear()


@contextlib.contextmanager
def instrumented(stages: Stages, consent_service, engine) -> Iterator[None]:
    """Patch, in this process only, the functions whose time we attribute."""
    from sqlalchemy import event
    from sqlalchemy.engine.result import ChunkedIteratorResult, IteratorResult
    from sqlalchemy.orm import Session as OrmSession

    import consent.audit
    import messaging.envelope as envelope

    patches = [
        (envelope, "parse", "purpose", "crypto: envelope.parse"),
        (envelope, "verify", "purpose", "crypto: envelope.verify"),
        (envelope, "view_for", "purpose", "crypto: envelope.view_for"),
        (consent.audit, "append_many", "purpose", "consent: log append"),
        (OrmSession, "execute", "resource", "orm reads"),
        (OrmSession, "get", "resource", "orm reads"),
        # ORM rows are built when the result is fetched, after execute() returned:
        (IteratorResult, "_fetchall_impl", "resource", "orm reads"),
        (IteratorResult, "_fetchone_impl", "resource", "orm reads"),
        (IteratorResult, "_fetchmany_impl", "resource", "orm reads"),
        (ChunkedIteratorResult, "_fetchmany_impl", "resource", "orm reads"),
        (OrmSession, "flush", "resource", "orm writes"),
        (OrmSession, "commit", "resource", "orm writes"),
    ]
    saved = [(obj, attr, obj.__dict__[attr]) for obj, attr, _, _ in patches]
    for obj, attr, kind, name in patches:
        setattr(obj, attr, stages.wrap(kind, name, getattr(obj, attr)))
    consent_service.decide_many = stages.wrap("purpose", "consent: decide_many", consent_service.decide_many)
    dialect = engine.dialect
    original_commit = dialect.do_commit

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_t0", []).append(perf_counter_ns())

    def after(conn, cursor, statement, parameters, context, executemany):
        stages.sqlite(perf_counter_ns() - conn.info["bench_t0"].pop())
        stages.calls["sql"] += 1

    def do_commit(dbapi_connection):
        t0 = perf_counter_ns()
        try:
            return original_commit(dbapi_connection)
        finally:
            stages.sqlite(perf_counter_ns() - t0)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    dialect.do_commit = do_commit
    try:
        yield
    finally:
        for obj, attr, fn in saved:
            setattr(obj, attr, fn)
        del consent_service.decide_many
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        dialect.do_commit = original_commit


def _matrix(stages: Stages, n: int, own: str) -> dict:
    """Mean µs per operation for each (purpose, resource), and the summaries."""
    rows = {}
    for purpose in (*CRYPTO, *CONSENT, own):
        cells = {r: stages.ns.get((purpose, r), 0) / n / 1000 for r in RESOURCES}
        if any(cells.values()):
            rows[purpose] = cells | {"total": sum(cells.values()), "calls": stages.calls[purpose] / n}
    total = sum(row["total"] for row in rows.values())
    col = {r: sum(row[r] for row in rows.values()) for r in RESOURCES}
    crypto = sum(rows[p]["total"] for p in CRYPTO if p in rows)
    consent = sum(rows[p]["total"] for p in CONSENT if p in rows)
    return {
        "rows": rows, "total_us": total, "statements": stages.calls.get("sql", 0),
        "by_purpose": {"crypto": crypto / total, "consent": consent / total, "own": rows[own]["total"] / total},
        "by_resource": {"crypto": crypto / total,
                        "database": (col["orm reads"] + col["orm writes"] + col["sqlite"]) / total,
                        "sqlite": col["sqlite"] / total, "orm": (col["orm reads"] + col["orm writes"]) / total,
                        "python": (col["python"] - crypto) / total},
    }


def run_breakdown(world: World, n: int, profile: bool, log: Callable[[str], None]) -> dict:
    """Accept and push messages in this process, against the server's own database,
    while the (idle) server takes one send over HTTP between every two of them, so the
    in-process parts and the whole request are timed in the same minute."""
    from joserfc.jwk import KeySet
    from sqlalchemy import text
    from sqlmodel import Session, func, select

    from consent.config import ConsentConfig
    from consent.rules import load_rules
    from consent.service import ConsentService
    from consent.types import Purpose
    from directory import store as directory_store
    from messaging.delivery import Delivery
    from messaging.models import InboxEvent
    from messaging.schemas import MessageCreate
    from web.auth import IssuerKeys, _actor_by_subject, verify_access_token
    from web.database import make_engine, writer
    from web.settings import Settings

    url = world.database_url
    engine = make_engine(url)
    write = writer(engine)
    consent_service = ConsentService(ConsentConfig(log_signing_key_file=world.workdir / "log-signing-key.pem"),
                                     load_rules(None))
    delivery = Delivery(consent_service)
    with Session(engine, expire_on_commit=False) as s:
        gp = directory_store.get_actor(session=s, actor_id=world.actors["solberg"])
        vold = directory_store.get_actor(session=s, actor_id=world.actors["vold"])
    warm = 30
    extra = n // 2 if profile else 0  # profiled separately, after the measured runs
    sealed = seal_many(world, world.load_thread, warm + 3 * n + extra)
    raws = [_unb64(json.loads(body)["envelope"]) for _, body in sealed]
    purpose = Purpose(PURPOSE)

    def accept(raw: bytes) -> None:
        with Session(write, expire_on_commit=False) as session:  # as web.deps does per request
            try:
                delivery.accept(session, gp, world.case_id, world.load_thread, raw, purpose, {})
            finally:
                session.rollback()

    with Session(engine) as s:  # push the messages just accepted, as /ws would
        cursor = s.exec(select(func.max(InboxEvent.seq)).where(InboxEvent.actor_id == vold.id)).one() or 0

    def push() -> None:
        nonlocal cursor
        with Session(write, expire_on_commit=False) as session:  # as web.ws._pending does
            for event in delivery.events_after(session, vold, cursor, 1):
                payload = delivery.push_payload(session, vold, event)
                assert payload is not None and payload["type"] == "message"
                cursor = event.seq

    stages = Stages()
    out: dict = {"n": n}
    profiler = cProfile.Profile() if profile else None
    own = {"accept": "accept: its own work", "push": "push: its own work"}
    if engine.dialect.name == "sqlite":
        with Session(engine) as s:  # start from an empty WAL, not from the server's last one
            s.exec(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    for raw in raws[:warm]:  # warm-up, not counted
        accept(raw)
    for _ in range(warm):
        push()
    # Each operation is run twice over, alternately: as the server runs it (nothing
    # patched: its latency) and instrumented (where the time goes).  Interleaving keeps
    # drift (WAL checkpoints, the page cache, the VM) out of the comparison.
    server = http.client.HTTPConnection(world.base.split("://", 1)[1], timeout=30)
    headers = {"authorization": f"Bearer {world.tokens['solberg']}", "content-type": "application/json"}

    def send_over_http(body: bytes) -> None:
        server.request("POST", world.messages_path(world.load_thread), body, headers)
        response = server.getresponse()
        data = response.read()
        if response.status != 201:
            raise RuntimeError(f"send over HTTP: {response.status} {data[:200]!r}")

    ops = {"accept": (accept, [(raw,) for raw in raws[warm:warm + 3 * n]]), "push": (push, [()] * (2 * n))}
    for what, (fn, args) in ops.items():
        stages.reset()
        wrapped = stages.wrap("purpose", own[what], fn)
        plain, timed_ns, over_http = [], [], []
        kinds = ("plain", "http", "instrumented") if what == "accept" else ("plain", "instrumented")
        for i, arg in enumerate(args):
            kind = kinds[i % len(kinds)]
            if kind == "plain":
                t0 = perf_counter_ns()
                fn(*arg)
                plain.append(perf_counter_ns() - t0)
            elif kind == "http":
                body = sealed[warm + i][1]
                t0 = perf_counter_ns()
                send_over_http(body)
                over_http.append(perf_counter_ns() - t0)
            else:
                with instrumented(stages, consent_service, engine):
                    t0 = perf_counter_ns()
                    wrapped(*arg)
                    timed_ns.append(perf_counter_ns() - t0)
        out[what] = {"latency": Latency.of(f"Delivery.{what}", plain),
                     "instrumented": Latency.of(f"Delivery.{what}, instrumented", timed_ns),
                     **_matrix(stages, n, own[what])}
        if over_http:
            out["http_send"] = Latency.of("POST /messages, 1 at a time", over_http)
    server.close()
    if profiler:
        profiler.enable()
        for raw in raws[warm + 3 * n:]:
            accept(raw)
        for _ in range(extra):
            push()
        profiler.disable()

    # What every request also pays, outside accept: token check, actor lookup, the body.
    settings = Settings(public_url=world.base, database_url=url, data_dir=world.workdir)
    keys = IssuerKeys(settings.issuer, keys=KeySet.import_key_set(world.jwks), fetched_at=time.monotonic())
    app = SimpleNamespace(state=SimpleNamespace(settings=settings, oidc_issuer_keys={settings.issuer: keys}))
    token = world.tokens["solberg"]

    async def tokens() -> list[int]:
        samples = []
        for _ in range(n):
            t0 = perf_counter_ns()
            await verify_access_token(app, token)
            samples.append(perf_counter_ns() - t0)
        return samples

    token_ns = asyncio.run(tokens())
    lookup_ns = []
    for _ in range(n):
        t0 = perf_counter_ns()
        _actor_by_subject(engine, "solberg")
        lookup_ns.append(perf_counter_ns() - t0)
    body_ns = []
    for _, body in sealed[warm:]:
        t0 = perf_counter_ns()
        data = MessageCreate.model_validate_json(body)
        base64.urlsafe_b64decode(data.envelope + "=" * (-len(data.envelope) % 4))
        body_ns.append(perf_counter_ns() - t0)
    out["per_request"] = {
        "token": Latency.of("auth: bearer token (ES256) check", token_ns),
        "actor": Latency.of("auth: actor lookup (own session)", lookup_ns),
        "body": Latency.of("request body: pydantic + base64", body_ns),
    }
    engine.dispose()
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
        out["profile"] = text.getvalue()
    log(f"  accepted {n} and pushed {n} in process")
    return out


# --- report -------------------------------------------------------------------------------------


def _ms(us: float) -> str:
    return f"{us / 1000:7.2f}"


def _report_breakdown(run: dict, w: Callable[[str], None], dbl: str) -> None:
    bd = run["breakdown"]
    for letter, what, title in (("a", "accept", "a send (Delivery.accept)"), ("b", "push", "a push (Delivery.push_payload)")):
        x = bd[what]
        w(f"3{letter}. Where {title} spends its time, in process, n={bd['n']}: p50 {x['latency'].p50_us / 1000:.2f} ms, "
          f"p99 {x['latency'].p99_us / 1000:.2f} ms ({x['instrumented'].p50_us / 1000:.2f} ms with the timers below); "
          f"{x['statements'] / bd['n']:.0f} SQL statements")
        head = (f"{'purpose (exclusive)':<26} {'calls':>5} | {'Python':>7} {'ORM rd':>7} {'ORM wr':>7} {dbl:>7} | "
                f"{'total µs':>8} {'share':>6}")
        w(head)
        w("-" * len(head))
        for purpose, row in x["rows"].items():
            label = purpose.replace("crypto: envelope.", "crypto: ").replace(f"{what}: its own work", "its own work")
            w(f"{label:<26} {row['calls']:>5.1f} | {row['python']:>7.0f} {row['orm reads']:>7.0f} "
              f"{row['orm writes']:>7.0f} {row['sqlite']:>7.0f} | {row['total']:>8.0f} {row['total'] / x['total_us']:>6.0%}")
        p, r = x["by_purpose"], x["by_resource"]
        w(f"   by purpose:  crypto {p['crypto']:.0%}, consent checks {p['consent']:.0%} (their queries included), "
          f"the {'message' if what == 'accept' else 'push'} itself {p['own']:.0%} (lookups, inserts, commit)")
        w(f"   by resource: crypto {r['crypto']:.0%}, database {r['database']:.0%} (SQLAlchemy ORM {r['orm']:.0%}, "
          f"{dbl} itself {r['sqlite']:.0%}), other Python {r['python']:.0%}")
        w("")
    pr = bd["per_request"]
    e2e_p50 = bd["http_send"].p50_us
    busy_p50 = run["throughput"][0]["samband"].latency.p50_us
    acc = bd["accept"]["latency"].p50_us
    outside = sum(pr[k].p50_us for k in ("token", "actor", "body"))
    rest = e2e_p50 - acc - outside
    w(f"3c. One send over HTTP, one at a time between the operations of 3a/3b (the server idle in between): "
      f"p50 {e2e_p50 / 1000:.2f} ms, p99 {bd['http_send'].p99_us / 1000:.2f} ms; against the p50 of its parts:")
    w(f"    {'Delivery.accept':<38} {acc / 1000:5.2f} ms {acc / e2e_p50:4.0%}")
    for key in ("token", "actor", "body"):
        w(f"  + {pr[key].name:<36} {pr[key].p50_us / 1000:5.2f} ms {pr[key].p50_us / e2e_p50:4.0%}")
    w(f"  + {'the rest: HTTP, framework, client':<36} {rest / 1000:5.2f} ms {rest / e2e_p50:4.0%}  "
      f"(uvicorn/h11, middleware, 4 thread-pool hand-offs, response, loopback, client)")
    w(f"    (back to back, 1 sender, table 1: p50 {busy_p50 / 1000:.2f} ms, so the rest is "
      f"{(busy_p50 - acc - outside) / 1000:.2f} ms on a busy server; measured a minute apart from 3a)")
    a_us = acc  # 3a's shares applied to the uninstrumented time
    crypto = bd["accept"]["by_purpose"]["crypto"] * a_us + pr["token"].p50_us
    consent = bd["accept"]["by_purpose"]["consent"] * a_us
    database = bd["accept"]["by_resource"]["database"] * a_us + pr["actor"].p50_us
    run["shares_of_request"] = {"request_p50_us": e2e_p50, "crypto": crypto / e2e_p50, "consent": consent / e2e_p50,
                                "database": database / e2e_p50, "http_framework_client": rest / e2e_p50,
                                "busy_request_p50_us": busy_p50}
    w(f"    shares of the request: crypto {crypto / e2e_p50:.0%} (envelope + token), consent checks "
      f"{consent / e2e_p50:.0%} (with their queries), database {database / e2e_p50:.0%} (all ORM + {dbl} time, "
      f"consent's queries too), HTTP/framework/client {rest / e2e_p50:.0%}")
    w("")


def report(run: dict) -> str:
    lines = []
    w = lines.append
    m = run["machine"]
    dbl = run["db_label"]
    database = f"PostgreSQL {m['postgresql'].split()[0]}" if run["backend"] == "postgresql" else f"SQLite {m['sqlite']}"
    w(f"messaging benchmark ({run['name']}): {m['cpus']} CPUs, Python {m['python']}, {database}, "
      f"{len(run['nodes'])} app node(s): {', '.join(run['nodes'])}")
    if run["backend"] == "postgresql":
        w(f"cross-node fan-out: {'LISTEN/NOTIFY in ' + run['fanout'] if run['fanout'] else 'none in the tree'}; "
          f"websocket ping interval {run['ping_seconds']:g} s; load generator and servers share the machine")
    w(f"envelope: {run['envelope_bytes']} bytes ({KIND}, 1 section, X-Wing wraps for the recipient and the "
      f"author's copy); sealing (client, outside the window) p50 {run['sealing'].p50_us / 1000:.2f} ms")
    w("")
    w(f"1. Send throughput: N tasks POST back to back for {run['settings']['window']:g} s each "
      f"(load generator: {run['settings']['client']}; p50/p99 = request latency)")
    pg = run["backend"] == "postgresql"
    head = (f"{'senders':>7} | {'baseline/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'srv':>4}{'   db' if pg else ''} | "
            f"{'samband/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'srv':>4}{'   db' if pg else ''} {'gen':>4} | {'ratio':>5}")
    w(head)
    w("-" * len(head))
    for r in run["throughput"]:
        b, s = r["baseline"].latency, r["samband"].latency
        bdb = f" {r['baseline'].db_cpu:>4.2f}" if pg else ""
        sdb = f" {r['samband'].db_cpu:>4.2f}" if pg else ""
        w(f"{r['concurrency']:>7} | {b.ops_per_s:>10.0f} {_ms(b.p50_us)} {_ms(b.p99_us)} "
          f"{r['baseline'].server_cpu:>4.2f}{bdb} | {s.ops_per_s:>9.0f} {_ms(s.p50_us)} {_ms(s.p99_us)} "
          f"{r['samband'].server_cpu:>4.2f}{sdb} {r['samband'].client_cpu:>4.2f} | {r['ratio']:>5.0%}")
    peak = max(r["baseline"].latency.ops_per_s for r in run["throughput"])
    best = max(r["samband"].latency.ops_per_s for r in run["throughput"])
    errs = {f"samband x{r['concurrency']}": r["samband"].errors for r in run["throughput"] if r["samband"].errors}
    errs |= {f"baseline x{r['concurrency']}": r["baseline"].errors for r in run["throughput"] if r["baseline"].errors}
    w(f"(srv / {'db / ' if pg else ''}gen: CPU cores busy in the server process / "
      f"{'in PostgreSQL / ' if pg else ''}in the load generator over the window; errors: {errs or 'none'})")
    w(f"(samband's best {best:.0f}/s is {best / peak:.0%} of the baseline's best {peak:.0f}/s)")
    run["throughput_best"] = {"samband": best, "baseline": peak, "ratio": best / peak}
    split = run.get("throughput_split")
    if split:
        w(f"(two nodes: {split['concurrency']} senders split over " + " + ".join(
            f"{r.server.rsplit(' ', 1)[-1]} {r.latency.ops_per_s:.0f}/s (p50 {r.latency.p50_us / 1000:.1f} ms, p99 "
            f"{r.latency.p99_us / 1000:.1f} ms, srv {r.server_cpu:.2f})" for r in split["per_node"])
          + f" = {split['total_per_s']:.0f}/s, {split['total_per_s'] / best:.2f}x one node's best"
          + (f"; PostgreSQL {split['per_node'][0].db_cpu:.2f} cores)" if pg else ")"))
    w("")
    d = run["delivery"]
    w("2. Delivery to an online recipient (Lise on /ws), open-loop sends; latency = just before the POST -> "
      "the push arrives")
    head = (f"{'rate/s':>6} {'POST->ws':>9} {'n':>5} {'missing':>7} | {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} | {'ack p50':>8} {'ack p95':>8} {'ack p99':>8} | {'POST p50':>8} {'POST p99':>8} | "
            f"{'srv':>4}{'   db' if pg else ''}")
    w(head)
    w("-" * len(head))
    for x in [*run["delivery_other_rates"], d]:
        e, p = x["e2e"], x["post"]
        route = f"{x['post_node'][-1]}->{x['ws_node'][-1]}" if x.get("cross_node") else "same"
        a = x["ack_to_push"]
        w(f"{x['rate']:>6.0f} {route:>9} {x['delivered']:>5} {x['missing']:>7} | {_ms(e.p50_us):>8} "
          f"{_ms(e.p95_us):>8} {_ms(e.p99_us):>8} {_ms(e.max_us):>8} | {_ms(a.p50_us):>8} {_ms(a.p95_us):>8} "
          f"{_ms(a.p99_us):>8} | {_ms(p.p50_us):>8} {_ms(p.p99_us):>8} | "
          f"{x['server_cpu']:>4.2f}" + (f" {x['db_cpu']:>4.2f}" if pg else ""))
    w(f"(p50..max: just before the POST -> the push arrives; ack: the POST's response -> the push arrives; "
      f"srv{' / db' if pg else ''}: CPU cores busy in the samband node(s){' / in PostgreSQL' if pg else ''} over "
      f"the run; same = POST and websocket on one node)")
    for x in [*run["delivery_other_rates"], d]:
        if x["errors"] or x["failed_posts"]:
            w(f"(at {x['rate']:.0f}/s: failed POSTs {x['failed_posts'] or 'none'}; {'; '.join(x['errors'][:2])})")
    o = d["open"]
    w(f"(opening a pushed view, the recipient's cost, at {d['rate']:.0f}/s: p50 {o.p50_us / 1000:.2f} ms, "
      f"p99 {o.p99_us / 1000:.2f} ms; {d['opened_wrong']} opened wrong; pushes before the POST's own response: "
      f"{d['pushed_before_post_response']}; send schedule lag p50 {d['schedule_lag_ms']['p50']:.2f} ms, "
      f"max {d['schedule_lag_ms']['max']:.2f} ms)")
    w("")
    if "breakdown" in run:
        _report_breakdown(run, w, dbl)
    sp = run.get("server_profile")
    if sp:
        w(f"3d. The samband server sampled by py-spy at {sp['concurrency']} senders ({sp['samples']} samples of the "
          f"thread holding the GIL)")
        for bucket, x in sp["buckets"].items():
            w(f"    {bucket:<38} {x['share']:>5.0%}   (of it in SQLAlchemy/SQLModel/sqlite3: {x['database_share']:.0%})")
        w("    top own time: " + "; ".join(f"{f.split(' (')[0]} {share:.1%}" for f, share in sp["top_own"][:8]))
        w("")
    t32 = next(r for r in run["throughput"] if r["concurrency"] == 32)
    ok1 = t32["ratio"] >= TARGET_RATIO
    at_target_rate = d["rate"] == DELIVERY_RATE
    ok2 = d["e2e"].p99_us / 1000 <= TARGET_DELIVERY_P99_MS and d["missing"] == 0 and at_target_rate
    run["targets"] = {
        "throughput_ratio_at_32": {"target": TARGET_RATIO, "measured": t32["ratio"], "met": ok1},
        "delivery_p99_ms_at_50_per_s": {"target": TARGET_DELIVERY_P99_MS, "measured": d["e2e"].p99_us / 1000
                                        if at_target_rate else None, "met": ok2},
    }
    w(f"target: throughput at 32 senders >= {TARGET_RATIO:.0%} of baseline -> {'MET' if ok1 else 'MISSED'} "
      f"({t32['samband'].latency.ops_per_s:.0f}/s vs {t32['baseline'].latency.ops_per_s:.0f}/s = {t32['ratio']:.0%})")
    if at_target_rate:
        w(f"target: delivery p99 <= {TARGET_DELIVERY_P99_MS:.0f} ms at {DELIVERY_RATE:.0f}/s -> "
          f"{'MET' if ok2 else 'MISSED'} ({d['e2e'].p99_us / 1000:.1f} ms)")
    else:
        w(f"target: delivery p99 <= {TARGET_DELIVERY_P99_MS:.0f} ms at {DELIVERY_RATE:.0f}/s -> not measured "
          f"(this run delivers at {d['rate']:.0f}/s: p99 {d['e2e'].p99_us / 1000:.1f} ms)")
    return "\n".join(lines)


def _jsonable(value: object) -> object:
    if isinstance(value, Latency):
        return asdict(value)
    if isinstance(value, LoadResult):
        return asdict(value)
    if isinstance(value, (datetime, Path)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke check under a minute: 2 s windows, 5 s of delivery at 10/s (not the 50/s target)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                        help="sqlite: one node on an SQLite file; postgresql: a throwaway cluster and two nodes "
                             "(sends to A, the recipient's websocket on B)")
    parser.add_argument("--nodes", type=int, choices=(1, 2),
                        help="app nodes (default: 1 on sqlite, 2 on postgresql; SQLite allows only 1)")
    parser.add_argument("--window", type=float, help="seconds of load per server and concurrency")
    parser.add_argument("--delivery-seconds", type=float, help="seconds of sending at 50/s to the online recipient")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw",
                        help="load generator: a lean asyncio HTTP/1.1 client (default) or httpx.AsyncClient")
    parser.add_argument("--py-spy", action="store_true",
                        help="sample the samband server with py-spy during the 32-sender window (pip install py-spy)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile extra in-process accepts and pushes (not the measured ones); print top 30")
    parser.add_argument("--no-breakdown", action="store_true", help="skip part 3 (where the time goes)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (databases, server logs)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON result goes (default bench/results)")
    args = parser.parse_args(argv)
    nodes = args.nodes or (2 if args.db == "postgresql" else 1)
    if args.db == "sqlite" and nodes != 1:
        parser.error("SQLite runs one node (its fan-out is in-process)")
    name = "messaging" + ("-postgresql" if args.db == "postgresql" else "") + ("-quick" if args.quick else "")
    profile = dict(PROFILES["quick" if args.quick else "full"])
    if args.window:
        profile["window"] = args.window
        profile["cap"] = {c: int(cap * args.window / PROFILES["quick" if args.quick else "full"]["window"]) + 1
                          for c, cap in profile["cap"].items()}
    if args.delivery_seconds:
        profile["delivery_seconds"] = args.delivery_seconds

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="samband-bench-msg-"))
    log(f"working in {workdir}")
    run: dict = {"name": name, "backend": args.db, "db_label": "PG" if args.db == "postgresql" else "SQLite",
                 "settings": dict(profile) | {"client": args.client}, "workdir": str(workdir),
                 "fanout": fanout_in_tree(), "ping_seconds": 20.0}
    cluster = None
    try:
        with contextlib.ExitStack() as stack:
            samband_url = baseline_url = None
            if args.db == "postgresql":
                from bench.harness import start_cluster

                cluster = start_cluster(None)
                stack.callback(cluster.stop)
                cluster.admin("CREATE DATABASE samband")
                cluster.admin("CREATE DATABASE baseline")
                samband_url, baseline_url = cluster.url("samband"), cluster.url("baseline")
                run["postgresql"] = cluster.version()
                global DATABASE_CPU
                postmaster = cluster.pid()
                DATABASE_CPU = lambda: tree_cpu_seconds(postmaster)  # noqa: E731
            baseline = stack.enter_context(baseline_server(workdir, baseline_url))
            samband = stack.enter_context(samband_server(workdir, samband_url, name="samband-A" if nodes == 2 else
                                                         "samband"))
            second = stack.enter_context(second_node(samband, workdir, samband_url)) if nodes == 2 else None
            servers = [samband] + ([second] if second else [])
            run["nodes"] = [f"{x.name} {base_url(x)}" for x in servers]
            log(f"samband on {', '.join(run['nodes'])}; baseline on {base_url(baseline)}")
            world = set_up(base_url(samband), workdir, samband_url)
            world.ping_seconds = run["ping_seconds"]
            log("1. throughput (sends to " + samband.name + ")")
            run["throughput"] = run_throughput(world, samband, baseline, profile, args.client, log, args.py_spy)
            if second:
                run["throughput_split"] = run_split_throughput(world, servers, profile, args.client, log)
            log("2. delivery to an online recipient")
            ws_node = second or samband
            others = [run_delivery(world, samband, rate, profile["extra_seconds"], args.client, log, ws_node)
                      for rate in profile["extra_rates"]]
            if second and profile["extra_rates"]:  # the same-node path on the same database, at the lowest rate
                rate = min(profile["extra_rates"], default=profile["delivery_rate"])
                seconds = profile["extra_seconds"] or profile["delivery_seconds"]
                others.append(run_delivery(world, samband, rate, seconds, args.client, log))
            run["delivery_other_rates"] = others
            run["delivery"] = run_delivery(world, samband, profile["delivery_rate"], profile["delivery_seconds"],
                                           args.client,
                                           log, ws_node)
            if not args.no_breakdown:
                log("3. breakdown, in process (the server idle but up)")
                run["breakdown"] = run_breakdown(world, profile["breakdown"], args.profile, log)
            run["server_peak_rss_mb"] = {x.name: x.peak_rss_mb() for x in servers} | {
                "baseline": baseline.peak_rss_mb()}
        world.gp.close()
        run["sealing"] = Latency.of("seal (client)", world.seal_ns)
        run["server_profile"] = world.server_profile
        run["envelope_bytes"] = world.envelope_bytes
        run["machine"] = machine(run.get("postgresql"))
        run["bench_peak_rss_mb"] = peak_rss_mb()
        text = report(run)
        run["elapsed_s"] = perf_counter() - started
        text += ("\n\nserver peak RSS: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in run["server_peak_rss_mb"].items())
                 + f"; load generator {run['bench_peak_rss_mb']:.0f} MiB; run took {run['elapsed_s']:.0f} s")
        print(text)
        if args.profile and "breakdown" in run:
            print("\ncProfile of the in-process accepts and pushes (top 30 by own time):")
            print(run["breakdown"]["profile"])
        args.out.mkdir(parents=True, exist_ok=True)
        data = {"name": name, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), **run,
                "summary": text}
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n", encoding="utf-8")
        log(f"wrote {path}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
