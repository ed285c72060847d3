"""What an employer may not ask for (consent/limits.py): the employer side of a case
cannot request the diagnosis or private life, and no one may ask for them to be shared
with the employer side; the refusal is a 422 naming the reason, and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.test_idempotency import _snapshot

UNTIL = (datetime.now(UTC) + timedelta(weeks=8)).isoformat()


def _request(world, recipient_id: str, categories: list[str], case_id: str) -> dict:
    return {"subject_id": world.demo.actors["hansen"], "reason": "Vi trenger dette for tilretteleggingen", "grant": {
        "recipient": {"kind": "person", "id": recipient_id}, "categories": categories,
        "purposes": ["workplace_adaptation"], "valid_to": UNTIL, "case_id": case_id}}


@pytest.mark.parametrize(("who", "recipient", "categories", "refused"), [
    ("lise", "lise", ["diagnosis"], ["diagnosis"]),
    ("lise", "lise", ["functional_ability", "psychosocial"], ["psychosocial"]),
    ("lise", "solberg", ["diagnosis"], ["diagnosis"]),  # the employer asks at all
    ("solberg", "lise", ["diagnosis", "functional_ability"], ["diagnosis"]),  # to the employer side
])
def test_the_employer_side_cannot_ask_for_health_or_private_life(world, who, recipient, categories, refused):
    asker = world.person(who)
    case_id = world.demo.cases["hansen"]
    before = _snapshot(world.engine)
    response = asker.post("/consent/requests", json=_request(world, world.demo.actors[recipient], categories, case_id))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "EMPLOYER_MAY_NOT_ASK"
    assert "employer may not ask" in body["message"]
    assert sorted(p["category"] for p in body["problems"]) == refused
    assert _snapshot(world.engine) == before


def test_a_gp_may_still_ask_to_share_the_diagnosis_with_nav(world):
    solberg = world.person("solberg")
    response = solberg.post("/consent/requests", json=_request(
        world, world.demo.actors["eide"], ["diagnosis"], world.demo.cases["hansen"]))
    assert response.status_code == 201, response.text
