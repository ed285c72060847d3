"""Registry files in their published shapes, written by the tests (docs/import.md names
each shape's source): the small set ``registry_files`` and the builders behind it."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from directory import types as t


def org_number(n: int) -> str:
    for i in range(n, n + 100):
        v = t.with_org_number_check_digit(f"{i:08d}")
        if v:
            return v
    raise AssertionError


def national_id(n: int) -> str:
    for i in range(n, n + 100):
        v = t.with_national_id_check_digits(f"0101{i % 100:02d}{i // 100 % 1000:03d}")
        if v:
            return v
    raise AssertionError


def write_json(path: Path, items, *, gz: bool = False) -> Path:
    data = json.dumps(items, ensure_ascii=False, indent=1).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ";") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


EMPLOYER = org_number(91000000)
WORKPLACE = org_number(92000000)
GP_OFFICE = org_number(93000000)


def unit(number: str, name: str, form: str = "AS", place: str = "OSLO") -> dict:
    """An element of Enhetsregisteret's /enheter/lastned."""
    return {"organisasjonsnummer": number, "navn": name, "organisasjonsform": {"kode": form, "beskrivelse": "x"},
            "naeringskode1": {"kode": "62.010", "beskrivelse": "Programmeringstjenester"},
            "forretningsadresse": {"adresse": ["Gate 1"], "postnummer": "0150", "poststed": place,
                                   "kommunenummer": "0301", "kommune": "OSLO", "landkode": "NO", "land": "Norge"}}


def registry_files(tmp: Path) -> dict[str, list[Path]]:
    """A small set of registry files in their published shapes: the employer with its
    workplace, a GP office, a NAV unit, a GP and a psychologist, the GP's HER-ids, a
    manager and an employee, the employee's GP."""
    hansen, lise = national_id(1), national_id(2)
    units = write_json(tmp / "enheter.json.gz", [unit(EMPLOYER, "BYGG OG ANLEGG AS"),
                                                 unit(GP_OFFICE, "SENTRUM LEGESENTER AS", place="BERGEN")], gz=True)
    subunits = write_csv(tmp / "underenheter.csv",
                         ["organisasjonsnummer", "navn", "organisasjonsform.kode", "overordnetEnhet",
                          "beliggenhetsadresse.poststed", "naeringskode1.kode"],
                         [[WORKPLACE, "BYGG OG ANLEGG AS AVD DRAMMEN", "BEDR", EMPLOYER, "DRAMMEN", "41.200"]])
    norg2 = write_json(tmp / "norg2.json", [
        {"enhetId": 100000090, "navn": "Nav Grünerløkka", "enhetNr": "0315", "antallRessurser": 0, "status": "Aktiv",
         "orgNivaa": "EN", "type": "LOKAL", "organisasjonsnummer": "990000001"},
        {"enhetId": 100000091, "navn": "Nav Gamle Oslo", "enhetNr": "0316", "status": "Nedlagt", "type": "LOKAL"}])
    hpr = write_json(tmp / "hpr.json", [
        {"hprNummer": "9144889", "fornavn": "Ingrid", "mellomnavn": None, "etternavn": "Solberg",
         "godkjenninger": [{"helsepersonellkategori": {"aktiv": True, "oid": 9060, "verdi": "LE"},
                            "autorisasjon": {"aktiv": True, "oid": 7704, "verdi": "1"},
                            "spesialiteter": [{"verdi": "1", "beskrivelse": "Allmennmedisin"}]}]},
        {"hprNummer": "9144890", "fornavn": "Per", "etternavn": "Psykolog",
         "godkjenninger": [{"helsepersonellkategori": {"verdi": "PS"}, "autorisasjon": {"aktiv": True}}]},
        {"hprNummer": "9144891", "fornavn": "Sara", "etternavn": "Sykepleier",
         "godkjenninger": [{"helsepersonellkategori": {"verdi": "SP"}, "autorisasjon": {"aktiv": True}}]}])
    ar = write_json(tmp / "ar.json", [
        {"herId": 80001, "type": "Organization", "name": "Sentrum legesenter", "organizationNumber": GP_OFFICE},
        {"herId": 80002, "type": "Person", "firstName": "Ingrid", "lastName": "Solberg", "hprNumber": "9144889",
         "parentHerId": 80001},
        {"herId": 80003, "type": "Service", "name": "Timebestilling", "parentHerId": 80001}])
    nl = tmp / "narmesteleder.jsonl"
    nl.write_text(json.dumps({"narmesteLederId": "6f1c0c8e-0000-4000-8000-000000000001", "fnr": hansen,
                              "orgnummer": WORKPLACE, "narmesteLederFnr": lise, "aktivFom": "2026-01-05",
                              "aktivTom": None, "arbeidstakerNavn": "Ola Hansen", "narmesteLederNavn": "Lise Berg",
                              "timestamp": "2026-01-05T08:00:00+01:00"}) + "\n", encoding="utf-8")
    fastlege = write_csv(tmp / "fastlege.csv", ["pasientFnr", "hprNummer", "fom", "tom"],
                         [[hansen, "9144889", "2020-01-01", ""], [national_id(3), "9144889", "2020-01-01", ""]])
    return {"enhetsregisteret": [units, subunits], "norg2": [norg2], "hpr": [hpr], "adresseregisteret": [ar],
            "narmesteleder": [nl], "fastlege": [fastlege]}
