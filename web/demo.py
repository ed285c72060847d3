"""Demo data: a small synthetic population built around the stories in DOMAIN.md.

Every name and identifier is invented; national identity numbers are synthetic (birth
month + 80), organisation numbers carry valid check digits but belong to no one.

Demo users sign in at the embedded identity provider with their username (the actor's
``oidc_subject``) and the demo password.  Professionals get real key pairs; their
private keys are written to ``<data_dir>/demo-keystores/<username>.json`` (mode 0600)
— standing in for each person's own device — and only the public halves go to the
server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from directory import service as directory
from directory.models import Actor
from directory.schemas import ActorCreate, KeyCreate, OrganisationCreate
from directory.types import (
    KeyPurpose,
    OrganisationKind,
    RelationKind,
    Role,
    with_national_id_check_digits,
    with_org_number_check_digit,
)
from messaging import cases
from messaging.keys import Identity, b64
from messaging.schemas import CaseCreate


def synthetic_national_id(day: int, month: int, year: int, individual: int) -> str:
    """A valid synthetic fødselsnummer: the month is shifted by 80."""
    for ind in range(individual, individual + 50):
        nid = with_national_id_check_digits(f"{day:02d}{month + 80:02d}{year % 100:02d}{ind:03d}")
        if nid:
            return nid
    raise ValueError("no valid synthetic national id near this individual number")


def synthetic_org_number(prefix: int) -> str:
    for n in range(prefix, prefix + 50):
        number = with_org_number_check_digit(f"{n:08d}")
        if number:
            return number
    raise ValueError("no valid organisation number near this prefix")


ORGS = {
    "nordlys": OrganisationCreate(kind=OrganisationKind.EMPLOYER, name="Nordlys Regnskap AS", org_number=synthetic_org_number(91234560), place="Bergen"),
    "vestbygg": OrganisationCreate(kind=OrganisationKind.EMPLOYER, name="Vestland Bygg og Anlegg AS", org_number=synthetic_org_number(92345670), place="Bergen"),
    "havbris": OrganisationCreate(kind=OrganisationKind.EMPLOYER, name="Havbris Logistikk AS", org_number=synthetic_org_number(93456780), place="Stavanger"),
    "legesenter": OrganisationCreate(kind=OrganisationKind.GP_OFFICE, name="Sentrum Legesenter", her_id="8100123", place="Bergen"),
    "nav": OrganisationCreate(kind=OrganisationKind.NAV_UNIT, name="NAV Bergenhus", nav_unit_number="1201", place="Bergen"),
    "navals": OrganisationCreate(kind=OrganisationKind.NAV_UNIT, name="NAV Arbeidslivssenter Vestland", nav_unit_number="1291", place="Bergen"),
    "bht": OrganisationCreate(kind=OrganisationKind.COMPANY_HEALTH_SERVICE, name="Bedriftshelse Vest AS", org_number=synthetic_org_number(94567890), place="Bergen"),
    "dps": OrganisationCreate(kind=OrganisationKind.DISTRICT_PSYCHIATRIC_CENTRE, name="Fjellsiden DPS", her_id="8100456", place="Bergen"),
    "ortopedi": OrganisationCreate(kind=OrganisationKind.HOSPITAL_CLINIC, name="Vestkysten sykehus, ortopedisk poliklinikk", her_id="8100789", place="Bergen"),
    "rehab": OrganisationCreate(kind=OrganisationKind.REHABILITATION_PROGRAMME, name="Raskere tilbake Vestland", her_id="8100999", place="Os"),
    "madla": OrganisationCreate(kind=OrganisationKind.GP_OFFICE, name="Madla Legesenter", her_id="8100321", place="Stavanger"),
    "navstavanger": OrganisationCreate(kind=OrganisationKind.NAV_UNIT, name="NAV Stavanger", nav_unit_number="1103", place="Stavanger"),
}

# username: (name, role, title, org key, extra fields, gets keys)
PEOPLE: dict[str, tuple[str, Role, str, str, dict, bool]] = {
    "hansen": ("Per Hansen", Role.EMPLOYEE, "Regnskapsfører", "nordlys", {"national_id": synthetic_national_id(12, 3, 1985, 401)}, False),
    "lise": ("Lise Berg", Role.NEAREST_MANAGER, "Avdelingsleder regnskap", "nordlys", {}, True),
    "kari": ("Kari Nilsen", Role.HR, "HR-rådgiver", "nordlys", {}, True),
    "ole": ("Ole Dahl", Role.UNION_REPRESENTATIVE, "Tillitsvalgt", "nordlys", {}, True),
    "solberg": ("Ingrid Solberg", Role.GP, "Fastlege, spesialist i allmennmedisin", "legesenter", {"hpr_number": "1234567"}, True),
    "lie": ("Jonas Lie", Role.LOCUM, "Vikar for fastlege", "legesenter", {"hpr_number": "2345678"}, False),
    "eide": ("Maria Eide", Role.NAV_ADVISER, "Veileder sykefravær", "nav", {}, True),
    "bakke": ("Jon Bakke", Role.IA_CONTACT, "Rådgiver inkluderende arbeidsliv", "navals", {}, True),
    "vold": ("Heidi Vold", Role.BHT_PHYSICIAN, "Bedriftslege", "bht", {"hpr_number": "3456789"}, True),
    "moe": ("Sara Moe", Role.PSYCHOLOGIST, "Psykologspesialist, poliklinikk", "dps", {"hpr_number": "4567890"}, True),
    "strand": ("Erik Strand", Role.SPECIALIST, "Overlege, ortopedi", "ortopedi", {"hpr_number": "5678901"}, True),
    "lund": ("Anne Lund", Role.PHYSIOTHERAPIST, "Fysioterapeut", "rehab", {"hpr_number": "6789012"}, True),
    "tore": ("Tore Hauge", Role.EMPLOYEE, "Anleggsmaskinfører", "vestbygg", {"national_id": synthetic_national_id(4, 9, 1979, 212)}, False),
    "aas": ("Geir Aas", Role.NEAREST_MANAGER, "Prosjektleder", "vestbygg", {}, True),
    "nina": ("Nina Vik", Role.EMPLOYEE, "Lagerarbeider", "havbris", {"national_id": synthetic_national_id(23, 6, 1990, 118)}, False),
    "rask": ("Tom Rask", Role.NEAREST_MANAGER, "Lagersjef", "havbris", {}, True),
    # A GP and a NAV adviser in another town, in none of these cases: whom the directory
    # shows and a case must not (tests/integration/test_authorization_matrix.py).
    "berge": ("Lars Berge", Role.GP, "Fastlege, spesialist i allmennmedisin", "madla", {"hpr_number": "7890123"}, True),
    "tangen": ("Siri Tangen", Role.NAV_ADVISER, "Veileder sykefravær", "navstavanger", {}, True),
}

RELATIONS = [
    ("lise", RelationKind.NEAREST_MANAGER_OF, "hansen"),
    ("kari", RelationKind.HR_FOR, "hansen"),
    ("ole", RelationKind.UNION_REPRESENTATIVE_FOR, "hansen"),
    ("solberg", RelationKind.GP_OF, "hansen"),
    ("lie", RelationKind.GP_OF, "hansen"),
    ("eide", RelationKind.NAV_ADVISER_FOR, "hansen"),
    ("vold", RelationKind.BHT_FOR, "hansen"),
    ("aas", RelationKind.NEAREST_MANAGER_OF, "tore"),
    ("solberg", RelationKind.GP_OF, "tore"),
    ("eide", RelationKind.NAV_ADVISER_FOR, "tore"),
    ("eide", RelationKind.COORDINATOR_OF, "tore"),
    ("strand", RelationKind.TREATING_CLINICIAN_OF, "tore"),
    ("lund", RelationKind.TREATING_CLINICIAN_OF, "tore"),
    ("rask", RelationKind.NEAREST_MANAGER_OF, "nina"),
    ("eide", RelationKind.NAV_ADVISER_FOR, "nina"),
    ("moe", RelationKind.TREATING_CLINICIAN_OF, "nina"),
]

CASES = {"hansen": (14, 100), "tore": (42, 50), "nina": (70, 100)}

# (employee, participant, reason the employee reads)
PARTICIPANTS = [
    ("hansen", "lise", "Nærmeste leder: følger opp sykefraværet og tilrettelegging"),
    ("hansen", "solberg", "Fastlegen som sykmeldte deg"),
    ("hansen", "eide", "Veileder i NAV for sykepengesaken"),
    ("hansen", "vold", "Bedriftslegen, etter ønske fra deg og arbeidsgiver"),
    ("tore", "aas", "Nærmeste leder"),
    ("tore", "solberg", "Fastlegen som sykmeldte deg"),
    ("tore", "eide", "Koordinator: fastlege og NAV ble enige om at NAV koordinerer"),
    ("tore", "strand", "Ortopeden som behandlet bruddet"),
    ("tore", "lund", "Fysioterapeuten i opptreningen"),
    ("nina", "rask", "Nærmeste leder"),
    ("nina", "eide", "Veileder i NAV"),
    ("nina", "moe", "Psykologen ved DPS som skal starte behandling"),
]


@dataclass(frozen=True)
class Demo:
    actors: dict[str, str]  # username -> actor id
    organisations: dict[str, str]
    cases: dict[str, str]  # username -> case id


def _write_keystore(directory_path: Path, username: str, identity: Identity, actor_id: str) -> None:
    directory_path.mkdir(parents=True, exist_ok=True)
    path = directory_path / f"{username}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"actor_id": actor_id, **identity.to_json()}, f)


def load_demo(engine: Engine, data_dir: Path, *, today: date | None = None, with_keys: bool = True) -> Demo:
    """Create the demo population once; a second call finds it and changes nothing."""
    today = today or date.today()
    with Session(engine, expire_on_commit=False) as session:
        existing = session.exec(select(Actor).where(Actor.oidc_subject == "hansen")).first()
        if existing is not None:
            return _existing(session)
        orgs = {key: directory.create_organisation(session, data, commit=False) for key, data in ORGS.items()}
        session.flush()
        actors: dict[str, Actor] = {}
        for username, (name, role, title, org, extra, _keys) in PEOPLE.items():
            actors[username] = directory.register_actor(
                session,
                ActorCreate(name=name, role=role, title=title, organisation_id=orgs[org].id,
                            place=ORGS[org].place, oidc_subject=username, **extra),
                commit=False,
            )
        session.flush()
        for a, kind, b in RELATIONS:
            directory.add_relation(session, kind, actors[a].id, to_actor_id=actors[b].id, commit=False)
        made_cases = {
            who: cases.open_case(
                session, actors[who], CaseCreate(start_date=today - timedelta(days=days), grade=grade), commit=False
            )
            for who, (days, grade) in CASES.items()
        }
        session.flush()
        for who, part, reason in PARTICIPANTS:
            cases.add_participant(session, actors[who], made_cases[who].id, actors[part].id, reason, commit=False)
        if with_keys:
            for username, (*_, gets_keys) in PEOPLE.items():
                if not gets_keys:
                    continue
                identity = Identity.generate()
                directory.publish_key(session, actors[username].id, KeyCreate(purpose=KeyPurpose.ENCRYPTION, algorithm="X-Wing", public_key=b64(identity.encryption_public)), commit=False)
                directory.publish_key(session, actors[username].id, KeyCreate(purpose=KeyPurpose.SIGNING, algorithm="Ed25519", public_key=b64(identity.signing_public)), commit=False)
                _write_keystore(Path(data_dir) / "demo-keystores", username, identity, actors[username].id)
        session.commit()
        return Demo(
            actors={u: a.id for u, a in actors.items()},
            organisations={k: o.id for k, o in orgs.items()},
            cases={u: c.id for u, c in made_cases.items()},
        )


def _existing(session: Session) -> Demo:
    from directory.models import Organisation
    from messaging.models import Case

    actors = {a.oidc_subject: a.id for a in session.exec(select(Actor).where(Actor.oidc_subject.in_(list(PEOPLE)))).all()}
    names = {data.name: key for key, data in ORGS.items()}
    orgs = {names[o.name]: o.id for o in session.exec(select(Organisation)).all() if o.name in names}
    by_id = {v: k for k, v in actors.items()}
    found = {by_id[c.employee_id]: c.id for c in session.exec(select(Case)).all() if c.employee_id in by_id}
    return Demo(actors=actors, organisations=orgs, cases=found)


def store_demo_key_backups(engine: Engine, data_dir: Path, passphrase: str) -> int:
    """Back up each demo professional's keys (from the demo key stores) under the demo
    passphrase, so the portal's /keys page can restore them in a browser: sign in as
    ``solberg``, unlock with the demo password.  Only for ``samband demo`` / ``serve``
    (PBKDF2, so it costs about a second in all); actors who have a backup keep it.

    Returns:
        How many backups were stored.
    """
    from directory import service as directory_service
    from directory.models import KeyBackup
    from directory.schemas import KeyBackupIn
    from messaging import backup

    stored = 0
    with Session(engine, expire_on_commit=False) as session:
        for path in sorted((Path(data_dir) / "demo-keystores").glob("*.json")):
            data = json.loads(path.read_text())
            actor_id = data.get("actor_id")
            if not actor_id or session.get(Actor, actor_id) is None or session.get(KeyBackup, actor_id) is not None:
                continue
            wrapped = backup.wrap(Identity.from_json(data), passphrase, kdf="pbkdf2-sha256")
            directory_service.put_key_backup(session, actor_id, KeyBackupIn.model_validate(wrapped))
            stored += 1
    return stored
