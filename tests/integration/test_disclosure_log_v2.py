"""The disclosure log v2 over real HTTP: Hansen's own log with proofs, consistency, the
witness API and ``samband witness`` / ``verify-log`` / ``sign-head`` against a live
server and its real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import text
from sqlmodel import Session

from consent import audit, logformat, merkle
from tests.support.log_scene import cut_log_tail
from tests.support.server import running_server

TOKEN = "witness-token-0123456789"
SAMBAND = [sys.executable, "-m", "web"]


@pytest.fixture
def server(tmp_path):
    with running_server(tmp_path, witness_token=TOKEN) as live:
        yield live


def _grant(world, recipient: str) -> dict:
    hansen = world.person("hansen")
    return hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "person", "id": recipient}, "categories": ["functional_ability"],
        "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=8)).isoformat(),
    }), 201)


def _ask(world, category: str) -> None:
    gp, hansen, lise = (world.person(u) for u in ("solberg", "hansen", "lise"))
    gp.ok(gp.post("/consent/decisions", json={
        "subject_id": hansen.actor_id, "recipient_id": lise.actor_id, "category": category, "purpose": "workplace_adaptation"}))


def _activity(world, n: int) -> None:
    for i in range(n):
        _ask(world, ("functional_ability", "diagnosis")[i % 2])


def _verify_page(page: dict, subject_id: str) -> None:
    """What the browser does: every entry's leaf → inclusion proof → the signed root."""
    head, key = page["head"], page["public_key"]
    public = Ed25519PublicKey.from_public_bytes(logformat.unb64url(key["ed25519"]))
    assert key["key_id"] == logformat.key_id(public) == head["key_id"]
    assert logformat.head_problem(head, public) is None
    assert page["log_id"] == head["log_id"] == logformat.log_id(subject_id)
    for entry in page["entries"]:
        leaf = json.loads(entry["leaf"])
        assert leaf["index"] == entry["index"] and leaf["log_id"] == page["log_id"]
        for name in ("entry_id", "tag", "outcome", "actor_id", "recipient_id", "category", "purpose", "basis_kind", "reason"):
            assert leaf[name] == entry[name]
        assert sorted(leaf) == sorted(logformat.LEAF_FIELDS)
        merkle.verify_inclusion(merkle.leaf_hash(entry["leaf"].encode()), entry["index"], head["tree_size"],
                                [bytes.fromhex(p) for p in entry["inclusion_proof"]], bytes.fromhex(head["root_hash"]))


def _size(world) -> int:
    hansen = world.person("hansen")
    return hansen.ok(hansen.get("/consent/log", params={"limit": 1}))["head"]["tree_size"]


def test_an_empty_log_has_a_signed_empty_head(world):
    hansen = world.person("hansen")
    with world.engine.begin() as conn:  # the demo's case set-up wrote his first entries: a person without any
        conn.execute(text("DELETE FROM disclosure_log_tree_head"))
        conn.execute(text("DELETE FROM disclosure_log_tree"))
        conn.execute(text("DELETE FROM disclosure_log WHERE subject_id = :s"), {"s": hansen.actor_id})
    empty = hansen.ok(hansen.get("/consent/log"))
    assert empty["entries"] == [] and empty["head"]["tree_size"] == 0 and empty["next_before"] is None
    assert empty["head"]["root_hash"] == merkle.EMPTY_ROOT.hex()
    _verify_page(empty, hansen.actor_id)


def test_hansen_verifies_every_entry_of_his_log_and_pages_back(world):
    hansen = world.person("hansen")
    base = _size(world)
    _verify_page(hansen.ok(hansen.get("/consent/log")), hansen.actor_id)
    _grant(world, world.person("lise").actor_id)
    _activity(world, 6)
    page = hansen.ok(hansen.get("/consent/log"))
    n = base + 7
    assert page["head"]["tree_size"] == n and [e["index"] for e in page["entries"]] == list(range(n - 1, -1, -1))
    _verify_page(page, hansen.actor_id)
    assert page["entries"][6]["tag"] == "consent:grant:created"
    assert page["entries"][0]["recipient_name"] == "Lise Berg"
    times = [e["occurred_at"] for e in reversed(page["entries"])]
    assert times == sorted(times)  # the log's order and its time stamps agree

    pages, before = [], None
    while True:
        got = hansen.ok(hansen.get("/consent/log", params={"limit": 3, **({"before": before} if before is not None else {})}))
        _verify_page(got, hansen.actor_id)
        pages.append([e["index"] for e in got["entries"]])
        before = got["next_before"]
        if before is None:
            break
        assert before == pages[-1][-1]
    assert [i for p in pages for i in p] == list(range(n - 1, -1, -1)) and all(len(p) == 3 for p in pages[:-1])

    # Others have no log to read here; a bad page size is refused with a message.
    assert world.person("lise").get("/consent/log").status_code == 403
    assert hansen.get("/consent/log", params={"limit": 0}).status_code == 422


def test_a_removed_entry_still_gets_an_answer_whose_proofs_fail(world):
    """The server serves what it stores; a hole in the log is for Hansen's browser to see,
    not a 500 that hides the rest of his log."""
    hansen = world.person("hansen")
    _grant(world, world.person("lise").actor_id)
    _activity(world, 4)
    size = _size(world)
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE subject_id = :s AND leaf_index = :i"),
                     {"s": hansen.actor_id, "i": size - 2})
    page = hansen.ok(hansen.get("/consent/log"))
    assert page["head"]["tree_size"] == size and size - 2 not in [e["index"] for e in page["entries"]]
    with pytest.raises(merkle.ProofError):
        _verify_page(page, hansen.actor_id)
    # The heads themselves are intact, so the consistency answer still comes (and a
    # proof that needs the hole's hash fails at the verifier, as above).
    assert hansen.get("/consent/log/consistency", params={"first": size - 1}).status_code == 200


def test_a_newer_head_is_proven_to_extend_the_one_hansen_kept(world):
    hansen = world.person("hansen")
    _grant(world, world.person("lise").actor_id)
    _activity(world, 2)
    kept = hansen.ok(hansen.get("/consent/log"))["head"]
    _activity(world, 5)
    answer = hansen.ok(hansen.get("/consent/log/consistency", params={"first": kept["tree_size"]}))
    assert answer["first"] == kept and answer["second"]["tree_size"] == kept["tree_size"] + 5
    assert answer["log_id"] == kept["log_id"]
    merkle.verify_consistency(kept["tree_size"], answer["second"]["tree_size"], bytes.fromhex(kept["root_hash"]),
                              bytes.fromhex(answer["second"]["root_hash"]), [bytes.fromhex(p) for p in answer["proof"]])
    from_nothing = hansen.ok(hansen.get("/consent/log/consistency", params={"first": 0, "second": 3}))
    assert from_nothing["first"]["tree_size"] == 0 and from_nothing["proof"] == [] and from_nothing["second"]["tree_size"] == 3

    wrong_way = hansen.get("/consent/log/consistency", params={"first": 5, "second": 2})
    assert wrong_way.status_code == 422 and "must not be larger" in wrong_way.json()["message"]
    beyond = hansen.get("/consent/log/consistency", params={"first": 1, "second": 99})
    assert beyond.status_code == 422 and "no head of size 99" in beyond.json()["message"]
    assert world.person("lise").get("/consent/log/consistency", params={"first": 0}).status_code == 403


def test_the_witness_api_wants_its_token_and_names_logs_only_by_id(world):
    _grant(world, world.person("lise").actor_id)
    _activity(world, 2)
    url = world.base_url
    refused = httpx.get(f"{url}/log/heads")
    assert refused.status_code == 401 and "SAMBAND_WITNESS_TOKEN" in refused.json()["message"]
    assert httpx.get(f"{url}/log/heads", headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    heads = httpx.get(f"{url}/log/heads", headers=auth).json()
    hansen_log = logformat.log_id(world.person("hansen").actor_id)
    assert hansen_log in [h["log_id"] for h in heads["heads"]] and heads["next_after"] is None
    assert [h["log_id"] for h in heads["heads"]] == sorted(h["log_id"] for h in heads["heads"])
    paged = httpx.get(f"{url}/log/heads", params={"limit": 1}, headers=auth).json()
    assert paged["heads"] == heads["heads"][:1] and paged["next_after"] == heads["heads"][0]["log_id"]
    rest = httpx.get(f"{url}/log/heads", params={"after": paged["next_after"]}, headers=auth).json()
    assert rest["heads"] == heads["heads"][1:]
    assert world.person("hansen").actor_id not in json.dumps(heads)
    proof = httpx.get(f"{url}/log/{hansen_log}/consistency", params={"first": 1}, headers=auth).json()
    assert proof["first"]["tree_size"] == 1 and proof["second"] in heads["heads"]
    assert httpx.get(f"{url}/log/{'0' * 64}/consistency", params={"first": 0}, headers=auth).status_code == 404
    assert httpx.get(f"{url}/log/heads", params={"after": "not-hex"}, headers=auth).status_code == 422


def test_the_witness_api_is_off_without_a_token(tmp_path):
    with running_server(tmp_path) as live:
        off = httpx.get(f"{live.base_url}/log/heads", headers={"Authorization": f"Bearer {TOKEN}"})
    assert off.status_code == 404 and "SAMBAND_WITNESS_TOKEN" in off.json()["message"]


def _env(world) -> dict:
    return {**os.environ, "SAMBAND_DATABASE_URL": world.settings.database_url,
            "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(world.settings.consent.log_signing_key_file)}


def _run(*argv, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*SAMBAND, *argv], env=env or dict(os.environ), capture_output=True, text=True, timeout=120, **kw)


def test_samband_witness_sees_the_log_grow_then_reports_a_cut_and_verify_log_agrees(world, tmp_path):
    env = _env(world)
    public, state = tmp_path / "log.pub", tmp_path / "witness.json"
    assert _run("export-public-key", "--out", str(public), env=env).returncode == 0
    witness = ["witness", "--url", world.base_url, "--public-key", str(public), "--state", str(state), "--token", TOKEN]
    hansen = world.person("hansen")

    base = _size(world)
    _grant(world, world.person("lise").actor_id)
    _activity(world, 3)
    first = _run(*witness)
    assert first.returncode == 0 and "OK: 3 heads" in first.stdout, first.stdout + first.stderr  # the demo's three employees
    assert json.loads(state.read_text())["logs"][logformat.log_id(hansen.actor_id)]["tree_size"] == base + 4

    _activity(world, 4)
    grown = _run(*witness)
    assert grown.returncode == 0 and "1 log(s) proven to extend" in grown.stdout, grown.stdout + grown.stderr
    verified = _run("verify-log", "--public-key", str(public), "--witness-state", str(state), env=env)
    assert verified.returncode == 0 and verified.stdout.startswith("OK: 3 logs"), verified.stdout + verified.stderr

    cut_log_tail(world.engine, hansen.actor_id, base + 5)
    cut = _run(*witness)
    assert cut.returncode == 2, cut.stdout + cut.stderr
    assert f"CUT: log {logformat.log_id(hansen.actor_id)} now has {base + 5} entries; this witness saw {base + 8}" in cut.stdout
    alone = _run("verify-log", "--public-key", str(public), env=env)
    assert alone.returncode == 0  # the database alone is consistent: only what was seen elsewhere shows the cut
    seen = _run("verify-log", "--public-key", str(public), "--witness-state", str(state), env=env)
    assert seen.returncode == 1 and f"CUT: the witness saw {base + 8} entries; the log now has {base + 5}" in seen.stdout

    # The log grows past the cut again: a new history of 9 entries does not extend the 8 seen.
    _activity(world, 4)
    forked = _run(*witness)
    assert forked.returncode == 2 and f"FORK: log {logformat.log_id(hansen.actor_id)}" in forked.stdout, forked.stdout


def test_witness_alerts_on_heads_another_key_signed(world, tmp_path):
    _grant(world, world.person("lise").actor_id)
    other = tmp_path / "other.pub"
    other.write_bytes(logformat.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    run = _run("witness", "--url", world.base_url, "--public-key", str(other), "--state", str(tmp_path / "s.json"), "--token", TOKEN)
    assert run.returncode == 2 and f"BAD SIGNATURE: log {logformat.log_id(world.person('hansen').actor_id)}" in run.stdout


def test_the_client_never_loads_the_database_layer():
    """``samband-witness`` runs anywhere: no SQLAlchemy, no server code."""
    probe = "import sys, consent.witness; print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'web')))"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip() == "[]"


def test_a_log_without_a_head_gets_one_when_hansen_looks(world):
    """After the v2 migration no head exists until the first append, start-up or sign-head;
    Hansen's page does not wait for them."""
    hansen = world.person("hansen")
    _grant(world, world.person("lise").actor_id)
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log_tree_head"))
    page = hansen.ok(hansen.get("/consent/log"))
    _verify_page(page, hansen.actor_id)
    with Session(world.engine) as session:
        assert audit.latest_head(session, hansen.actor_id).tree_size == page["head"]["tree_size"] == len(page["entries"])


def test_witness_needs_the_public_key_and_says_so(world, tmp_path):
    missing = _run("witness", "--url", world.base_url, "--public-key", str(tmp_path / "nope.pem"),
                   "--state", str(tmp_path / "s.json"), "--token", TOKEN)
    assert missing.returncode == 2 and "cannot read the public key" in missing.stderr
    (tmp_path / "key.pub").write_text(logformat.public_key_json(
        Ed25519PrivateKey.generate().public_key())["ed25519"])
    no_token = _run("witness", "--url", world.base_url, "--public-key", str(tmp_path / "key.pub"), "--state", str(tmp_path / "s.json"))
    assert no_token.returncode == 1 and "HTTP 401" in no_token.stderr


def test_verify_log_names_an_altered_a_removed_and_a_cut_entry_and_needs_only_the_public_key(world, tmp_path):
    env = _env(world)
    hansen = world.person("hansen")
    public = tmp_path / "log.pub"
    _grant(world, world.person("lise").actor_id)
    _activity(world, 9)
    assert _run("export-public-key", "--out", str(public), env=env).returncode == 0
    verify = ["verify-log", "--public-key", str(public)]
    assert _run(*verify, env=env).returncode == 0
    log = logformat.log_id(hansen.actor_id)

    no_key = _run("verify-log", "--public-key", str(tmp_path / "missing.pem"), env=env)
    assert no_key.returncode == 2 and "cannot read the public key" in no_key.stderr
    private = _run("verify-log", "--public-key", env["SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE"], env=env)
    assert private.returncode == 2 and "this is a private key" in private.stderr
    gone = {**env, "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(tmp_path / "no-such-key.pem")}
    assert _run(*verify, env=gone).returncode == 0 and not (tmp_path / "no-such-key.pem").exists()  # never makes a key

    with world.engine.begin() as conn:
        conn.execute(text("UPDATE disclosure_log SET category = 'diagnosis' WHERE subject_id = :s AND leaf_index = 3"),
                     {"s": hansen.actor_id})
    altered = _run(*verify, env=env)
    assert altered.returncode == 1 and f"FAILED: log {log} (subject {hansen.actor_id}): entry 3 was altered" in altered.stdout

    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE subject_id = :s AND leaf_index <= 3"), {"s": hansen.actor_id})
    removed = _run(*verify, env=env)
    assert removed.returncode == 1 and "entry 0 was removed" in removed.stdout


def test_verify_log_names_a_tail_cut_with_its_newest_head(world, tmp_path):
    env = _env(world)
    hansen = world.person("hansen")
    base = _size(world)
    _grant(world, world.person("lise").actor_id)
    _activity(world, 5)
    public = tmp_path / "log.pub"
    assert _run("export-public-key", "--out", str(public), env=env).returncode == 0
    with world.engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure_log WHERE subject_id = :s AND leaf_index >= :k"), {"s": hansen.actor_id, "k": base + 4})
        conn.execute(text("DELETE FROM disclosure_log_tree_head WHERE log_id = :l AND tree_size > :k"),
                     {"l": logformat.log_id(hansen.actor_id), "k": base + 4})
    cut = _run("verify-log", "--public-key", str(public), env=env)
    assert cut.returncode == 1 and f"the tree row says {base + 6} entries but {base + 4} are stored" in cut.stdout, cut.stdout


def test_sign_head_signs_logs_without_a_head_and_exits_0(world):
    env = _env(world)
    _grant(world, world.person("lise").actor_id)
    with world.engine.begin() as conn:  # as after the v2 migration: entries, no heads
        conn.execute(text("DELETE FROM disclosure_log_tree_head"))
    signed = _run("sign-head", env=env)
    assert signed.returncode == 0 and "signed the current head of 3 log(s)" in signed.stdout, signed.stdout + signed.stderr
    again = _run("sign-head", env=env)
    assert again.returncode == 0 and "already signed" in again.stdout
    with Session(world.engine) as session:
        head = audit.latest_head(session, world.person("hansen").actor_id)
        assert head.tree_size == audit.tree_of(session, world.person("hansen").actor_id).size
