"""``samband witness``: watch a samband server's disclosure logs with only its public key.

Run anywhere (a cron job at another organisation): fetches the newest signed head of
every log from ``GET /log/heads``, checks each signature with the public key, and for
every log it saw before asks ``GET /log/{log_id}/consistency`` to prove the new head
extends the one it kept.  The newest good heads go to the state file.  Exit 2 with a
FORK / CUT / BAD SIGNATURE line naming the log when a log was rewritten, cut, or badly
signed; 0 when all is well; 1 when the server could not be asked.

Imports only ``consent.merkle``, ``consent.logformat``, ``cryptography`` and ``httpx``:
no database, no server code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import httpx

from consent import logformat, merkle


class Unreachable(Exception):
    """The server did not answer as the witness API does."""


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--url", required=True, help="the server's base URL, e.g. https://samband.example.no")
    parser.add_argument("--public-key", required=True, metavar="FILE", help="the log's public key (samband export-public-key)")
    parser.add_argument("--state", required=True, metavar="FILE", help="where the witness keeps the heads it saw (made if missing)")
    parser.add_argument("--token", default=os.environ.get("SAMBAND_WITNESS_TOKEN"),
                        help="the server's witness token (default: $SAMBAND_WITNESS_TOKEN)")
    return parser


def _get(client: httpx.Client, path: str, params: dict) -> dict:
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as exc:
        raise Unreachable(f"{path}: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        try:
            message = response.json().get("message", response.text)
        except ValueError:
            message = response.text
        raise Unreachable(f"{path}: HTTP {response.status_code}: {message}")
    return response.json()


def fetch_heads(client: httpx.Client) -> list[dict]:
    heads, after = [], ""
    while True:
        page = _get(client, "/log/heads", {"after": after, "limit": 1000})
        heads.extend(page["heads"])
        if not page.get("next_after"):
            return heads
        after = page["next_after"]


def check(client: httpx.Client, public_key, seen: dict[str, dict], heads: list[dict]) -> tuple[dict[str, dict], list[str], int]:
    """The state to keep, the alerts, and how many logs were proven to extend what was seen."""
    keep, alerts, extended = dict(seen), [], 0
    current, listed = {}, set()
    for head in heads:
        log = head.get("log_id", "?")
        listed.add(log)
        problem = logformat.head_problem(head, public_key)
        if problem:
            alerts.append(f"BAD SIGNATURE: log {log}: the head of size {head.get('tree_size')} {problem}")
            continue
        current[log] = head
    for log, head in current.items():
        old = seen.get(log)
        if old is None:
            keep[log] = head
            continue
        m, n = int(old["tree_size"]), int(head["tree_size"])
        if n < m:
            alerts.append(f"CUT: log {log} now has {n} entries; this witness saw {m} (root {old['root_hash']})")
            continue
        if n == m:
            if head["root_hash"] != old["root_hash"]:
                alerts.append(f"FORK: log {log} has two different heads of size {m}: {old['root_hash']} and {head['root_hash']}")
            continue
        try:
            answer = _get(client, f"/log/{log}/consistency", {"first": m, "second": n})
        except Unreachable as exc:
            if "HTTP 422" in str(exc):  # the server keeps every head it signed; one it cannot show was removed
                alerts.append(f"FORK: log {log}: the server no longer has the head of size {m} this witness saw ({exc})")
                continue
            raise
        first, second = answer["first"], answer["second"]
        try:
            for got in (first, second):
                problem = logformat.head_problem(got, public_key)
                if problem:
                    raise merkle.ProofError(f"a head in the proof: {problem}")
            if first["root_hash"] != old["root_hash"] or int(first["tree_size"]) != m:
                raise merkle.ProofError(f"the server's head of size {m} is not the one this witness saw")
            if second["root_hash"] != head["root_hash"] or int(second["tree_size"]) != n:
                raise merkle.ProofError("the consistency proof is for another head than the one listed")
            merkle.verify_consistency(m, n, bytes.fromhex(old["root_hash"]), bytes.fromhex(head["root_hash"]),
                                      [bytes.fromhex(p) for p in answer["proof"]])
        except (merkle.ProofError, ValueError, KeyError, TypeError) as exc:
            alerts.append(f"FORK: log {log} at {n} entries does not extend the {m} this witness saw: {exc}")
            continue
        keep[log] = head
        extended += 1
    for log, old in seen.items():
        if log not in listed:
            alerts.append(f"CUT: log {log} is gone from the server; this witness saw {old['tree_size']} entries")
    return keep, alerts, extended


def _save(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=1, sort_keys=True)
    os.replace(temporary, path)


def main(args: argparse.Namespace) -> int:
    try:
        public_key = logformat.load_public_key(Path(args.public_key).read_bytes())
    except OSError as exc:
        print(f"cannot read the public key {args.public_key}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"{args.public_key}: {exc}", file=sys.stderr)
        return 2
    state_path = Path(args.state)
    state = {"url": args.url, "key_id": logformat.key_id(public_key), "logs": {}}
    if state_path.exists():
        try:
            state = json.loads(state_path.read_text())
        except ValueError as exc:
            print(f"cannot read the state file {state_path}: {exc}", file=sys.stderr)
            return 2
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    try:
        with httpx.Client(base_url=args.url, headers=headers, timeout=60.0) as client:
            heads = fetch_heads(client)
            keep, alerts, extended = check(client, public_key, state.get("logs", {}), heads)
    except Unreachable as exc:
        print(f"could not ask the server: {exc}", file=sys.stderr)
        return 1
    _save(state_path, {**state, "url": args.url, "key_id": logformat.key_id(public_key), "logs": keep})
    for alert in alerts:
        print(alert)
    if alerts:
        print(f"ALERT: {len(alerts)} log(s) rewritten, cut or badly signed; {len(heads)} heads checked")
        return 2
    print(f"OK: {len(heads)} heads, signatures valid; {extended} log(s) proven to extend what this witness saw")
    return 0


def run(argv: list[str] | None = None) -> int:
    """The ``samband-witness`` console script."""
    parser = add_arguments(argparse.ArgumentParser(prog="samband-witness", description=__doc__.split("\n\n")[0]))
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(run())
