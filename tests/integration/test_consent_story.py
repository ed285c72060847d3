"""Hansen's consent story, end to end over real HTTP against a loopback server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

EIGHT_WEEKS = timedelta(weeks=8)


def _grant_manager_functional_ability(world):
    hansen, lise = world.person("hansen"), world.person("lise")
    return hansen.ok(
        hansen.post(
            "/consent/grants",
            json={
                "recipient": {"kind": "person", "id": lise.actor_id},
                "categories": ["functional_ability"],
                "purposes": ["workplace_adaptation"],
                "valid_to": (datetime.now(UTC) + EIGHT_WEEKS).isoformat(),
            },
        ),
        201,
    )


def _ask(person, *, subject, recipient, category, purpose="workplace_adaptation", sender=None):
    body = {"subject_id": subject, "recipient_id": recipient, "category": category, "purpose": purpose}
    if sender:
        body["sender_id"] = sender
    return person.ok(person.post("/consent/decisions", json=body))


def test_hansen_grant_permits_manager_functional_ability_then_revocation_denies(world):
    hansen, lise, gp = world.person("hansen"), world.person("lise"), world.person("solberg")
    grant = _grant_manager_functional_ability(world)
    assert grant["status"] == "active" and grant["recipient"]["name"] == "Lise Berg"

    permit = _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")
    assert permit["permitted"] is True
    assert permit["basis"]["kind"] == "consent" and permit["basis"]["ref"] == grant["id"]

    diagnosis = _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="diagnosis")
    assert diagnosis["permitted"] is False and diagnosis["reason"] == "no_basis"
    assert "ask the employee for consent" in diagnosis["message"]

    # The manager may ask too, as the recipient of what the GP would send.
    as_recipient = _ask(lise, subject=hansen.actor_id, recipient=lise.actor_id, sender=gp.actor_id, category="functional_ability")
    assert as_recipient["permitted"] is True

    revoked = hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))
    assert revoked["status"] == "revoked" and revoked["revoked_at"] is not None

    after = _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")
    assert after["permitted"] is False and after["reason"] == "revoked"

    # Hansen's grants list shows the history, not only the current state.
    listed = hansen.ok(hansen.get("/consent/grants"))
    assert [g["status"] for g in listed] == ["revoked"]


def test_gp_answers_nav_request_on_statutory_basis_without_consent(world):
    hansen, gp, nav = world.person("hansen"), world.person("solberg"), world.person("eide")
    assert hansen.ok(hansen.get("/consent/grants")) == []

    before = _ask(gp, subject=hansen.actor_id, recipient=nav.actor_id, category="diagnosis", purpose="nav_benefit_assessment")
    assert before["permitted"] is False

    nav.ok(
        nav.post(
            "/consent/nav-requests",
            json={"subject_id": hansen.actor_id, "addressee_id": gp.actor_id, "categories": ["diagnosis", "functional_ability"], "reference": "Forespørsel om pasient"},
        ),
        201,
    )
    answer = _ask(gp, subject=hansen.actor_id, recipient=nav.actor_id, category="diagnosis", purpose="nav_benefit_assessment")
    assert answer["permitted"] is True
    assert answer["basis"]["kind"] == "statutory" and answer["basis"]["text"] == "folketrygdloven § 21-4"

    # Not for a category NAV did not ask for.
    psychosocial = _ask(gp, subject=hansen.actor_id, recipient=nav.actor_id, category="psychosocial", purpose="nav_benefit_assessment")
    assert psychosocial["permitted"] is False

    # An exclusion of the NAV adviser does not pretend to block a legal duty.
    hansen.ok(hansen.post("/consent/exclusions", json={"actor_id": nav.actor_id}), 201)
    still = _ask(gp, subject=hansen.actor_id, recipient=nav.actor_id, category="diagnosis", purpose="nav_benefit_assessment")
    assert still["permitted"] is True and still["basis"]["kind"] == "statutory"

    rules = hansen.ok(hansen.get("/consent/rules"))
    assert any(r["law"] == "folketrygdloven § 21-4" and r["blocked_by_revocation"] is False for r in rules)


def test_exclusion_beats_consent(world):
    hansen, lise, gp = world.person("hansen"), world.person("lise"), world.person("solberg")
    _grant_manager_functional_ability(world)
    exclusion = hansen.ok(hansen.post("/consent/exclusions", json={"actor_id": lise.actor_id}), 201)
    denied = _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")
    assert denied["permitted"] is False and denied["reason"] == "excluded"
    hansen.ok(hansen.post(f"/consent/exclusions/{exclusion['id']}/lift"))
    assert _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")["permitted"] is True


def test_hansen_reads_every_decision_with_its_basis_and_tampering_is_named(world):
    hansen, lise, gp, nav = (world.person(u) for u in ("hansen", "lise", "solberg", "eide"))
    grant = _grant_manager_functional_ability(world)
    _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")
    _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="diagnosis")
    hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))
    _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")
    nav.ok(nav.post("/consent/nav-requests", json={"subject_id": hansen.actor_id, "addressee_id": gp.actor_id, "categories": ["diagnosis"]}), 201)
    _ask(gp, subject=hansen.actor_id, recipient=nav.actor_id, category="diagnosis", purpose="nav_benefit_assessment")

    log = hansen.ok(hansen.get("/consent/log"))
    decisions = [e for e in reversed(log["entries"]) if e["tag"].startswith("disclosure:decision")]
    assert [(e["outcome"], e["category"], e["basis_kind"]) for e in decisions] == [
        ("permit", "functional_ability", "consent"),
        ("deny", "diagnosis", None),
        ("deny", "functional_ability", None),
        ("permit", "diagnosis", "statutory"),
    ]
    assert decisions[0]["basis_ref"] == grant["id"] and decisions[0]["recipient_name"] == "Lise Berg"
    assert decisions[2]["reason"].startswith("revoked")
    assert decisions[3]["basis_text"] == "folketrygdloven § 21-4"
    tags = {e["tag"] for e in log["entries"]}
    assert {"consent:grant:created", "consent:grant:revoked", "statutory:nav-request:created"} <= tags

    # Others cannot read Hansen's log, and Lise's own log request is refused plainly.
    assert lise.get("/consent/log").status_code == 403

    env = {**os.environ, "SAMBAND_DATABASE_URL": world.settings.database_url,
           "SAMBAND_CONSENT__LOG_SIGNING_KEY_FILE": str(world.settings.consent.log_signing_key_file)}
    public = world.settings.data_dir / "log-public-key.pem"
    samband = [sys.executable, "-m", "web"]
    exported = subprocess.run([*samband, "export-public-key", "--out", str(public)], env=env, capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    cli = [*samband, "verify-log", "--public-key", str(public)]
    ok = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    target = decisions[1]["index"]
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE disclosure_log SET outcome = 'permit' WHERE seq = :s"), {"s": decisions[1]["seq"]})
    bad = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert f"entry {target} was altered" in bad.stdout and log["log_id"] in bad.stdout


def test_fhir_export_is_a_valid_r5_consent(world):
    from fhir.resources.consent import Consent

    hansen = world.person("hansen")
    grant = _grant_manager_functional_ability(world)
    resource = Consent.model_validate(hansen.ok(hansen.get(f"/consent/grants/{grant['id']}/fhir")))
    assert resource.status == "active" and resource.decision == "permit"
    assert resource.provision[0].code[0].coding[0].code == "functional_ability"
    assert resource.provision[0].purpose[0].code == "workplace_adaptation"
    assert resource.provision[0].actor[0].reference.reference == f"Practitioner/{world.demo.actors['lise']}"
    hansen.ok(hansen.post(f"/consent/grants/{grant['id']}/revoke"))
    revoked = Consent.model_validate(hansen.ok(hansen.get(f"/consent/grants/{grant['id']}/fhir")))
    assert revoked.status == "inactive"


def test_consent_request_is_answered_by_the_employee(world):
    hansen, gp, lise = world.person("hansen"), world.person("solberg"), world.person("lise")
    asked = gp.ok(
        gp.post(
            "/consent/requests",
            json={
                "subject_id": hansen.actor_id,
                "reason": "Din leder spør hva som kan tilrettelegges. Jeg trenger ditt samtykke for å svare om funksjonsevne.",
                "grant": {
                    "recipient": {"kind": "person", "id": lise.actor_id},
                    "discloser": {"kind": "person", "id": gp.actor_id},
                    "categories": ["functional_ability"],
                    "purposes": ["workplace_adaptation"],
                    "valid_to": (datetime.now(UTC) + EIGHT_WEEKS).isoformat(),
                },
            },
        ),
        201,
    )
    pending = hansen.ok(hansen.get("/consent/requests"))
    assert [(r["id"], r["status"], r["requester_name"]) for r in pending] == [(asked["id"], "pending", "Ingrid Solberg")]
    assert _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")["permitted"] is False

    answered = hansen.ok(hansen.post(f"/consent/requests/{asked['id']}/answer", json={"accept": True}))
    assert answered["status"] == "accepted" and answered["grant_id"]
    assert _ask(gp, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")["permitted"] is True
    # A locum at the same office is not the named discloser.
    locum = world.person("lie")
    assert _ask(locum, subject=hansen.actor_id, recipient=lise.actor_id, category="functional_ability")["permitted"] is False

    again = hansen.post(f"/consent/requests/{asked['id']}/answer", json={"accept": False})
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_ANSWERED"
