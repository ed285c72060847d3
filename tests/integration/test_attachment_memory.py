"""A 20 MB attachment goes up and comes down through the Python client while the
server — a real ``samband serve`` process — grows by less than 5 MB: chunks are
streamed to and from files, never held whole (issue 11).  The server's resident memory
is sampled from /proc while the transfer runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from messaging.client import SambandClient
from tests.integration.test_attachments import ASSESSMENT, pdf, sha256
from tests.support.nodes import node_process

MB = 1024 * 1024
SIZE = 20 * MB
BUDGET = 5 * MB


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid``, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values


class Sampler(threading.Thread):
    """The highest VmRSS seen while running, sampled every few milliseconds."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples = pid, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, _status(self.pid)["VmRSS"])
            self.samples += 1
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join(timeout=10)


@pytest.fixture
def node(server, tmp_path):
    with node_process(server, tmp_path) as node:
        yield node


def test_20_mb_up_and_down_with_under_5_mb_server_growth(world, clients, node, tmp_path, capsys):
    d = world.demo.actors
    nav = world.person("eide")
    nav.ok(nav.post("/consent/nav-requests", json={
        "subject_id": d["hansen"], "addressee_id": d["solberg"], "categories": ["functional_ability", "diagnosis"]}), 201)
    case_id = world.demo.cases["hansen"]
    here = {u: SambandClient(node.base_url, clients(u).token, clients(u).identity) for u in ("solberg", "eide")}
    gp, reader = here["solberg"], here["eide"]
    thread = gp.start_thread(case_id, [d["eide"]], topic="functional_assessment")["id"]
    purposes = {d["eide"]: "nav_benefit_assessment"}

    # Warm up: every code path once (imports, pools, caches), with a small file.
    small = pdf(tmp_path / "small.pdf", 2 * MB)
    warm = gp.send(case_id, thread, "functional_assessment", ASSESSMENT, attachments={"diagnosis": [small]},
                   purposes=purposes)
    reader.download_attachment(reader.attachments_of(reader.read(warm["id"]))[0], tmp_path / "small-back.pdf")

    big = pdf(tmp_path / "scan.pdf", SIZE)
    pid = node.process.pid
    baseline = _status(pid)
    with Sampler(pid) as sampler:
        started = time.monotonic()
        sent = gp.send(case_id, thread, "functional_assessment", ASSESSMENT, attachments={"diagnosis": [big]},
                       purposes=purposes)
        up = time.monotonic() - started
        [ref] = reader.attachments_of(reader.read(sent["id"]))
        started = time.monotonic()
        back = reader.download_attachment(ref, tmp_path / "scan-back.pdf")
        down = time.monotonic() - started
    after = _status(pid)
    assert sha256(back) == sha256(big)
    growth = sampler.peak - baseline["VmRSS"]
    hwm_growth = after["VmHWM"] - baseline["VmHWM"]
    with capsys.disabled():
        print(f"\n20 MB attachment: up {SIZE / MB / up:.1f} MB/s (encrypt + upload + send), "
              f"down {SIZE / MB / down:.1f} MB/s (download + decrypt); server RSS baseline "
              f"{baseline['VmRSS'] / MB:.1f} MB, peak growth {growth / MB:.2f} MB "
              f"({sampler.samples} samples), VmHWM growth {hwm_growth / MB:.2f} MB")
    assert sampler.samples > 10
    assert growth < BUDGET, f"the server grew by {growth / MB:.1f} MB during a 20 MB transfer"
    assert hwm_growth < BUDGET
    for c in here.values():
        c.close()
