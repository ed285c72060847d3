"""``samband-client`` against a loopback server: sign in, make keys, find, read, reply."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta


def _cli(home, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "messaging.client_cli", "--home", str(home), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )


def test_locum_uses_the_command_line_client(world, clients, tmp_path):
    d = world.demo.actors
    home = tmp_path / "lie-home"
    wrong = _cli(home, "login", "--server", world.base_url, "--username", "lie", "--password-stdin", stdin="nope\n")
    assert wrong.returncode == 2 and "error" in wrong.stderr
    ok = _cli(home, "login", "--server", world.base_url, "--username", "lie", "--password-stdin", stdin="demo\n")
    assert ok.returncode == 0, ok.stderr
    assert (home / "session.json").stat().st_mode & 0o077 == 0
    keys = _cli(home, "keygen")
    assert keys.returncode == 0, keys.stderr
    assert set(json.loads(keys.stdout)) == {"encryption", "signing"}
    assert (home / "identity.json").stat().st_mode & 0o077 == 0

    found = json.loads(_cli(home, "find", "solberg").stdout)
    assert [a["name"] for a in found] == ["Ingrid Solberg"]

    # The GP brings the locum into Hansen's case and hands over treatment status.
    hansen = world.person("hansen")
    hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "role", "role": "gp"}, "categories": ["treatment_status"],
        "purposes": ["treatment_coordination"], "valid_to": (datetime.now(UTC) + timedelta(weeks=2)).isoformat(),
    }), 201)
    case_id = world.demo.cases["hansen"]
    solberg = world.person("solberg")
    solberg.ok(solberg.post(f"/cases/{case_id}/participants",
                            json={"actor_id": d["lie"], "reason": "Vikar for fastlegen i ferien"}), 201)
    gp = clients("solberg")
    thread = gp.start_thread(case_id, [d["lie"]], topic="conversation")["id"]
    note = gp.send(case_id, thread, "note", {"category": "treatment_status", "text": "Henvist til fysioterapi, venter på time."},
                   purpose="treatment_coordination")

    read = _cli(home, "read", note["id"])
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["form"]["text"] == "Henvist til fysioterapi, venter på time."

    form = tmp_path / "reply.json"
    form.write_text(json.dumps({"category": "treatment_status", "text": "Mottatt, jeg følger opp."}))
    sent = _cli(home, "send", "--case", case_id, "--thread", thread, "--kind", "note", "--form", str(form),
                "--reply-to", note["id"], "--purpose", "treatment_coordination")
    assert sent.returncode == 0, sent.stderr
    reply = gp.read(json.loads(sent.stdout)["id"])
    assert reply.form["text"] == "Mottatt, jeg følger opp." and reply.in_reply_to == note["id"]

    # Without consent the CLI says what is missing and what to do.
    form.write_text(json.dumps({"category": "diagnosis", "text": "Diagnose til vikaren"}))
    refused = _cli(home, "send", "--case", case_id, "--thread", thread, "--kind", "note", "--form", str(form))
    assert refused.returncode == 3
    assert "diagnosis" in refused.stderr and "ask the employee for consent" in refused.stderr
