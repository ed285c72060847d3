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


def test_a_scan_goes_with_a_note_from_the_command_line(world, clients, tmp_path):
    """``send --attach SECTION=PATH`` and ``download``: a referral scan to the locum."""
    d = world.demo.actors
    home = tmp_path / "solberg-home"
    assert _cli(home, "login", "--server", world.base_url, "--username", "solberg", "--password-stdin",
                stdin="demo\n").returncode == 0
    (home / "identity.json").write_text((world.settings.data_dir / "demo-keystores" / "solberg.json").read_text())
    (home / "identity.json").chmod(0o600)
    hansen = world.person("hansen")
    hansen.ok(hansen.post("/consent/grants", json={
        "recipient": {"kind": "person", "id": d["lise"]}, "categories": ["work_tasks"],
        "purposes": ["workplace_adaptation"], "valid_to": (datetime.now(UTC) + timedelta(weeks=2)).isoformat(),
    }), 201)
    case_id = world.demo.cases["hansen"]
    thread = clients("solberg").start_thread(case_id, [d["lise"]], topic="conversation")["id"]
    form = tmp_path / "note.json"
    form.write_text(json.dumps({"category": "work_tasks", "text": "Skisse av arbeidsplassen vedlagt."}))
    scan = tmp_path / "skisse.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 600)
    wrong = tmp_path / "skisse.gif"
    wrong.write_bytes(b"GIF89a....")

    refused = _cli(home, "send", "--case", case_id, "--thread", thread, "--kind", "note", "--form", str(form),
                   "--attach", f"work_tasks={wrong}")
    assert refused.returncode == 2 and "only PDF, PNG and JPEG" in refused.stderr
    bad = _cli(home, "send", "--case", case_id, "--thread", thread, "--kind", "note", "--form", str(form),
               "--attach", str(scan))
    assert bad.returncode == 2 and "SECTION=PATH" in bad.stderr
    sent = _cli(home, "send", "--case", case_id, "--thread", thread, "--kind", "note", "--form", str(form),
                "--attach", f"work_tasks={scan}")
    assert sent.returncode == 0, sent.stderr
    message_id = json.loads(sent.stdout)["id"]

    lise = clients("lise")
    [ref] = lise.attachments_of(lise.read(message_id))
    assert lise.download_attachment(ref, tmp_path / "back.jpg").read_bytes() == scan.read_bytes()
    out = tmp_path / "mine"
    got = _cli(home, "download", message_id, "--to", str(out))
    assert got.returncode == 0, got.stderr
    assert (out / "skisse.jpg").read_bytes() == scan.read_bytes()
