"""Health personnel from the register of health personnel (Helsepersonellregisteret, HPR)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from directory import query
from directory import types as t
from directory.importers.common import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Context,
    Outcome,
    RowError,
    Skip,
    Writes,
    actors_by,
    full_name,
    get,
    identifier,
    search_text,
    text,
)

# HPR's health personnel categories (kodeverk 9060) samband has a role for, strongest first.
CATEGORY_ROLES = {"LE": t.Role.SPECIALIST, "PS": t.Role.PSYCHOLOGIST, "FT": t.Role.PHYSIOTHERAPIST}
# Roles a person of the category may already have in samband (an operator or the GP
# register made a doctor a GP): an import never changes one of these back.
ROLES_OF_CATEGORY = {
    "LE": {t.Role.GP, t.Role.LOCUM, t.Role.SPECIALIST, t.Role.BHT_PHYSICIAN},
    "PS": {t.Role.PSYCHOLOGIST},
    "FT": {t.Role.PHYSIOTHERAPIST},
}


@dataclass(frozen=True)
class Person:
    hpr_number: str
    name: str
    category: str
    role: str

    @property
    def key(self) -> str:
        return self.hpr_number


def _categories(record: dict) -> tuple[list[str], bool]:
    """The categories of the active authorisations, and whether a speciality is general practice."""
    approvals = get(record, "godkjenninger")
    if approvals is None:  # the CSV shape: one category (and speciality) a row
        category = text(record, "helsepersonellkategori", max_length=10)
        speciality = (text(record, "spesialitet", required=False) or "").lower()
        return [category.upper()], "allmenn" in speciality  # type: ignore[union-attr]
    if not isinstance(approvals, list):
        raise RowError("godkjenninger must be a list")
    categories, general = [], False
    for approval in approvals:
        if not isinstance(approval, dict):
            raise RowError("each of godkjenninger must be an object")
        authorisation = approval.get("autorisasjon") or {}
        if isinstance(authorisation, dict) and authorisation.get("aktiv") is False:
            continue
        category = get(approval, "helsepersonellkategori.verdi")
        if category:
            categories.append(str(category).upper())
        for speciality in approval.get("spesialiteter") or []:
            if isinstance(speciality, dict) and "allmenn" in str(speciality.get("beskrivelse", "")).lower():
                general = True
    return categories, general


class Hpr:
    name = "hpr"
    columns = ("hprNummer", "fornavn", "etternavn", "helsepersonellkategori")

    def parse(self, record: dict) -> Person:
        number = identifier(record, "hprNummer", t.parse_hpr_number)
        name = full_name(text(record, "fornavn", max_length=100), text(record, "mellomnavn", required=False, max_length=100),
                         text(record, "etternavn", max_length=100))
        categories, general_practice = _categories(record)
        known = [c for c in CATEGORY_ROLES if c in categories]
        if not known:
            what = ", ".join(categories) or "no active authorisation"
            raise Skip(f"HPR {number}: {what} has no role in samband")
        category = known[0]
        role = t.Role.GP if category == "LE" and general_practice else CATEGORY_ROLES[category]
        return Person(number, name, category, role.value)

    def apply(self, session: Session, rows: list[Person], ctx: Context, writes: Writes) -> list[Outcome]:
        health = [role.value for role in t.HEALTH_PERSONNEL]
        existing = actors_by(session, "hpr_number", [r.hpr_number for r in rows], roles=health)
        orgs = _orgs(session, [a.organisation_id for found in existing.values() for a in found])
        out = []
        for r in rows:
            mine = [a for a in existing.get(r.hpr_number, []) if a.role in ROLES_OF_CATEGORY[r.category]]
            if not mine:
                writes.add_actor(name=r.name, role=r.role, hpr_number=r.hpr_number)
                out.append(Outcome(CREATED, f"create {r.role} HPR {r.hpr_number} {r.name!r}"))
                continue
            stale = [a for a in mine if a.name != r.name]
            for a in stale:
                text_ = search_text(r.name, a.role, a.title, a.place, orgs.get(a.organisation_id))
                writes.update_actor(a.id, name=r.name, search_text=text_)
                writes.prefixes |= query.index_prefixes(text_)
            out.append(Outcome(UPDATED, f"update HPR {r.hpr_number}: name {stale[0].name!r} -> {r.name!r}")
                       if stale else Outcome(UNCHANGED))
        return out


def _orgs(session: Session, ids: list[str | None]) -> dict:
    from sqlalchemy import select

    from directory.importers.common import ORG

    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return {r.id: r for r in session.execute(select(ORG).where(ORG.c.id.in_(wanted))).all()}
