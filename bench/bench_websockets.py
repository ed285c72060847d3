"""Websocket connections held on one node, memory per connection, and whether a message
still arrives while they are held.

    .venv/bin/python -m bench.bench_websockets                          # 1 000, 5 000, 10 000 connections
    .venv/bin/python -m bench.bench_websockets --levels 1000,5000,10000,20000
    .venv/bin/python -m bench.bench_websockets --no-compression         # clients without permessage-deflate
    .venv/bin/python -m bench.bench_websockets --db postgresql          # the node on a throwaway PostgreSQL
    .venv/bin/python -m bench.bench_websockets --quick                  # 100 and 300 connections (~35 s)

One samband node, ``python -m web serve`` with the demo population, in its own process,
so its resident memory (``VmRSS`` in ``/proc/<pid>/status``) is the server's alone.
Both the node and the clients raise ``RLIMIT_NOFILE`` to what the machine allows.

Who connects.  Each connection is a different person: N synthetic employees are added
to the node's directory (``oidc_subject`` ``bench-ws-<i>``), and each gets an access
token minted with the node's own IdP signing key (``tests/support/tokens.
mint_access_token``); the node checks it exactly as it checks one from a real sign-in
(signature, issuer, audience, expiry, then the actor lookup).  Signing in N times
through the real authorization-code flow would take minutes and measure the IdP, not
the websocket.  The probe's people (the GP, Lise, Hansen) sign in for real.

Clients.  A separate process (``--clients`` of them, default 1) holds the connections
on one asyncio loop with the ``websockets`` client: each connection does the
handshake with ``Authorization: Bearer``, sends ``{"type": "resume", "cursor": 0}``
and waits for ``ready``; then it only reads (server pings, and uvicorn's protocol
pings, answered by the library).  Clients offer permessage-deflate, as browsers do,
unless ``--no-compression``.

Steps.
 0. Warm-up: 20 connections opened and closed; then the node's RSS is the baseline,
    and a delivery probe runs with nothing held.
 1. For each level: open connections up to it (``--concurrency`` handshakes at a
    time); time to connect them, handshake -> ready p50/p99, failures; the node's
    RSS and open descriptors after a short settle; (RSS - baseline) / N = memory per
    connection.  Then hold for a ping interval and a bit (``--hold``, 25 s) and
    measure the node's CPU while nothing but pings happens (every ping is also a pull
    of the inbox from the database), the pings that arrived, connections lost; then
    the delivery probe again: the GP sends to Lise (one more connection) at a fixed
    rate, latency from the POST to the push, and from the POST's response to the push.
 2. Close everything; RSS after.

Writes ``bench/results/websockets.json`` (``websockets-quick``, ``-postgresql``,
``-nodeflate`` variants).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter, perf_counter_ns

from bench.harness import RESULTS, Latency, machine, peak_rss_mb, raise_nofile, start_cluster, tree_cpu_seconds

WARMUP_CONNECTIONS = 20
SETTLE_SECONDS = 3.0
PROBE_RATE = 5.0  # messages per second to Lise while the connections are held
PROBE_SECONDS = 8.0
PROFILES = {
    "full": dict(levels=(1_000, 5_000, 10_000), hold=25.0, probe_seconds=PROBE_SECONDS),
    "quick": dict(levels=(100, 300), hold=3.0, probe_seconds=3.0),
}


# --- the client process: holds the connections --------------------------------------------


class Holder:
    """Many websocket connections on one asyncio loop, each reading until closed."""

    def __init__(self, url: str, compression: bool):
        self.url, self.compression = url, compression
        self.connections: list = []
        self.readers: list[asyncio.Task] = []
        self.frames: Counter = Counter()
        self.lost = 0

    async def _open_one(self, token: str) -> int:
        import websockets

        start = perf_counter_ns()
        ws = await websockets.connect(
            self.url, additional_headers={"Authorization": f"Bearer {token}"}, ping_interval=None,
            open_timeout=120, close_timeout=2, compression="deflate" if self.compression else None, max_size=2**20,
        )
        try:
            await ws.send('{"type": "resume", "cursor": 0}')
            ready = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if ready.get("type") != "ready":
                raise RuntimeError(f"expected ready, got {ready}")
        except BaseException:
            await ws.close()
            raise
        took = perf_counter_ns() - start
        self.connections.append(ws)
        self.readers.append(asyncio.create_task(self._read(ws)))
        return took

    async def _read(self, ws) -> None:
        import websockets

        try:
            async for frame in ws:
                kind = json.loads(frame).get("type", "?") if isinstance(frame, str) else "binary"
                self.frames[kind] += 1
        except websockets.ConnectionClosed:
            pass
        except asyncio.CancelledError:
            return
        if not getattr(self, "closing", False):
            self.lost += 1

    async def open(self, tokens: list[str], concurrency: int) -> dict:
        gate = asyncio.Semaphore(concurrency)
        took: list[int] = []
        failures: Counter = Counter()
        first_error: list[str] = []

        async def one(token: str) -> None:
            async with gate:
                try:
                    took.append(await self._open_one(token))
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    failures[type(exc).__name__] += 1
                    if not first_error:
                        first_error.append(f"{type(exc).__name__}: {exc}"[:300])

        start = perf_counter()
        await asyncio.gather(*(one(t) for t in tokens))
        return {"opened": len(took), "seconds": perf_counter() - start, "handshake_ns": took,
                "failures": dict(failures), "first_error": first_error[0] if first_error else None}

    async def close_all(self) -> float:
        self.closing = True
        start = perf_counter()
        gate = asyncio.Semaphore(500)

        async def close(ws) -> None:
            async with gate:
                with contextlib.suppress(Exception):
                    await ws.close()

        await asyncio.gather(*(close(ws) for ws in self.connections))
        for task in self.readers:
            task.cancel()
        self.connections.clear()
        return perf_counter() - start

    def stats(self) -> dict:
        return {"open": sum(1 for ws in self.connections if ws.state.name == "OPEN"), "frames": dict(self.frames),
                "lost": self.lost, "rss_mb": _rss_mb(os.getpid())}


def _holder_main(conn, url: str, compression: bool) -> None:
    """The client process: obeys ("open", tokens, concurrency), ("stats",), ("close",),
    ("exit",) from the pipe, holding the connections on its loop in between."""
    raise_nofile()

    async def serve() -> None:
        holder = Holder(url, compression)
        loop = asyncio.get_running_loop()
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            if command == "open":
                conn.send(await holder.open(*args))
            elif command == "stats":
                conn.send(holder.stats())
            elif command == "close":
                conn.send(await holder.close_all())
            else:
                conn.send(None)
                return

    asyncio.run(serve())


class Clients:
    """The client processes, spread evenly; the connections stay open between calls."""

    def __init__(self, url: str, compression: bool, processes: int):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for _ in range(processes):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_holder_main, args=(theirs, url, compression), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    def _all(self, messages: list[tuple]) -> list:
        for pipe, message in zip(self.pipes, messages):
            pipe.send(message)
        return [pipe.recv() for pipe in self.pipes]

    def open(self, tokens: list[str], concurrency: int) -> dict:
        n = len(self.pipes)
        parts = self._all([("open", tokens[i::n], max(1, concurrency // n)) for i in range(n)])
        return {"opened": sum(p["opened"] for p in parts), "seconds": max(p["seconds"] for p in parts),
                "handshake_ns": [t for p in parts for t in p["handshake_ns"]],
                "failures": sum((Counter(p["failures"]) for p in parts), Counter()),
                "first_error": next((p["first_error"] for p in parts if p["first_error"]), None)}

    def stats(self) -> dict:
        parts = self._all([("stats",)] * len(self.pipes))
        return {"open": sum(p["open"] for p in parts), "lost": sum(p["lost"] for p in parts),
                "frames": dict(sum((Counter(p["frames"]) for p in parts), Counter())),
                "rss_mb": sum(p["rss_mb"] for p in parts)}

    def close(self) -> float:
        return max(self._all([("close",)] * len(self.pipes)))

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._all([("exit",)] * len(self.pipes))
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


# --- the node ---------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def add_people(database_url: str, n: int) -> list[str]:
    """``n`` synthetic employees who can sign in (``oidc_subject`` ``bench-ws-<i>``);
    returns their subjects."""
    from typing import cast

    from sqlalchemy import Table

    from directory.models import Actor
    from directory.synthetic import write_rows
    from web.database import make_engine

    now = datetime.now(UTC)
    subjects = [f"bench-ws-{i}" for i in range(n)]
    rows = ({"id": f"00000000-0000-4000-8000-{i:012d}", "name": f"Testperson {i}", "role": "employee",
             "title": "", "organisation_id": None, "place": "", "hpr_number": None, "national_id": None,
             "oidc_subject": subject, "search_text": "", "created_at": now}
            for i, subject in enumerate(subjects))
    engine = make_engine(database_url)
    try:
        write_rows(engine, cast(Table, Actor.__table__), rows)
    finally:
        engine.dispose()
    return subjects


def mint_tokens(base: str, workdir: Path, subjects: list[str], hours: float = 6.0) -> list[str]:
    """Access tokens signed with the node's own IdP key, valid for ``hours``."""
    from tests.support.tokens import mint_access_token  # the tests' minting, signed like the IdP's own
    from web.settings import Settings

    settings = Settings(public_url=base, data_dir=workdir)
    expires = int(time.time() + hours * 3600)
    return [mint_access_token(settings, subject, exp=expires) for subject in subjects]


class CpuWindow:
    """Cores busy in the node (and the database server, if any) between start and stop."""

    def __init__(self, node, database_pid: int | None):
        self.node, self.database_pid = node, database_pid

    def __enter__(self) -> CpuWindow:
        self.t0, self.c0 = perf_counter(), self.node.cpu_seconds()
        self.d0 = tree_cpu_seconds(self.database_pid) if self.database_pid else 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = perf_counter() - self.t0
        self.node_cores = (self.node.cpu_seconds() - self.c0) / self.seconds
        d1 = tree_cpu_seconds(self.database_pid) if self.database_pid else 0.0
        self.database_cores = (d1 - self.d0) / self.seconds


# --- the run ------------------------------------------------------------------------------


def _hold(clients: Clients, node, database_pid: int | None, seconds: float, ping_seconds: float, log) -> dict:
    """Nothing but the connections for ``seconds``: the node's CPU, the pings."""
    log(f"  holding for {seconds:.0f} s (ping interval {ping_seconds:g} s) ...")
    before = clients.stats()
    with CpuWindow(node, database_pid) as cpu:
        time.sleep(seconds)
    after = clients.stats()
    pings = after["frames"].get("ping", 0) - before["frames"].get("ping", 0)
    log(f"  node {cpu.node_cores:.2f} cores busy while idle-holding; {pings} pings ({pings / cpu.seconds:.0f}/s); "
        f"{after['lost']} connections lost")
    return {"held": after["open"], "seconds": cpu.seconds, "node_cores": cpu.node_cores,
            "database_cores": cpu.database_cores, "pings": pings, "pings_per_s": pings / cpu.seconds,
            "lost": after["lost"], "rss_mb": node.rss_mb(), "client_rss_mb": after["rss_mb"]}


def _probe(world, node, seconds: float, log) -> dict:
    from bench.bench_messaging import run_delivery

    result = run_delivery(world, node, PROBE_RATE, seconds, "raw", log)
    return {k: result[k] for k in ("rate", "sent", "delivered", "missing", "e2e", "ack_to_push", "post",
                                   "server_cpu", "errors")}


def run(args, log, ping_seconds: float) -> dict:
    from bench.bench_messaging import base_url, samband_server, set_up

    profile = dict(PROFILES["quick" if args.quick else "full"])
    levels = sorted(args.levels or profile["levels"])
    hold = args.hold or profile["hold"]
    probe_seconds = profile["probe_seconds"]
    nofile = raise_nofile()
    workdir = Path(tempfile.mkdtemp(prefix="samband-bench-ws-"))
    out: dict = {"ping_seconds": ping_seconds, "levels": [], "settings": {"levels": levels, "hold_s": hold, "concurrency": args.concurrency,
                                            "clients": args.clients, "compression": not args.no_compression,
                                            "probe_rate": PROBE_RATE, "probe_seconds": probe_seconds},
                 "client_nofile": nofile}
    cluster = None
    try:
        with contextlib.ExitStack() as stack:
            database_url = None
            if args.db == "postgresql":
                cluster = start_cluster(None)
                stack.callback(cluster.stop)
                cluster.admin("CREATE DATABASE samband")
                database_url = cluster.url("samband")
                out["postgresql"] = cluster.version()
            extra = {"SAMBAND_WS_PING_SECONDS": str(args.ping_seconds)} if args.ping_seconds else {}
            node = stack.enter_context(samband_server(workdir, database_url, extra_env=extra))
            base = base_url(node)
            database_url = database_url or f"sqlite:///{workdir / 'samband.db'}"
            out["node"] = {"url": base, "pid": node.proc.pid,
                           "nofile": int(next(line.split()[3] for line in
                                              Path(f"/proc/{node.proc.pid}/limits").read_text().splitlines()
                                              if line.startswith("Max open files")))}
            log(f"node {base} (pid {node.proc.pid}, open-file limit {out['node']['nofile']}), clients' limit {nofile}")
            world = set_up(base, workdir, database_url)
            world.ping_seconds = out["ping_seconds"]
            total = levels[-1]
            started = perf_counter()
            subjects = add_people(database_url, total + WARMUP_CONNECTIONS)
            tokens = mint_tokens(base, workdir, subjects)
            out["people_and_tokens_s"] = perf_counter() - started
            log(f"{len(subjects)} people added and their tokens minted in {out['people_and_tokens_s']:.1f} s")

            ws_url = base.replace("http://", "ws://") + "/ws"
            clients = Clients(ws_url, not args.no_compression, args.clients)
            stack.callback(clients.stop)
            warm = Clients(ws_url, not args.no_compression, 1)
            warm.open(tokens[-WARMUP_CONNECTIONS:], WARMUP_CONNECTIONS)
            warm.close()
            warm.stop()
            time.sleep(SETTLE_SECONDS)
            database_pid = cluster.pid() if cluster else None
            out["baseline"] = {"rss_mb": node.rss_mb(), "open_files": _open_files(node.proc.pid)}
            log(f"baseline: node RSS {out['baseline']['rss_mb']:.1f} MiB, {out['baseline']['open_files']} open files")
            log("probe with nothing held:")
            out["probe_idle"] = _probe(world, node, probe_seconds, log)
            out["baseline"]["rss_after_probe_mb"] = node.rss_mb()

            held = 0
            for level in levels:
                with CpuWindow(node, database_pid) as cpu:
                    opened = clients.open(tokens[held:level], args.concurrency)
                held += opened["opened"]
                time.sleep(SETTLE_SECONDS)
                rss = node.rss_mb()
                client_stats = clients.stats()
                row = {
                    "level": level, "held": client_stats["open"], "opened_now": opened["opened"],
                    "failures": dict(opened["failures"]), "first_error": opened["first_error"],
                    "connect_seconds": opened["seconds"],
                    "connects_per_s": opened["opened"] / opened["seconds"] if opened["seconds"] else 0.0,
                    "handshake": Latency.of("handshake -> ready", opened["handshake_ns"])
                    if opened["handshake_ns"] else None,
                    "node_cores_while_connecting": cpu.node_cores, "database_cores_while_connecting": cpu.database_cores,
                    "rss_mb": rss, "open_files": _open_files(node.proc.pid),
                    "kib_per_connection": (rss - out["baseline"]["rss_mb"]) * 1024 / max(1, client_stats["open"]),
                    "client_rss_mb": client_stats["rss_mb"],
                }
                log(f"{level:>6}: held {row['held']}, +{opened['opened']} in {opened['seconds']:.1f} s "
                    f"({row['connects_per_s']:.0f}/s; failures {row['failures'] or 'none'}); node RSS {rss:.1f} MiB "
                    f"= {row['kib_per_connection']:.1f} KiB per connection; {row['open_files']} open files")
                row["hold"] = _hold(clients, node, database_pid, hold, out["ping_seconds"], log)
                log(f"  probe with {row['hold']['held']} held:")
                row["probe"] = _probe(world, node, probe_seconds, log)
                row["probe"]["held"] = clients.stats()["open"]
                out["levels"].append(row)
            out["hold"] = out["levels"][-1]["hold"]
            out["probe_held"] = out["levels"][-1]["probe"]
            out["close_seconds"] = clients.close()
            time.sleep(SETTLE_SECONDS)
            out["after_close"] = {"rss_mb": node.rss_mb(), "open_files": _open_files(node.proc.pid)}
            out["node_peak_rss_mb"] = node.peak_rss_mb()
            out["uvicorn_ws"] = "websockets-sansio (uvicorn's auto choice), per-message-deflate on"
        world.gp.close()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept {workdir}")
    return out


def _ms(latency: Latency | None, attr: str) -> str:
    return "-" if latency is None else f"{getattr(latency, attr) / 1000:.1f}"


def report(name: str, out: dict, m: dict) -> str:
    lines = []
    w = lines.append
    database = f"PostgreSQL {out['postgresql'].split()[0]}" if out.get("postgresql") else f"SQLite {m['sqlite']}"
    s = out["settings"]
    w(f"websocket benchmark ({name}): {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, {database}; "
      f"one node (python -m web serve), {s['clients']} client process(es), "
      f"clients {'offer' if s['compression'] else 'do not offer'} permessage-deflate")
    w(f"tokens: minted with the node's IdP key, one person per connection ({out['people_and_tokens_s']:.1f} s for "
      f"{s['levels'][-1] + WARMUP_CONNECTIONS:,}); open-file limits: node {out['node']['nofile']}, clients "
      f"{out['client_nofile']}; ping interval {out['ping_seconds']:g} s")
    b = out["baseline"]
    w(f"node RSS with nothing held (after {WARMUP_CONNECTIONS} warm-up connections): {b['rss_mb']:.1f} MiB")
    w("")
    head = (f"{'held':>7} {'new':>6} {'fail':>5} | {'connect s':>9} {'per s':>6} {'hs p50 ms':>9} {'hs p99 ms':>9} "
            f"{'node cpu':>8} | {'node RSS MiB':>12} {'KiB/conn':>8} {'fds':>6} | {'client MiB':>10}")
    w(head)
    w("-" * len(head))
    for r in out["levels"]:
        w(f"{r['held']:>7} {r['opened_now']:>6} {sum(r['failures'].values()):>5} | {r['connect_seconds']:>9.1f} "
          f"{r['connects_per_s']:>6.0f} {_ms(r['handshake'], 'p50_us'):>9} {_ms(r['handshake'], 'p99_us'):>9} "
          f"{r['node_cores_while_connecting']:>8.2f} | {r['rss_mb']:>12.1f} {r['kib_per_connection']:>8.1f} "
          f"{r['open_files']:>6} | {r['client_rss_mb']:>10.0f}")
    w("(hs: handshake -> ready, with up to %d handshakes in flight; node cpu: cores busy in the node while "
      "connecting; KiB/conn: (RSS - RSS with nothing held) / connections held)" % s["concurrency"])
    for r in out["levels"]:
        if r["first_error"]:
            w(f"(at {r['level']}: first failure: {r['first_error']})")
    pg = bool(out.get("postgresql"))
    w("")
    w(f"while held: {s['hold_s']:g} s of nothing but the connections (idle cost: pings, each also a pull of the "
      f"inbox), then the GP sends to Lise (one more connection) at {PROBE_RATE:g}/s for {s['probe_seconds']:g} s")
    head = (f"{'held':>7} | {'idle cpu':>8}{'   db' if pg else ''} {'pings/s':>7} {'lost':>4} | {'n':>4} "
            f"{'missing':>7} | {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} | {'ack p50':>7} "
            f"{'ack p99':>7} | {'POST p50':>8} {'POST p99':>8}")
    w(head)
    w("-" * len(head))
    rows = [(0, None, out["probe_idle"])] + [(r["held"], r["hold"], r["probe"]) for r in out["levels"]]
    for held, h, p in rows:
        e, a, post = p["e2e"], p["ack_to_push"], p["post"]
        idle = (f"{h['node_cores']:>8.2f}" + (f" {h['database_cores']:>4.2f}" if pg else "")
                + f" {h['pings_per_s']:>7.0f} {h['lost']:>4}") if h else f"{'-':>8}{'    -' if pg else ''} {'-':>7} {'-':>4}"
        w(f"{held:>7} | {idle} | {p['delivered']:>4} {p['missing']:>7} | {_ms(e, 'p50_us'):>7} "
          f"{_ms(e, 'p95_us'):>7} {_ms(e, 'p99_us'):>7} {_ms(e, 'max_us'):>7} | {_ms(a, 'p50_us'):>7} "
          f"{_ms(a, 'p99_us'):>7} | {_ms(post, 'p50_us'):>8} {_ms(post, 'p99_us'):>8}")
    w("(idle cpu: cores busy in the node; p50..max: just before the POST -> the push arrives; ack: the POST's "
      "response -> the push arrives)")
    w("")
    a = out["after_close"]
    last = out["levels"][-1]
    w(f"after closing all ({out['close_seconds']:.1f} s): node RSS {a['rss_mb']:.1f} MiB, {a['open_files']} open "
      f"files; node peak RSS {out['node_peak_rss_mb']:.1f} MiB")
    w(f"result: {last['held']:,} connections held on one node, {last['kib_per_connection']:.0f} KiB each; "
      f"a message still arrives in p50 {_ms(out['probe_held']['e2e'], 'p50_us')} ms / p99 "
      f"{_ms(out['probe_held']['e2e'], 'p99_us')} ms (vs {_ms(out['probe_idle']['e2e'], 'p50_us')} / "
      f"{_ms(out['probe_idle']['e2e'], 'p99_us')} ms with none held)")
    return "\n".join(lines)


def _jsonable(value: object) -> object:
    from dataclasses import asdict

    if isinstance(value, Latency):
        return asdict(value)
    if isinstance(value, (datetime, Path, timedelta)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100 and 300 connections, short hold and probe")
    parser.add_argument("--levels", type=lambda v: [int(x) for x in v.split(",")],
                        help="connection counts to measure at, comma-separated (default 1000,5000,10000)")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes in flight at once")
    parser.add_argument("--clients", type=int, default=1, help="client processes holding the connections")
    parser.add_argument("--hold", type=float, help="seconds of idle hold at each level (default 25: over the 20 s ping interval; quick 3)")
    parser.add_argument("--ping-seconds", type=float, help="the node's SAMBAND_WS_PING_SECONDS (default: its own, 20)")
    parser.add_argument("--no-compression", action="store_true", help="clients do not offer permessage-deflate")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, node log)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON result goes (default bench/results)")
    args = parser.parse_args(argv)
    name = ("websockets" + ("-postgresql" if args.db == "postgresql" else "")
            + ("-nodeflate" if args.no_compression else "") + ("-quick" if args.quick else ""))

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    from web.settings import Settings

    started = perf_counter()
    out = run(args, log, args.ping_seconds or Settings.model_fields["ws_ping_seconds"].default)
    m = machine(out.get("postgresql"))
    text = report(name, out, m)
    out["elapsed_s"] = perf_counter() - started
    text += f"\n(run took {out['elapsed_s']:.0f} s; this process's peak RSS {peak_rss_mb():.0f} MiB)"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    data = {"name": name, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": m, **out,
            "summary": text}
    path = args.out / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
