"""Registry import (issue 12): 1 000 000 organisations and 100 000 health personnel.

    .venv/bin/python -m bench.bench_import                    # SQLite (~minutes)
    .venv/bin/python -m bench.bench_import --db postgresql    # a throwaway PostgreSQL cluster
    .venv/bin/python -m bench.bench_import --out DIR          # where the JSON goes (default bench/results)
    .venv/bin/python -m bench.bench_import --quick            # 20 000 organisations, 2 000 personnel (seconds)

Generates, in a temporary directory, Enhetsregisteret's bulk files as
``/enheter/lastned`` and ``/underenheter/lastned`` give them (gzip'd JSON arrays; 70 %
units, 30 % sub-units naming a unit as ``overordnetEnhet``) and an HPR extract (JSON
array; doctors, psychologists, physiotherapists and nurses, who are skipped), then runs
``samband import`` on a freshly migrated database, each import its own process, and
reports rows per second and the importing process's peak RSS (``wait4``'s
``ru_maxrss``).  A second import of the same organisation files measures the idempotent
re-run (every row unchanged).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

from bench.harness import PG_DATABASE, RESULTS, peak_rss_mb, save, start_cluster
from directory import types as t

SIZES = {"organisations": 1_000_000, "health_personnel": 100_000}
QUICK = {"organisations": 20_000, "health_personnel": 2_000}
SUB_UNIT_SHARE = 0.3
PLACES = ["OSLO", "BERGEN", "TRONDHEIM", "STAVANGER", "TROMSØ", "DRAMMEN", "BODØ", "ÅLESUND", "HAMAR", "MOLDE"]
WORDS = ["BYGG", "ANLEGG", "TRANSPORT", "HELSE", "DATA", "KONSULENT", "HANDEL", "EIENDOM", "SERVICE", "MASKIN",
         "FISK", "SKOG", "ENERGI", "MEDIA", "REGNSKAP", "RØRLEGGER", "ELEKTRO", "MALER", "TAK", "VVS"]
GIVEN = ["Ingrid", "Ola", "Kari", "Per", "Lise", "Nils", "Anne", "Jonas", "Sara", "Emil", "Marte", "Håkon"]
FAMILY = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Solberg", "Berg"]


def org_numbers(n: int):
    i = 80_000_000
    while n:
        v = t.with_org_number_check_digit(f"{i:08d}")
        i += 1
        if v:
            n -= 1
            yield v


def _unit(rng: random.Random, number: str, parent: str | None) -> dict:
    place = rng.choice(PLACES)
    address = {"adresse": [f"{rng.choice(WORDS).title()}veien {rng.randrange(1, 200)}"], "postnummer": f"{rng.randrange(1, 9999):04d}",
               "poststed": place, "kommunenummer": f"{rng.randrange(301, 5444):04d}", "kommune": place,
               "landkode": "NO", "land": "Norge"}
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number[-4:]} AS"
    item = {"organisasjonsnummer": number, "navn": name,
            "organisasjonsform": {"kode": "BEDR" if parent else "AS",
                                  "beskrivelse": "Underenhet til næringsdrivende og offentlig forvaltning" if parent else "Aksjeselskap"},
            "registreringsdatoEnhetsregisteret": "2015-03-01", "registrertIMvaregisteret": True,
            "naeringskode1": {"kode": "41.200", "beskrivelse": "Oppføring av bygninger"},
            "antallAnsatte": rng.randrange(0, 300), ("beliggenhetsadresse" if parent else "forretningsadresse"): address}
    if parent:
        item["overordnetEnhet"] = parent
        item["oppstartsdato"] = "2015-03-01"
    else:
        item["institusjonellSektorkode"] = {"kode": "2100", "beskrivelse": "Private aksjeselskaper mv."}
    return item


def _write_array(path: Path, items) -> int:
    count = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as f:
        f.write("[")
        for item in items:
            f.write(("," if count else "") + "\n" + json.dumps(item, ensure_ascii=False))
            count += 1
        f.write("\n]\n")
    return count


def generate(directory: Path, sizes: dict, seed: int) -> dict[str, Path]:
    rng = random.Random(seed)
    total = sizes["organisations"]
    n_sub = int(total * SUB_UNIT_SHARE)
    numbers = list(org_numbers(total))
    units, subs = numbers[: total - n_sub], numbers[total - n_sub :]
    files = {"enheter": directory / "enheter_alle.json.gz", "underenheter": directory / "underenheter_alle.json.gz",
             "hpr": directory / "hpr.json.gz"}
    _write_array(files["enheter"], (_unit(rng, n, None) for n in units))
    _write_array(files["underenheter"], (_unit(rng, n, rng.choice(units)) for n in subs))

    def person(i: int) -> dict:
        category = rng.choices(["LE", "PS", "FT", "SP"], weights=[40, 10, 10, 40])[0]
        specialities = [{"verdi": "1", "beskrivelse": "Allmennmedisin"}] if category == "LE" and rng.random() < 0.3 else []
        return {"hprNummer": str(1_000_000 + i), "fornavn": rng.choice(GIVEN), "mellomnavn": None,
                "etternavn": rng.choice(FAMILY),
                "godkjenninger": [{"helsepersonellkategori": {"aktiv": True, "oid": 9060, "verdi": category},
                                   "autorisasjon": {"aktiv": True, "oid": 7704, "verdi": "1"},
                                   "spesialiteter": specialities}]}

    _write_array(files["hpr"], (person(i) for i in range(sizes["health_personnel"])))
    return files


def run(url: str, source: str, files: list[Path], batch: int) -> dict:
    """``samband import`` in its own process; its wall time, output and peak RSS."""
    env = {**os.environ, "SAMBAND_DATABASE_URL": url}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "web", "import", source, *map(str, files),
                                 "--batch-size", str(batch)], env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage: its peak RSS
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = perf_counter() - started
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"samband import {source} failed ({proc.returncode}):\n{output}\n{errors[-3000:]}")
    return {"seconds": round(seconds, 1), "output": output.strip(), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else SIZES
    from web.database import migrate

    with tempfile.TemporaryDirectory(prefix="samband-bench-import-") as tmp:
        directory = Path(tmp)
        started = perf_counter()
        files = generate(directory, sizes, args.seed)
        generation = perf_counter() - started
        file_mb = {k: round(p.stat().st_size / 2**20, 1) for k, p in files.items()}
        print(f"generated {sizes} in {generation:.1f} s: {file_mb} MiB gzip'd", flush=True)
        cluster = None
        if args.db == "postgresql":
            cluster = start_cluster(None)
            cluster.admin(f"CREATE DATABASE {PG_DATABASE}")
            url, version = cluster.url(PG_DATABASE), cluster.version()
        else:
            import sqlite3

            url, version = f"sqlite:///{directory / 'import.db'}", sqlite3.sqlite_version
        try:
            migrate(url)
            results = {}
            orgs = [files["enheter"], files["underenheter"]]
            for name, source, paths, rows in (
                ("organisations", "enhetsregisteret", orgs, sizes["organisations"]),
                ("organisations, again (all unchanged)", "enhetsregisteret", orgs, sizes["organisations"]),
                ("health personnel", "hpr", [files["hpr"]], sizes["health_personnel"]),
            ):
                print(f"importing {name} ...", flush=True)
                r = run(url, source, paths, args.batch_size)
                r["rows"] = rows
                r["rows_per_s"] = round(rows / r["seconds"])
                results[name] = r
                print(f"  {r['seconds']} s, {r['rows_per_s']:,} rows/s, peak RSS {r['peak_rss_mb']} MiB\n  {r['output']}", flush=True)
            size_mb = (Path(url.split("///", 1)[1]).stat().st_size / 2**20) if cluster is None else \
                cluster.admin(f"SELECT pg_database_size('{PG_DATABASE}')")[0][0] / 2**20
        finally:
            if cluster is not None:
                cluster.stop()
    backend = f"{'SQLite' if cluster is None else 'PostgreSQL'} {version.split()[0]}"
    lines = [f"import benchmark ({backend}), batch size {args.batch_size}",
             f"files: {sizes['organisations']:,} organisations ({SUB_UNIT_SHARE:.0%} sub-units), "
             f"{sizes['health_personnel']:,} health personnel; gzip'd JSON {file_mb} MiB; generated in {generation:.0f} s",
             f"database after: {size_mb:,.0f} MiB", "",
             f"{'import':<40} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MiB':>13}"]
    for name, r in results.items():
        lines.append(f"{name:<40} {r['rows']:>10,} {r['seconds']:>8.1f} {r['rows_per_s']:>9,} {r['peak_rss_mb']:>13}")
    text = "\n".join(lines)
    print("\n" + text)
    name = "import" + ("-postgresql" if args.db == "postgresql" else "") + ("-quick" if args.quick else "")
    save(name, {"backend": args.db, "sizes": sizes, "batch_size": args.batch_size, "file_mb": file_mb,
                "generation_seconds": round(generation, 1), "database_mb": round(size_mb, 1), "results": results,
                "bench_peak_rss_mb": round(peak_rss_mb(), 1)}, text, args.out,
         postgresql=version if args.db == "postgresql" else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
