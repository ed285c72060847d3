"""Value types of the directory: roles, kinds and validated Norwegian identifiers.

Pure: standard library only.

Glossary: *fastlege* = GP, *vikar* = locum, *nærmeste leder* = nearest manager,
*veileder* = NAV adviser, *BHT* (bedriftshelsetjeneste) = company health service,
*DPS* (distriktspsykiatrisk senter) = district psychiatric centre, *HPR* = the register of
health personnel, *HER-id* = address in the national address register for health
messaging.
"""

from __future__ import annotations

import base64
import hashlib
import re
from enum import StrEnum
from typing import NewType

ActorId = NewType("ActorId", str)
OrganisationId = NewType("OrganisationId", str)
CaseId = NewType("CaseId", str)
KeyId = NewType("KeyId", str)


class Role(StrEnum):
    EMPLOYEE = "employee"
    NEAREST_MANAGER = "nearest_manager"
    HR = "hr"
    UNION_REPRESENTATIVE = "union_representative"
    GP = "gp"
    LOCUM = "locum"
    SPECIALIST = "specialist"
    PSYCHOLOGIST = "psychologist"
    PHYSIOTHERAPIST = "physiotherapist"
    NAV_ADVISER = "nav_adviser"
    IA_CONTACT = "ia_contact"
    BHT_PHYSICIAN = "bht_physician"
    BHT_NURSE = "bht_nurse"
    COORDINATOR = "coordinator"
    # Administers the directory (``directory.admin``): never a case participant, sees no
    # case, message or log content.
    OPERATOR = "operator"


HEALTH_PERSONNEL = frozenset(
    {
        Role.GP,
        Role.LOCUM,
        Role.SPECIALIST,
        Role.PSYCHOLOGIST,
        Role.PHYSIOTHERAPIST,
        Role.BHT_PHYSICIAN,
        Role.BHT_NURSE,
    }
)
"""Roles that are authorised health personnel and must carry an HPR number."""

NAV_ROLES = frozenset({Role.NAV_ADVISER, Role.IA_CONTACT})
EMPLOYER_ROLES = frozenset({Role.NEAREST_MANAGER, Role.HR, Role.UNION_REPRESENTATIVE})


class OrganisationKind(StrEnum):
    EMPLOYER = "employer"
    GP_OFFICE = "gp_office"
    NAV_UNIT = "nav_unit"
    COMPANY_HEALTH_SERVICE = "company_health_service"
    HOSPITAL_CLINIC = "hospital_clinic"
    DISTRICT_PSYCHIATRIC_CENTRE = "district_psychiatric_centre"
    REHABILITATION_PROGRAMME = "rehabilitation_programme"


class RelationKind(StrEnum):
    """A directed relation ``from_actor -> (to_actor | organisation)``."""

    NEAREST_MANAGER_OF = "nearest_manager_of"
    GP_OF = "gp_of"
    MEMBER_OF = "member_of"  # to an organisation
    COORDINATOR_OF = "coordinator_of"
    NAV_ADVISER_FOR = "nav_adviser_for"
    TREATING_CLINICIAN_OF = "treating_clinician_of"
    HR_FOR = "hr_for"
    UNION_REPRESENTATIVE_FOR = "union_representative_for"
    BHT_FOR = "bht_for"


class CaseRole(StrEnum):
    """The part an actor plays for one sick-listed person, derived from a relation."""

    NEAREST_MANAGER = "nearest_manager"
    GP = "gp"
    COORDINATOR = "coordinator"
    NAV_ADVISER = "nav_adviser"
    TREATING_CLINICIAN = "treating_clinician"
    HR = "hr"
    UNION_REPRESENTATIVE = "union_representative"
    BHT = "bht"


CASE_ROLE_OF_RELATION: dict[RelationKind, CaseRole] = {
    RelationKind.NEAREST_MANAGER_OF: CaseRole.NEAREST_MANAGER,
    RelationKind.GP_OF: CaseRole.GP,
    RelationKind.COORDINATOR_OF: CaseRole.COORDINATOR,
    RelationKind.NAV_ADVISER_FOR: CaseRole.NAV_ADVISER,
    RelationKind.TREATING_CLINICIAN_OF: CaseRole.TREATING_CLINICIAN,
    RelationKind.HR_FOR: CaseRole.HR,
    RelationKind.UNION_REPRESENTATIVE_FOR: CaseRole.UNION_REPRESENTATIVE,
    RelationKind.BHT_FOR: CaseRole.BHT,
}


class KeyPurpose(StrEnum):
    ENCRYPTION = "encryption"
    SIGNING = "signing"


KEY_ALGORITHMS: dict[KeyPurpose, dict[str, int]] = {
    # algorithm name -> exact length of the raw public key in bytes
    KeyPurpose.ENCRYPTION: {"X-Wing": 1216, "X25519": 32},
    KeyPurpose.SIGNING: {"Ed25519": 32},
}


# --- identifiers ---------------------------------------------------------------------

_DIGITS = re.compile(r"^\d+$")


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    rest = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    check = 0 if rest == 0 else 11 - rest
    return None if check == 10 else check


def parse_org_number(value: str) -> str:
    """Validate a Norwegian organisation number (9 digits, modulus-11 check digit)."""
    v = value.replace(" ", "")
    if len(v) != 9 or not _DIGITS.match(v):
        raise ValueError("an organisation number has exactly 9 digits, e.g. 974760673")
    if _mod11(v[:8], (3, 2, 7, 6, 5, 4, 3, 2)) != int(v[8]):
        raise ValueError(f"organisation number {v} has a wrong check digit")
    return v


def parse_hpr_number(value: str) -> str:
    v = value.strip()
    if not (7 <= len(v) <= 9) or not _DIGITS.match(v):
        raise ValueError("an HPR number has 7 to 9 digits")
    return v


def parse_her_id(value: str) -> str:
    v = value.strip()
    if not (1 <= len(v) <= 9) or not _DIGITS.match(v):
        raise ValueError("a HER-id has 1 to 9 digits")
    return v


_NAV_IDENT = re.compile(r"^[A-Z]\d{6}$")


def parse_nav_ident(value: str) -> str:
    """NAV's employee ident: one capital letter and six digits, e.g. Z123456."""
    v = value.strip().upper()
    if not _NAV_IDENT.match(v):
        raise ValueError("a NAV ident is one letter and six digits, e.g. Z123456")
    return v


def parse_nav_unit_number(value: str) -> str:
    v = value.strip()
    if len(v) != 4 or not _DIGITS.match(v):
        raise ValueError("a NAV unit number has exactly 4 digits, e.g. 0314")
    return v


def parse_national_id(value: str) -> str:
    """Validate an 11-digit national identity number (fødselsnummer / D-number).

    Both control digits are checked.  Synthetic numbers (month + 40 or + 80, as used
    by NAV's and Skatteetaten's test populations) are accepted.
    """
    v = value.replace(" ", "")
    if len(v) != 11 or not _DIGITS.match(v):
        raise ValueError("a national identity number has exactly 11 digits")
    k1 = _mod11(v[:9], (3, 7, 6, 1, 8, 9, 4, 5, 2))
    k2 = _mod11(v[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    if k1 is None or k2 is None or k1 != int(v[9]) or k2 != int(v[10]):
        raise ValueError("the national identity number has wrong control digits")
    return v


def mask_national_id(value: str) -> str:
    """Show only the last four digits: ``*******1234``."""
    return "*" * 7 + value[-4:]


def with_national_id_check_digits(first_nine: str) -> str | None:
    """Complete nine digits to a valid national identity number, or None if impossible."""
    k1 = _mod11(first_nine, (3, 7, 6, 1, 8, 9, 4, 5, 2))
    if k1 is None:
        return None
    k2 = _mod11(first_nine + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    if k2 is None:
        return None
    return f"{first_nine}{k1}{k2}"


def with_org_number_check_digit(first_eight: str) -> str | None:
    k = _mod11(first_eight, (3, 2, 7, 6, 5, 4, 3, 2))
    return None if k is None else f"{first_eight}{k}"


def key_id_for(raw: bytes) -> str:
    """A public key's id: the first 16 bytes of its SHA-256, base64url without padding
    (the server and the clients derive it alike)."""
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:16]).rstrip(b"=").decode()
