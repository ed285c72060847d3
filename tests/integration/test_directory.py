"""Finding people and their keys over real HTTP."""

from __future__ import annotations

import re

from sqlalchemy import text

from messaging.keys import Identity, b64


def test_nav_finds_the_dps_psychologist_and_whether_she_can_receive(world):
    nav = world.person("eide")
    found = nav.ok(nav.get("/directory/search", params={"q": "psykolog fjellsiden"}))
    assert [a["name"] for a in found] == ["Sara Moe"]
    moe = found[0]
    assert moe["role"] == "psychologist" and moe["hpr_number"] == "4567890"
    assert moe["organisation"]["name"] == "Fjellsiden DPS"
    assert moe["organisation"]["kind"] == "district_psychiatric_centre"
    assert moe["can_receive_messages"] is True


def test_search_by_prefix_place_role_and_identifiers(world):
    lise = world.person("lise")

    def names(**params):
        return sorted(a["name"] for a in lise.ok(lise.get("/directory/search", params=params)))

    assert names(q="solb") == ["Ingrid Solberg"]
    assert names(q="sentrum legesenter") == ["Ingrid Solberg", "Jonas Lie"]
    assert names(q="bergen", role="gp") == ["Ingrid Solberg"]
    assert names(q="ålesund") == []
    assert names(q="5678901") == ["Erik Strand"]  # HPR number
    assert "Heidi Vold" in names(q="bedriftshelse")
    assert names(q="vest", organisation_kind="company_health_service") == ["Heidi Vold"]
    with world.engine.connect() as conn:
        org_number = conn.execute(text("SELECT org_number FROM organisation WHERE name = 'Havbris Logistikk AS'")).scalar_one()
    assert names(q=org_number) == ["Tom Rask"]  # members of the organisation; Nina is an employee
    locum = lise.ok(lise.get("/directory/search", params={"q": "jonas lie"}))[0]
    assert locum["can_receive_messages"] is False


def test_actor_publishes_and_revokes_keys(world):
    lie = world.person("lie")
    identity = Identity.generate()
    key = lie.ok(lie.post("/directory/me/keys", json={"purpose": "encryption", "algorithm": "X-Wing", "public_key": b64(identity.encryption_public)}), 201)
    assert key["revoked_at"] is None
    lise = world.person("lise")
    assert lise.ok(lise.get(f"/directory/actors/{lie.actor_id}"))["can_receive_messages"] is True
    keys = lise.ok(lise.get(f"/directory/actors/{lie.actor_id}/keys"))
    assert [k["key_id"] for k in keys] == [key["key_id"]]

    dup = lie.post("/directory/me/keys", json={"purpose": "encryption", "algorithm": "X-Wing", "public_key": b64(identity.encryption_public)})
    assert dup.status_code == 409
    short = lie.post("/directory/me/keys", json={"purpose": "encryption", "algorithm": "X-Wing", "public_key": b64(b"x" * 32)})
    assert short.status_code == 422 and "1216 bytes" in short.json()["message"]
    wrong_alg = lie.post("/directory/me/keys", json={"purpose": "signing", "algorithm": "RSA", "public_key": b64(b"x" * 32)})
    assert wrong_alg.status_code == 422 and "Ed25519" in wrong_alg.json()["message"]
    padded = lie.post("/directory/me/keys", json={"purpose": "signing", "algorithm": "Ed25519", "public_key": b64(identity.signing_public) + "="})
    assert padded.status_code == 422 and "base64url" in padded.json()["message"]

    lie.ok(lie.post(f"/directory/me/keys/{key['key_id']}/revoke"))
    assert lise.ok(lise.get(f"/directory/actors/{lie.actor_id}"))["can_receive_messages"] is False
    history = lise.ok(lise.get(f"/directory/actors/{lie.actor_id}/keys", params={"include_revoked": True}))
    assert history[0]["revoked_at"] is not None
    # Nobody revokes another person's key.
    other = world.person("solberg").post(f"/directory/me/keys/{key['key_id']}/revoke")
    assert other.status_code == 404


def test_related_people_are_listed(world):
    hansen = world.person("hansen")
    relations = hansen.ok(hansen.get("/directory/me/relations"))
    kinds = {(r["kind"], r["actor"]["name"]) for r in relations}
    assert ("nearest_manager_of", "Lise Berg") in kinds and ("gp_of", "Ingrid Solberg") in kinds
    me = hansen.ok(hansen.get("/directory/me"))
    assert me["national_id_masked"].startswith("*******")


def test_unauthenticated_requests_are_refused(world):
    import httpx

    r = httpx.get(f"{world.base_url}/directory/search", params={"q": "lege"})
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHENTICATED"


# --- search as people type (issue 9) -------------------------------------------------------


def _names(person, q: str, **params) -> list[str]:
    return sorted(a["name"] for a in person.ok(person.get("/directory/search", params={"q": q, **params})))


def test_norwegian_stop_words_are_skipped(world):
    eide = world.person("eide")
    assert _names(eide, "psykolog i bergen") == ["Sara Moe"]
    assert _names(eide, "fysioterapeut på os") == ["Anne Lund"]
    assert _names(eide, "lege ved sentrum legesenter") == ["Ingrid Solberg", "Jonas Lie"]
    # A stop word alone is still a prefix: "av" finds "avdelingsleder".
    assert _names(eide, "av") == ["Lise Berg"]


def test_expansions_work_both_ways(world):
    lise = world.person("lise")
    # The DPS is named with the short form; the long form finds it, and the other way round.
    assert _names(lise, "distriktspsykiatrisk senter") == ["Sara Moe"]
    assert _names(lise, "dps bergen") == ["Sara Moe"]
    # BHT <-> bedriftshelsetjeneste: the company health service's physician either way.
    assert _names(lise, "bedriftshelsetjeneste") == ["Heidi Vold"]
    assert _names(lise, "bht") == ["Heidi Vold"]
    # fastlege <-> the GP role: Lars Berge's title says "fastlege", Jonas Lie's says "vikar for fastlege".
    assert _names(lise, "fastlege stavanger") == ["Lars Berge"]
    assert _names(lise, "allmennlege bergen") == ["Ingrid Solberg", "Jonas Lie"]  # the GP office's doctors
    # legekontor <-> legesenter, and NAV-kontor <-> NAV.
    assert _names(lise, "legekontor stavanger") == ["Lars Berge"]
    assert _names(lise, "nav-kontor stavanger") == ["Siri Tangen"]
    assert _names(lise, "psychologist") == _names(lise, "psykolog") == ["Sara Moe"]


def test_one_typing_mistake_is_forgiven_and_exact_matches_come_first(world):
    eide = world.person("eide")
    assert _names(eide, "psykolg") == ["Sara Moe"]  # a letter left out
    assert _names(eide, "solbreg") == ["Ingrid Solberg"]  # two letters swapped
    assert _names(eide, "fjelsiden") == ["Sara Moe"]  # a letter left out, inside a name
    assert _names(eide, "ingrid solbwrg") == ["Ingrid Solberg"]  # a wrong letter
    assert _names(eide, "heidi vlod") == ["Heidi Vold"]  # only the word nobody has is corrected
    assert _names(eide, "xqzvw") == []  # nothing near it
    # Words that find someone as typed are not corrected: "bergen" is not "Berge".
    assert _names(eide, "bergen", role="gp") == ["Ingrid Solberg"]
    assert _names(eide, "stavanger", role="gp") == ["Lars Berge"]  # not corrected to "stavangr"-anything else


def test_the_searcher_is_not_in_their_own_results(world):
    eide = world.person("eide")
    assert "Maria Eide" not in _names(eide, "nav bergenhus")
    assert "Maria Eide" not in _names(eide, "maria eide")
    assert "Jon Bakke" in _names(world.person("eide"), "nav")  # others at NAV are found
    solberg = world.person("solberg")
    assert _names(solberg, "sentrum legesenter") == ["Jonas Lie"]
    assert _names(solberg, "1234567") == []  # her own HPR number
    page = eide.get("/inbox/search", params={"q": "nav"})
    shown = re.findall(r'data-testid="search-result" data-actor-id="([^"]+)"', page.text)
    assert page.status_code == 200 and shown and eide.actor_id not in shown


def test_employees_stay_unsearchable_whatever_the_query(world):
    eide = world.person("eide")
    for q in ("per hansen", "pr hansen", "hansen i nordlys", "regnskapsforer", "regnskapsfrer", "nina vik lagerarbeider"):
        found = _names(eide, q)
        assert "Per Hansen" not in found and "Nina Vik" not in found, q
