"""``samband import``: each registry's published shape into a real database (SQLite, or
PostgreSQL with SAMBAND_TEST_DB=postgresql), through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from directory import store
from directory.models import Actor, DirectoryChange, Organisation, Relation
from tests.support.postgres import drop_database, fresh_database_url
from tests.support.registry_files import (
    EMPLOYER,
    GP_OFFICE,
    WORKPLACE,
    national_id,
    org_number,
    registry_files,
    unit,
    write_csv,
    write_json,
)
from web.database import make_engine, migrate


@dataclass
class Db:
    url: str
    engine: Engine
    tmp: Path

    def run(self, source: str, *files: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        env = {**os.environ, "SAMBAND_DATABASE_URL": self.url}
        return subprocess.run([sys.executable, "-m", "web", "import", source, *map(str, files), *extra],
                              env=env, capture_output=True, text=True, timeout=300)

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as s:
            return {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one()
                    for m in (Organisation, Actor, Relation)}

    def one(self, stmt):
        with Session(self.engine) as s:
            return s.execute(stmt).scalars().all()


@pytest.fixture
def db(tmp_path) -> Iterator[Db]:
    url = fresh_database_url(tmp_path)
    migrate(url)
    engine = make_engine(url)
    try:
        yield Db(url, engine, tmp_path)
    finally:
        engine.dispose()
        drop_database(url)


def test_every_registry_imports_and_a_second_run_changes_nothing(db):
    files = registry_files(db.tmp)
    for source, paths in files.items():
        done = db.run(source, *paths)
        assert done.returncode == 0, (source, done.stdout, done.stderr)
    with Session(db.engine) as s:
        orgs = {o.org_number or o.nav_unit_number: o for o in s.execute(select(Organisation)).scalars()}
        assert orgs[WORKPLACE].parent_id == orgs[EMPLOYER].id and orgs[WORKPLACE].place == "Drammen"
        assert orgs[GP_OFFICE].her_id == "80001" and orgs[GP_OFFICE].kind == "gp_office"
        assert orgs["0315"].kind == "nav_unit" and "0316" not in orgs  # a closed unit is skipped
        solberg = s.execute(select(Actor).where(Actor.hpr_number == "9144889")).scalar_one()
        assert (solberg.role, solberg.her_id, solberg.organisation_id) == ("gp", "80002", orgs[GP_OFFICE].id)
        assert s.execute(select(Actor).where(Actor.hpr_number == "9144891")).first() is None  # a nurse: no role
        hansen = s.execute(select(Actor).where(Actor.national_id == national_id(1))).scalar_one()
        lise = s.execute(select(Actor).where(Actor.national_id == national_id(2))).scalar_one()
        assert (hansen.role, hansen.search_text, lise.role) == ("employee", "", "nearest_manager")
        rel = {(r.kind, r.from_actor_id, r.to_actor_id): r for r in s.execute(select(Relation)).scalars()}
        assert rel[("nearest_manager_of", lise.id, hansen.id)].source == "narmesteleder"
        assert rel[("gp_of", solberg.id, hansen.id)].valid_to is None
        # The imported professionals are found by search; the employee never is.
        assert store.fulltext_actor_ids(session=s, groups=[[["solberg"]]], limit=5) == [solberg.id]
        assert store.fulltext_actor_ids(session=s, groups=[[["lise"]], [["berg"]]], limit=5) == [lise.id]
        assert store.fulltext_actor_ids(session=s, groups=[[["hansen"]]], limit=5) == []
        audit = s.execute(select(DirectoryChange).where(DirectoryChange.action == "import")).scalars().all()
        assert {a.by_label for a in audit} == {f"import:{src}" for src in files}
        assert all(national_id(1) not in a.detail for a in audit)
    before = db.counts()
    for source, paths in files.items():
        again = db.run(source, *paths)
        assert again.returncode == 0, again.stderr
        assert f"{source}: created 0, updated 0" in again.stdout, again.stdout
    assert db.counts() == before


def test_dry_run_prints_what_would_change_and_writes_nothing(db):
    files = registry_files(db.tmp)
    done = db.run("enhetsregisteret", *files["enhetsregisteret"], extra=("--dry-run",))
    assert done.returncode == 0, done.stderr
    assert "would create 3" in done.stdout and "dry run: nothing was written" in done.stdout
    assert f"create organisation {EMPLOYER} 'BYGG OG ANLEGG AS'" in done.stdout
    assert db.counts() == {"organisation": 0, "actor": 0, "relation": 0}
    assert db.one(select(DirectoryChange)) == []


def test_bad_rows_are_reported_with_their_line_and_the_rest_is_applied(db):
    good = org_number(94000000)
    path = write_json(db.tmp / "enheter.json", [
        unit(good, "GOD AS"),
        unit("123456789", "FEIL KONTROLLSIFFER AS"),
        unit("12345", "FOR KORT AS"),
        {"organisasjonsnummer": org_number(95000000), "organisasjonsform": {"kode": "AS"}},
        unit(good, "DUPLIKAT AS"),
        [1, 2],
    ])
    done = db.run("enhetsregisteret", path, extra=("--batch-size", "2"))
    assert done.returncode == 1
    errors = done.stderr.strip().splitlines()[-5:]
    assert errors[0].startswith(f"{path}:") and "(element 1): organisasjonsnummer: organisation number 123456789 has a wrong check digit" in errors[0]
    assert "(element 2): organisasjonsnummer: an organisation number has exactly 9 digits" in errors[1]
    assert "(element 3): navn is missing" in errors[2]
    assert f"(element 4): duplicate: {good} appears earlier in this import" in errors[3]
    assert "(element 5): element 5 is not a JSON object" in errors[4]
    assert "created 1, updated 0, unchanged 0, skipped 0, rejected 5" in done.stdout
    assert db.one(select(Organisation.name)) == ["GOD AS"]


@pytest.mark.parametrize("case", ["broken_json", "latin1", "wrong_columns", "not_gzip"])
def test_an_unusable_file_is_named_with_its_line_and_nothing_is_written(db, case):
    rows = [unit(org_number(96000000 + i * 100), f"FIRMA {i} AS") for i in range(50)]
    if case == "broken_json":
        body = json.dumps(rows, indent=1)
        path = db.tmp / "enheter.json"
        path.write_text(body.replace('"FIRMA 40 AS"', '"FIRMA 40 AS",,'), encoding="utf-8")  # a comma too many
        expected = "broken JSON in element 40"
    elif case == "latin1":
        path = db.tmp / "enheter.csv"
        lines = ["organisasjonsnummer;navn;organisasjonsform.kode"] + [f"{r['organisasjonsnummer']};{r['navn']};AS" for r in rows]
        lines[31] = lines[31].replace("FIRMA", "FIRMA Ø")
        path.write_bytes("\n".join(lines).encode("latin-1"))
        expected = f"{path}:32: not UTF-8"
    elif case == "wrong_columns":
        path = write_csv(db.tmp / "enheter.csv", ["orgnr", "navn"], [[r["organisasjonsnummer"], r["navn"]] for r in rows])
        expected = f"{path}:1: wrong columns: missing organisasjonsnummer, organisasjonsform.kode"
    else:
        path = db.tmp / "enheter.json.gz"
        path.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
        expected = "cannot read the gzip data"
    done = db.run("enhetsregisteret", path, extra=("--batch-size", "5"))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "nothing was imported" in done.stderr
    if case == "broken_json":
        assert f"{path}:" in done.stderr
    assert db.counts() == {"organisation": 0, "actor": 0, "relation": 0}


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(db):
    files = registry_files(db.tmp)
    assert db.run("enhetsregisteret", *files["enhetsregisteret"]).returncode == 0
    before = db.counts()
    # A row the file check passes, but the directory cannot take: an unknown workplace.
    nl = db.tmp / "nl.jsonl"
    nl.write_text("\n".join(json.dumps(r) for r in [
        {"fnr": national_id(1), "orgnummer": WORKPLACE, "narmesteLederFnr": national_id(2), "aktivFom": "2026-01-05",
         "arbeidstakerNavn": "Ola Hansen", "narmesteLederNavn": "Lise Berg"},
        {"fnr": national_id(4), "orgnummer": org_number(97000000), "narmesteLederFnr": national_id(2),
         "aktivFom": "2026-01-05", "arbeidstakerNavn": "Kari Nord", "narmesteLederNavn": "Lise Berg"},
        {"fnr": national_id(5), "orgnummer": WORKPLACE, "narmesteLederFnr": national_id(6), "aktivFom": "2026-01-05"},
    ]) + "\n", encoding="utf-8")
    done = db.run("narmesteleder", nl, extra=("--all-or-nothing",))
    assert done.returncode == 1
    assert f"{nl}:2: organisation {org_number(97000000)} is not in samband" in done.stderr
    assert f"{nl}:3: the nearest manager (*******{national_id(6)[-4:]}) is not in samband" in done.stderr
    assert national_id(6) not in done.stderr + done.stdout  # national ids only ever masked
    assert "nothing was imported (--all-or-nothing)" in done.stderr
    assert "would create 1" in done.stdout and "nothing was written (--all-or-nothing)" in done.stdout
    assert db.counts() == before
    # Without it, the good row is applied and the two bad ones reported.
    done = db.run("narmesteleder", nl)
    assert done.returncode == 1 and "created 1" in done.stdout
    assert db.counts()["relation"] == before["relation"] + 1 + 2  # the relation, and the two new people's memberships


def test_usage_errors_exit_2(db):
    done = db.run("hpr", db.tmp / "missing.json")
    assert done.returncode == 2 and "no such file" in done.stderr
    done = subprocess.run([sys.executable, "-m", "web", "import", "nosuch", "x"], capture_output=True, text=True,
                          env={**os.environ, "SAMBAND_DATABASE_URL": db.url})
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_a_broken_json_line_or_a_ragged_csv_row_is_one_rejected_row(db):
    hpr = write_csv(db.tmp / "hpr.csv", ["hprNummer", "fornavn", "etternavn", "helsepersonellkategori"],
                    [["9144889", "Ingrid", "Solberg", "LE"], ["9144890", "Per", "PS"], ["12", "Kort", "Nummer", "PS"]],
                    delimiter=",")
    done = db.run("hpr", hpr)
    assert done.returncode == 1
    assert f"{hpr}:3: 3 fields where the header has 4" in done.stderr
    assert f"{hpr}:4: hprNummer: an HPR number has 7 to 9 digits" in done.stderr
    assert "created 1," in done.stdout and db.one(select(Actor.role)) == ["specialist"]
    bad_id = national_id(7)[:-1] + str((int(national_id(7)[-1]) + 1) % 10)
    nl = db.tmp / "nl.jsonl"
    nl.write_text('{"fnr": "' + bad_id + '", "orgnummer": "' + EMPLOYER + '"}\n{"fnr": oops}\n', encoding="utf-8")
    done = db.run("narmesteleder", nl)
    assert done.returncode == 1
    assert f"{nl}:1: fnr: the national identity number has wrong control digits" in done.stderr
    assert f"{nl}:2: broken JSON: Expecting value (column 9)" in done.stderr
    assert bad_id not in done.stderr
