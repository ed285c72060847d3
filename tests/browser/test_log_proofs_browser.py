"""The browser's disclosure-log checks (web/frontend/src/logproof.js) against Python's
(consent/merkle.py), in Debian's Chromium.

Python builds trees of many sizes from leaf strings (with Norwegian letters and an
emoji, so UTF-8 matters), their inclusion and consistency proofs, and tree heads
signed as docs/disclosure-log.md says; the bundle the portal serves checks them in the
page.  Every valid proof and head must pass, and every altered one must fail: a wrong
leaf, a wrong index, a truncated or lengthened proof, a wrong root or size, a
consistency proof for a rewritten prefix, a head with anything changed after signing.
The vectors of docs/disclosure-log.md pass too.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consent import merkle

SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 31, 32, 33, 64, 100)
KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"samband log proof test key").digest())
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"someone else's key").digest())


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def log_id(subject_id: str) -> str:
    return hashlib.sha256(b"samband.no/v2/log-id\n" + subject_id.encode()).hexdigest()


def leaf(i: int, lid: str) -> str:
    fields = {"actor_id": f"actor-{i % 3}", "basis_kind": "consent", "basis_ref": f"grant-{i}",
              "basis_text": None, "case_id": "case-1", "category": "functional_ability", "entry_id": f"entry-{i}",
              "index": i, "log_id": lid, "occurred_at": f"2026-12-03T10:{i // 60 % 60:02d}:{i % 60:02d}.000000Z",
              "outcome": "permit", "purpose": "workplace_adaptation", "reason": f"Lærer på Ørsta {i} 😀",
              "recipient_id": "lise", "sender_id": "solberg", "tag": "disclosure:read:granted"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def head(lid: str, size: int, root: bytes, key=KEY, signed_at: str = "2026-12-03T10:00:00.123456Z") -> dict:
    message = f"samband.no/v2/tree-head\n{lid}\n{size}\n{root.hex()}\n{signed_at}".encode()
    return {"log_id": lid, "tree_size": size, "root_hash": root.hex(), "signed_at": signed_at,
            "key_id": "k1", "signature": b64url(key.sign(message))}


def cases() -> list[dict]:
    """Every case as {name, op, args, ok}: what the browser must say about it."""
    out: list[dict] = []
    lid = log_id("hansen")
    public = b64url(KEY.public_key().public_bytes_raw())
    for n in SIZES:
        leaves = [leaf(i, lid) for i in range(n)]
        hashes = [merkle.leaf_hash(s.encode()) for s in leaves]
        root = merkle.root(hashes)
        indices = sorted({0, 1 % n, n // 2, n - 2 if n > 1 else 0, n - 1})
        for i in indices:
            proof = merkle.inclusion_proof(i, hashes)
            hexp = [p.hex() for p in proof]

            def inc(name, ok, leaf_str=leaves[i], index=i, size=n, path=hexp, r=root.hex()):
                out.append({"name": f"n={n} i={i}: {name}", "op": "inclusion", "ok": ok,
                            "args": [leaf_str, index, size, path, r]})

            inc("valid", True)
            inc("wrong leaf", False, leaf_str=leaves[(i + 1) % n] if n > 1 else leaves[i] + " ")
            inc("leaf with one character changed", False, leaf_str=leaves[i].replace("permit", "permiT"))
            if n > 1:
                inc("wrong index", False, index=i ^ 1 if (i ^ 1) < n else i - 1)
            inc("index past the end", False, index=n)
            if proof:
                inc("truncated proof", False, path=hexp[:-1])
                inc("a proof node altered", False, path=[hexp[0][:-1] + ("0" if hexp[0][-1] != "0" else "1"), *hexp[1:]])
            inc("lengthened proof", False, path=[*hexp, hashes[0].hex()])
            inc("wrong root", False, r=merkle.leaf_hash(b"not the root").hex())
            inc("wrong tree size", False, size=n + 1)  # a proof can fit a bigger tree: Python decides
        firsts = sorted({0, 1, 2, 3, n // 2, n - 1, n} & set(range(n + 1)))
        for m in firsts:
            proof = [p.hex() for p in merkle.consistency_proof(m, hashes)]
            first_root = merkle.root(hashes[:m])

            def con(name, ok, first=m, second=n, r1=first_root.hex(), r2=root.hex(), path=proof):
                out.append({"name": f"n={n} m={m}: {name}", "op": "consistency", "ok": ok,
                            "args": [first, second, r1, r2, path]})

            con("valid", True)
            if 0 < m:
                # The log is rewritten: an entry in the old prefix changed, proof made
                # from the rewritten tree, checked against the head the browser saved.
                rewritten = list(hashes)
                rewritten[m - 1] = merkle.leaf_hash(b"rewritten")
                new_root = merkle.root(rewritten)
                new_proof = [p.hex() for p in merkle.consistency_proof(m, rewritten)]
                con("rewritten prefix", False, r2=new_root.hex(), path=new_proof)
                con("wrong first root", False, r1=merkle.leaf_hash(b"x").hex())
            if proof:
                con("truncated proof", False, path=proof[:-1])
            if 0 < m < n:
                con("lengthened proof", False, path=[*proof, root.hex()])
                con("cut: the second is smaller", False, first=n, second=m, r1=root.hex(), r2=first_root.hex())
                con("wrong second root", False, r2=merkle.root(hashes[:-1]).hex() if n - 1 > m else merkle.leaf_hash(b"y").hex())
        # Heads: the signature of the spec's message, and nothing else, passes.
        h = head(lid, n, root)
        out.append({"name": f"n={n}: head", "op": "head", "ok": True, "args": [h, public]})
        for what, change in (("size", {"tree_size": n + 1}), ("root", {"root_hash": merkle.leaf_hash(b"z").hex()}),
                             ("time", {"signed_at": "2026-12-03T10:00:00.123457Z"}),
                             ("log id", {"log_id": log_id("someone else")})):
            out.append({"name": f"n={n}: head with its {what} changed", "op": "head", "ok": False,
                        "args": [{**h, **change}, public]})
        out.append({"name": f"n={n}: head signed by another key", "op": "head", "ok": False,
                    "args": [head(lid, n, root, key=OTHER_KEY), public]})
        # The whole answer of GET /consent/log, as the page checks it.
        entries = [{"entry_id": f"entry-{i}", "index": i, "leaf": leaves[i],
                    "inclusion_proof": [p.hex() for p in merkle.inclusion_proof(i, hashes)]} for i in reversed(range(n))]
        out.append({"name": f"n={n}: every entry", "op": "entries", "ok": True, "args": [h, entries]})
        bad = [dict(e) for e in entries]
        bad[len(bad) // 2]["leaf"] = bad[len(bad) // 2]["leaf"].replace("lise", "vold")
        out.append({"name": f"n={n}: one entry altered", "op": "entries", "ok": False, "args": [h, bad]})
        # The page checks many proofs at once, sharing the nodes it verified: an altered
        # proof or a lengthened one after the first entries must still fail.
        for where in {0, len(entries) // 2, len(entries) - 1}:
            longer = [dict(e) for e in entries]
            longer[where]["inclusion_proof"] = [*longer[where]["inclusion_proof"], hashes[0].hex()]
            out.append({"name": f"n={n}: entry {where} with a lengthened proof", "op": "entries", "ok": False,
                        "args": [h, longer]})
            if entries[where]["inclusion_proof"]:
                bent = [dict(e) for e in entries]
                bent[where]["inclusion_proof"] = [merkle.leaf_hash(b"bent").hex(), *bent[where]["inclusion_proof"][1:]]
                out.append({"name": f"n={n}: entry {where} with a proof node altered", "op": "entries", "ok": False,
                            "args": [h, bent]})
                shorter = [dict(e) for e in entries]
                shorter[where]["inclusion_proof"] = shorter[where]["inclusion_proof"][:-1]
                out.append({"name": f"n={n}: entry {where} with a truncated proof", "op": "entries", "ok": False,
                            "args": [h, shorter]})
        if n > 1:
            swapped = [dict(e) for e in entries]
            swapped[0]["entry_id"] = entries[1]["entry_id"]
            out.append({"name": f"n={n}: an entry shown under another's id", "op": "entries", "ok": False,
                        "args": [h, swapped]})
    for c in out:  # the browser must agree with consent/merkle.py on every proof
        if c["op"] == "inclusion":
            lf, i, n, path, r = c["args"]
            c["ok"] = _python_accepts(merkle.verify_inclusion, merkle.leaf_hash(lf.encode()), i, n,
                                      [bytes.fromhex(p) for p in path], bytes.fromhex(r))
        elif c["op"] == "consistency":
            m, n, r1, r2, path = c["args"]
            c["ok"] = _python_accepts(merkle.verify_consistency, m, n, bytes.fromhex(r1), bytes.fromhex(r2),
                                      [bytes.fromhex(p) for p in path])
    out.append({"name": "log id of a subject", "op": "logid", "ok": True, "args": ["hansen", lid]})
    out.append({"name": "log id of another subject", "op": "logid", "ok": False, "args": ["hansen2", lid]})
    return out


def _python_accepts(check, *args) -> bool:
    try:
        check(*args)
    except merkle.ProofError:
        return False
    return True


RUN = """async (cases) => {
  const { logproof } = await import("/static/build/samband.js");
  const outcome = [];
  for (const c of cases) {
    let ok = true, why = "";
    try {
      const a = c.args;
      if (c.op === "inclusion") logproof.verifyInclusion(logproof.leafHash(a[0]), a[1], a[2], a[3], a[4]);
      else if (c.op === "consistency") logproof.verifyConsistency(a[0], a[1], a[2], a[3], a[4]);
      else if (c.op === "head") logproof.verifyHead(a[0], a[1]);
      else if (c.op === "entries") logproof.verifyEntries(a[0], a[1]);
      else if (c.op === "logid") { if (logproof.logIdFor(a[0]) !== a[1]) throw new Error("another log id"); }
    } catch (err) { ok = false; why = `${err.name}: ${err.message}`; }
    outcome.push({ name: c.name, ok, why });
  }
  return outcome;
}"""


def _run(page, batch: list[dict]) -> list[dict]:
    return page.evaluate(RUN, batch)


def test_browser_accepts_every_valid_proof_and_rejects_every_altered_one(chromium, server):
    context = chromium.new_context(base_url=server.base_url)
    try:
        page = context.new_page()
        page.goto("/")
        batch = cases()
        outcome = _run(page, batch)
        assert len(outcome) == len(batch) > 900
        wrong = [f"{c['name']}: expected {'accept' if c['ok'] else 'reject'}, got {o['why'] or 'accept'}"
                 for c, o in zip(batch, outcome, strict=True) if o["ok"] != c["ok"]]
        assert wrong == []
        # Python agrees that the alterations (but a proof that also fits a bigger tree) fail.
        altered = [c for c in batch if c["op"] in ("inclusion", "consistency")
                   and not c["name"].endswith(("valid", "wrong tree size"))]
        assert len(altered) > 500 and [c["name"] for c in altered if c["ok"]] == []
        assert sum(c["ok"] for c in batch) > 200
        # Rejections say what failed: proofs by their kind, never a crash elsewhere.
        for c, o in zip(batch, outcome, strict=True):
            if not c["ok"] and c["op"] != "logid":
                assert o["why"].startswith("LogProofError"), (c["name"], o["why"])
        # And the leaf hash is Python's, byte for byte, for non-ASCII leaves.
        lid = log_id("hansen")
        got = page.evaluate("""async (leaves) => {
          const { logproof, bytes } = await import("/static/build/samband.js");
          return leaves.map((l) => bytes.toHex(logproof.leafHash(l)));
        }""", [leaf(i, lid) for i in range(5)])
        assert got == [merkle.leaf_hash(leaf(i, lid).encode()).hex() for i in range(5)]
    finally:
        context.close()



SPEC_VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "disclosure-log" / "vectors.json"


def test_the_spec_vectors_pass_in_the_browser(chromium, server):
    """docs/disclosure-log.md's vectors (tests/vectors/disclosure-log/vectors.json), in
    the bundle the portal serves: log id, leaf hashes, roots, the inclusion and
    consistency proofs, the signed head, each also altered and refused."""
    v = json.loads(SPEC_VECTORS.read_text())
    context = chromium.new_context(base_url=server.base_url)
    try:
        page = context.new_page()
        page.goto("/")
        got = page.evaluate("""async (v) => {
          const { logproof, bytes } = await import("/static/build/samband.js");
          const refused = (fn) => { try { fn(); return false; } catch (err) { return err instanceof logproof.LogProofError; } };
          const roots = v.roots, inc = v.inclusion, con = v.consistency;
          const leafOf = (i) => v.leaves[i].leaf;
          const message = bytes.fromUtf8(logproof.headMessage(v.head));
          const key = v.signing_key.ed25519;
          return {
            logId: logproof.logIdFor(v.subject_id),
            leafHashes: v.leaves.map((l) => bytes.toHex(logproof.leafHash(l.leaf))),
            message,
            inclusion: !refused(() => logproof.verifyInclusion(logproof.leafHash(leafOf(inc.index)), inc.index,
                                                              inc.tree_size, inc.proof, roots[inc.tree_size])),
            inclusionOtherLeaf: refused(() => logproof.verifyInclusion(logproof.leafHash(leafOf(inc.index + 1)), inc.index,
                                                                       inc.tree_size, inc.proof, roots[inc.tree_size])),
            entries: !refused(() => logproof.verifyEntries(v.head, [{ index: inc.index, leaf: leafOf(inc.index),
              entry_id: JSON.parse(leafOf(inc.index)).entry_id, inclusion_proof: inc.proof }])),
            consistency: !refused(() => logproof.verifyConsistency(con.first, con.second, roots[con.first], roots[con.second], con.proof)),
            consistencyOtherRoot: refused(() => logproof.verifyConsistency(con.first, con.second, roots[con.first - 1],
                                                                           roots[con.second], con.proof)),
            head: !refused(() => logproof.verifyHead(v.head, key)),
            headAltered: refused(() => logproof.verifyHead({ ...v.head, tree_size: 4 }, key)),
          };
        }""", v)
    finally:
        context.close()
    assert got["logId"] == v["log_id"]
    assert got["leafHashes"] == [leaf["leaf_hash"] for leaf in v["leaves"]]
    assert got["message"] == v["head_message"]
    assert got["inclusion"] and got["inclusionOtherLeaf"] and got["entries"]
    assert got["consistency"] and got["consistencyOtherRoot"]
    assert got["head"] and got["headAltered"]
