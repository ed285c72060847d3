"""Provisioning without SQL (issue 12): the ``/admin`` API over real HTTP for an
operator, refused to everyone else, validated, audited and never half-written; the
employee confirming or disputing his nearest manager on /portal; and ``samband admin``
run as a command against the same database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from directory import admin
from directory.models import IdentityLink
from directory.schemas import ActorCreate
from tests.support.api import sign_in
from web.demo import synthetic_national_id, synthetic_org_number

SAMBAND = [sys.executable, "-m", "web"]
NEW_NID = synthetic_national_id(1, 2, 1970, 123)


@pytest.fixture
def operator(world):
    """Dina Drift, the operator, made the way a first operator is: by the command line's rules."""
    with Session(world.engine, expire_on_commit=False) as session:
        actor = admin.create_actor(session, admin.By(label="test"), ActorCreate(
            name="Dina Drift", role="operator", title="Driftsansvarlig", oidc_subject="drift", nav_ident="Z990001"))
    person = sign_in(world.base_url, "drift", actor.id)
    yield person
    person.http.close()


def _count(world, table: str, where: str = "1=1", **params) -> int:
    with world.engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar_one()


def _changes(world) -> list[dict]:
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT action, target_type, target_id, by_label, by_actor_id, detail "
                                 "FROM directory_change ORDER BY id")).mappings().all()
    return [dict(r) | {"detail": json.loads(r["detail"])} for r in rows]


def test_an_operator_provisions_an_employer_its_people_and_names_a_manager(world, operator):
    org_number = synthetic_org_number(91)
    org = operator.ok(operator.post("/admin/organisations", json={
        "kind": "employer", "name": "Fjordkraft Drift AS", "org_number": org_number, "place": "Molde"}), 201)
    assert org["org_number"] == org_number
    manager = operator.ok(operator.post("/admin/actors", json={
        "name": "Kåre Fjell", "role": "nearest_manager", "title": "Driftssjef", "organisation_id": f"org:{org_number}"}), 201)
    employee = operator.ok(operator.post("/admin/actors", json={
        "name": "Eva Strøm", "role": "employee", "organisation_id": org["id"], "national_id": NEW_NID}), 201)
    assert employee["national_id_masked"] == "*******" + NEW_NID[-4:] and NEW_NID not in json.dumps(employee)
    named = operator.ok(operator.post("/admin/manager", json={"employee": f"nid:{NEW_NID}", "manager": manager["id"]}), 201)
    assert (named["kind"], named["from_actor_id"], named["to_actor_id"], named["source"]) == (
        "nearest_manager_of", manager["id"], employee["id"], "operator")

    # The manager is found by search, as any professional (the index follows the directory).
    lise = world.person("lise")
    assert [a["name"] for a in lise.ok(lise.get("/directory/search", params={"q": "fjell molde"}))] == ["Kåre Fjell"]
    # Renamed: found by the new name, not the old one.
    operator.ok(operator.http.patch(f"/admin/actors/{manager['id']}", json={"name": "Kåre Fjellheim"}))
    assert [a["name"] for a in lise.ok(lise.get("/directory/search", params={"q": "fjellheim"}))] == ["Kåre Fjellheim"]

    changes = [c for c in _changes(world) if c["by_actor_id"] == operator.actor_id]
    assert [(c["action"], c["target_type"]) for c in changes] == [
        ("create", "organisation"), ("create", "actor"), ("create", "actor"), ("create", "relation"), ("update", "actor")]
    assert all(c["by_label"] == "operator:Dina Drift" for c in changes)
    assert changes[2]["detail"]["national_id"] == [None, "*******" + NEW_NID[-4:]]
    assert changes[4]["detail"] == {"name": ["Kåre Fjell", "Kåre Fjellheim"]}
    assert NEW_NID not in json.dumps(_changes(world))
    page = operator.ok(operator.get("/admin/audit", params={"limit": 2}))
    assert [r["action"] for r in page] == ["update", "create"]
    more = operator.ok(operator.get("/admin/audit", params={"limit": 2, "before": page[-1]["id"]}))
    assert [r["target_type"] for r in more] == ["actor", "actor"] and more[0]["id"] < page[-1]["id"]


def test_naming_a_new_manager_ends_the_previous_one_at_that_employer(world, operator):
    d = world.demo.actors
    new = operator.ok(operator.post("/admin/actors", json={
        "name": "Mona Nord", "role": "nearest_manager", "organisation_id": world.demo.organisations["nordlys"]}), 201)
    again = {"employee": d["hansen"], "manager": d["lise"]}
    duplicate = operator.post("/admin/manager", json=again)
    assert duplicate.status_code == 409 and "already the nearest manager" in duplicate.json()["message"]
    operator.ok(operator.post("/admin/manager", json={"employee": d["hansen"], "manager": new["id"]}), 201)
    with world.engine.connect() as conn:
        rows = conn.execute(text("SELECT from_actor_id, valid_to FROM relation WHERE kind = 'nearest_manager_of' "
                                 "AND to_actor_id = :h"), {"h": d["hansen"]}).all()
    assert {(who, ended is not None) for who, ended in rows} == {(d["lise"], True), (new["id"], False)}
    assert [c["action"] for c in _changes(world)][-3:] == ["create", "end", "create"]


def test_a_corrected_identifier_forgets_the_sign_in_linked_by_it(world, operator):
    """A link wins over the linking rules, so when the operator corrects the HPR number a
    sign-in was linked by, that link goes (audited); a link by another field stays."""
    d = world.demo.actors
    with Session(world.engine) as session:
        session.add(IdentityLink(issuer="https://helseid.example", subject="pairwise-1", actor_id=d["solberg"],
                                 matched_by="hpr_number"))
        session.add(IdentityLink(issuer="https://idporten.example", subject="pairwise-2", actor_id=d["solberg"],
                                 matched_by="national_id"))
        session.commit()
    operator.ok(operator.http.patch(f"/admin/actors/{d['solberg']}", json={"hpr_number": "9144999"}))
    with Session(world.engine) as session:
        left = session.exec(select(IdentityLink).where(IdentityLink.actor_id == d["solberg"])).all()
    assert [link.matched_by for link in left] == ["national_id"]
    assert [(c["action"], c["target_type"], c["detail"]) for c in _changes(world)][-1] == (
        "unlink", "identity_link", {"matched_by": "hpr_number"})


def test_bad_input_is_refused_with_what_to_fix_and_nothing_is_written(world, operator):
    d = world.demo.actors
    before = {t: _count(world, t) for t in ("organisation", "actor", "relation", "directory_change")}
    bad_org = operator.post("/admin/organisations", json={"kind": "employer", "name": "X", "org_number": "123456789"})
    assert bad_org.status_code == 422 and bad_org.json()["problems"][0]["field"] == "org_number"
    with world.engine.connect() as conn:
        nordlys = conn.execute(text("SELECT org_number FROM organisation WHERE id = :i"),
                               {"i": world.demo.organisations["nordlys"]}).scalar_one()
    dup = operator.post("/admin/organisations", json={"kind": "employer", "name": "Kopi AS", "org_number": nordlys})
    assert dup.status_code == 409 and dup.json()["code"] == "DUPLICATE"
    gp = operator.post("/admin/actors", json={"name": "Dr Uten", "role": "gp"})
    assert gp.status_code == 422 and "HPR number" in gp.json()["message"]
    nav = operator.post("/admin/actors", json={"name": "Ny Veileder", "role": "nav_adviser", "nav_ident": "123"})
    assert nav.status_code == 422 and "Z123456" in nav.json()["message"]
    same_hpr = operator.post("/admin/actors", json={"name": "Kopi", "role": "gp", "hpr_number": "1234567"})
    assert same_hpr.status_code == 409
    nowhere = operator.post("/admin/actors", json={"name": "Ola", "role": "hr", "organisation_id": "org:974760673"})
    assert nowhere.status_code == 404
    not_employee = operator.post("/admin/manager", json={"employee": d["lise"], "manager": d["kari"]})
    assert not_employee.status_code == 422 and "not an employee" in not_employee.json()["message"]
    both = operator.post("/admin/relations", json={"kind": "gp_of", "from_actor": d["solberg"], "to_actor": d["hansen"],
                                                   "organisation": world.demo.organisations["nordlys"]})
    assert both.status_code == 422
    gone = operator.post("/admin/relations/1b4e28ba-2fa1-41d2-883f-0016d3cca400/end")
    assert gone.status_code == 404
    assert {t: _count(world, t) for t in before} == before


def test_relations_are_added_and_ended_once_and_a_post_is_idempotent(world, operator):
    d = world.demo.actors
    body = {"kind": "bht_for", "from_actor": "hpr:3456789", "to_actor": d["tore"]}
    key = {"Idempotency-Key": "add-bht-tore"}
    first = operator.ok(operator.post("/admin/relations", json=body, headers=key), 201)
    replay = operator.post("/admin/relations", json=body, headers=key)
    assert replay.status_code == 201 and replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["id"] == first["id"]
    assert operator.post("/admin/relations", json=body).status_code == 409  # a second one, without the key
    ended = operator.ok(operator.post(f"/admin/relations/{first['id']}/end"))
    assert ended["valid_to"] is not None
    assert operator.post(f"/admin/relations/{first['id']}/end").status_code == 409
    assert [c["action"] for c in _changes(world) if c["target_id"] == first["id"]] == ["create", "end"]


@pytest.mark.parametrize("username", ["hansen", "lise", "solberg", "eide"])
def test_nobody_but_an_operator_administers(world, username):
    person = world.person(username)
    before = _count(world, "directory_change")
    assert person.get("/admin/audit").status_code == 403
    assert person.get("/admin/disputes").status_code == 403
    refused = person.post("/admin/organisations", json={"kind": "employer", "name": "Mitt AS",
                                                         "org_number": synthetic_org_number(92)})
    assert refused.status_code == 403 and refused.json()["code"] == "NOT_AN_OPERATOR"
    assert person.post("/admin/manager", json={"employee": world.demo.actors["hansen"],
                                               "manager": person.actor_id}).status_code == 403
    assert _count(world, "directory_change") == before


def test_an_operator_sees_no_case(world, operator):
    case_id = world.demo.cases["hansen"]
    assert operator.ok(operator.get("/cases")) == []
    assert operator.get(f"/cases/{case_id}").status_code in (403, 404)
    assert operator.get("/consent/log").status_code in (200, 403)  # his own (empty) log at most
    assert "Per Hansen" not in operator.get("/consent/log").text


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_employee_confirms_his_gp_and_disputes_his_manager(world, browser, operator):
    d, case_id = world.demo.actors, world.demo.cases["hansen"]
    hansen = browser("hansen")
    page = hansen.get("/portal").text
    assert "Er Lise Berg din nærmeste leder?" in page and "Er Ingrid Solberg fastlegen din?" in page
    with world.engine.connect() as conn:
        ids = dict(conn.execute(text(
            "SELECT kind, id FROM relation WHERE to_actor_id = :h AND valid_to IS NULL AND "
            "((kind = 'nearest_manager_of' AND from_actor_id = :lise) OR (kind = 'gp_of' AND from_actor_id = :gp))"),
            {"h": d["hansen"], "lise": d["lise"], "gp": d["solberg"]}).all())
    confirmed = hansen.post(f"/portal/relations/{ids['gp_of']}/confirm",
                            data={"csrf_token": _csrf(page), "idempotency_key": "gp-yes"}, follow_redirects=False)
    assert confirmed.status_code == 303
    no_csrf = hansen.post(f"/portal/relations/{ids['nearest_manager_of']}/dispute", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403
    page = hansen.get("/portal").text
    assert "Er Ingrid Solberg fastlegen din?" not in page
    disputed = hansen.post(f"/portal/relations/{ids['nearest_manager_of']}/dispute",
                           data={"csrf_token": _csrf(page), "idempotency_key": "lise-no"}, follow_redirects=False)
    assert disputed.status_code == 303
    assert "Er Lise Berg din nærmeste leder?" not in hansen.get("/portal").text
    # Tore cannot answer for Hansen: the same refusal as a made-up id.
    tore = browser("tore")
    other = tore.post(f"/portal/relations/{ids['gp_of']}/dispute",
                      data={"csrf_token": _csrf(tore.get("/portal").text)}, follow_redirects=False)
    assert other.status_code == 404

    with world.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT kind, confirmed_at IS NOT NULL AND disputed_at IS NULL FROM relation "
                                      "WHERE id IN (:a, :b)"), {"a": ids["gp_of"], "b": ids["nearest_manager_of"]}).all())
    assert rows == {"gp_of": True, "nearest_manager_of": False}
    answers = [(c["action"], c["target_id"], c["by_actor_id"]) for c in _changes(world) if c["action"] in ("confirm", "dispute")]
    assert answers == [("confirm", ids["gp_of"], d["hansen"]), ("dispute", ids["nearest_manager_of"], d["hansen"])]
    # The disputed manager is out of the case and cannot be added back by relation.
    lise = world.person("lise")
    assert lise.get(f"/cases/{case_id}").status_code in (403, 404)
    gp = world.person("solberg")
    back = gp.post(f"/cases/{case_id}/participants", json={"actor_id": d["lise"], "reason": "Hun er lederen hans"})
    assert back.status_code == 422
    # The operator sees the dispute, and resolves it by naming the right manager.
    assert [r["id"] for r in operator.ok(operator.get("/admin/disputes"))] == [ids["nearest_manager_of"]]
    right = operator.ok(operator.post("/admin/actors", json={
        "name": "Mona Nord", "role": "nearest_manager", "organisation_id": world.demo.organisations["nordlys"]}), 201)
    operator.ok(operator.post("/admin/manager", json={"employee": d["hansen"], "manager": right["id"]}), 201)
    assert operator.ok(operator.get("/admin/disputes")) == []
    assert "Er Mona Nord din nærmeste leder?" in hansen.get("/portal").text


# --- samband admin ------------------------------------------------------------------------


def _admin(world, *argv) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAMBAND_DATABASE_URL": world.settings.database_url}
    if not world.settings.database_url.startswith("sqlite"):
        # As in a real deployment: production mode (which needs PostgreSQL and real
        # secrets; the command never contacts the issuer).
        env |= {"SAMBAND_ENVIRONMENT": "production", "SAMBAND_SESSION_SECRET": "s" * 40,
                "SAMBAND_OIDC__CLIENT_SECRET": "c" * 40, "SAMBAND_OIDC__ISSUER": "https://idp.example.org"}
    return subprocess.run([*SAMBAND, "admin", *argv], env=env, capture_output=True, text=True, timeout=180)


def _json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_samband_admin_provisions_from_the_command_line(server):
    """A fresh database with no demo data: an employer, a manager, an employee, the manager named."""

    class World:  # the CLI needs only the database
        settings = server.settings
        engine = server.engine

    world = World()
    org_number = synthetic_org_number(93)
    org = _json(_admin(world, "org", "add", "--kind", "employer", "--name", "Havn AS", "--org-number", org_number,
                       "--place", "Ålesund", "--json", "--by", "cli:test"))
    assert org["name"] == "Havn AS"
    boss = _json(_admin(world, "person", "add", "--role", "nearest_manager", "--name", "Siv Havn", "--org",
                        f"org:{org_number}", "--json"))
    worker = _json(_admin(world, "person", "add", "--role", "employee", "--name", "Per Kai", "--org", org["id"],
                          "--national-id", NEW_NID, "--json"))
    named = _json(_admin(world, "manager", "set", "--employee", f"nid:{NEW_NID}", "--manager", boss["id"], "--json"))
    assert (named["from_actor_id"], named["to_actor_id"]) == (boss["id"], worker["id"])
    updated = _admin(world, "org", "update", f"org:{org_number}", "--name", "Havn og Kai AS")
    assert updated.returncode == 0 and "Havn og Kai AS" in updated.stdout

    before = {t: _count(world, t) for t in ("organisation", "actor", "relation", "directory_change")}
    for argv, words in [
        (("org", "add", "--kind", "employer", "--name", "Kopi", "--org-number", org_number), "already Havn og Kai AS"),
        (("org", "add", "--kind", "employer", "--name", "Feil", "--org-number", "123456789"), "check digit"),
        (("person", "add", "--role", "gp", "--name", "Dr Uten"), "HPR number"),
        (("person", "add", "--role", "employee", "--name", "Per Kai", "--national-id", NEW_NID, "--org", "org:974760673"),
         "no organisation with org:974760673"),
        (("manager", "set", "--employee", boss["id"], "--manager", boss["id"]), "not an employee"),
        (("relation", "end", "nope"), "no relation with id nope"),
    ]:
        done = _admin(world, *argv)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (argv, done.stderr)
    assert {t: _count(world, t) for t in before} == before

    trail = _admin(world, "audit", "--limit", "10", "--json")
    rows = _json(trail)
    assert [(r["action"], r["target_type"]) for r in rows] == [
        ("update", "organisation"), ("create", "relation"), ("create", "actor"), ("create", "actor"),
        ("create", "organisation")]
    assert rows[-1]["by_label"] == "cli:test" and rows[0]["by_label"].startswith("cli:")
    assert NEW_NID not in trail.stdout and "*******" + NEW_NID[-4:] in trail.stdout


def test_a_fresh_directory_provisioned_by_command_carries_a_case(server):
    """No demo data: an operator provisions an employer, a GP office, the three people and
    their relations with ``samband admin``; the employee signs in, opens his case and adds
    his GP and his manager by relation, and both see it."""

    class World:
        settings = server.settings
        engine = server.engine

    world = World()
    org_number, her_id = synthetic_org_number(94), "8765432"
    nid = synthetic_national_id(14, 5, 1988, 345)
    _json(_admin(world, "org", "add", "--kind", "employer", "--name", "Kai og Havn AS", "--org-number", org_number, "--json"))
    _json(_admin(world, "org", "add", "--kind", "gp_office", "--name", "Kaia Legekontor", "--her-id", her_id, "--json"))
    people = {
        "kai": _json(_admin(world, "person", "add", "--role", "employee", "--name", "Kai Bølge", "--org", f"org:{org_number}",
                            "--national-id", nid, "--subject", "kai", "--json")),
        "siv": _json(_admin(world, "person", "add", "--role", "nearest_manager", "--name", "Siv Sjø", "--org",
                            f"org:{org_number}", "--subject", "siv", "--json")),
        "lege": _json(_admin(world, "person", "add", "--role", "gp", "--name", "Dr Tang", "--org", f"her:{her_id}",
                             "--hpr", "9876543", "--subject", "lege", "--json")),
    }
    _json(_admin(world, "relation", "add", "--kind", "gp_of", "--from", "hpr:9876543", "--to", f"nid:{nid}", "--json"))
    _json(_admin(world, "manager", "set", "--employee", f"nid:{nid}", "--manager", people["siv"]["id"], "--json"))

    signed = {name: sign_in(server.base_url, name, record["id"]) for name, record in people.items()}
    try:
        kai = signed["kai"]
        case = kai.ok(kai.post("/cases", json={"start_date": (date.today() - timedelta(days=30)).isoformat(), "grade": 100}), 201)
        for who in ("lege", "siv"):
            kai.ok(kai.post(f"/cases/{case['id']}/participants",
                            json={"actor_id": people[who]["id"], "reason": "Følger meg opp"}), 201)
        for who in ("lege", "siv"):
            assert signed[who].ok(signed[who].get(f"/cases/{case['id']}"))["id"] == case["id"]
    finally:
        for person in signed.values():
            person.http.close()
