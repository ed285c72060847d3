"""Export a consent grant as an HL7 FHIR R5 ``Consent`` resource (a plain dict).

Mapping:
- ``status``: ``active`` while the grant can still permit (active or scheduled),
  ``inactive`` once revoked or expired (FHIR has no "revoked"; the revocation time is
  in the ``revoked-at`` extension).
- ``decision``: ``permit``; ``grantor`` and ``subject``: the employee.
- ``grantee`` and ``provision.actor`` (role ``IRCP``, information recipient): the
  recipient; a named discloser is a second actor with role ``AUT`` (author).
- ``provision.code``: the information categories; ``provision.purpose``: the purposes,
  in samband's own code systems; ``period`` and ``provision.period``: the validity.
- ``regulatoryBasis``: ``GDPR Art. 6(1)(a)``, consent.
"""

from __future__ import annotations

from datetime import datetime

from consent.types import CATEGORY_LABELS, PURPOSE_LABELS, Grant, PartyKind

CATEGORY_SYSTEM = "https://samband.no/fhir/CodeSystem/information-category"
PURPOSE_SYSTEM = "https://samband.no/fhir/CodeSystem/purpose"
CASE_ROLE_SYSTEM = "https://samband.no/fhir/CodeSystem/case-role"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
REVOKED_AT_URL = "https://samband.no/fhir/StructureDefinition/revoked-at"


def _when(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _reference(kind: PartyKind, value: str, display: str | None) -> dict:
    if kind is PartyKind.PERSON:
        ref = {"reference": f"Practitioner/{value}"}
    elif kind is PartyKind.ORGANISATION:
        ref = {"reference": f"Organization/{value}"}
    else:
        ref = {"identifier": {"system": CASE_ROLE_SYSTEM, "value": value}}
    if display:
        ref["display"] = display
    return ref


def grant_to_fhir(grant: Grant, *, status: str, names: dict[str, str] | None = None) -> dict:
    """``status`` is the grant's status now (``active|scheduled|expired|revoked``)."""
    names = names or {}
    recipient = _reference(grant.recipient.kind, grant.recipient.value, names.get(grant.recipient.value))
    actors = [{"role": {"coding": [{"system": PARTICIPATION, "code": "IRCP"}]}, "reference": recipient}]
    if grant.discloser is not None:
        actors.append(
            {
                "role": {"coding": [{"system": PARTICIPATION, "code": "AUT"}]},
                "reference": _reference(grant.discloser.kind, grant.discloser.value, names.get(grant.discloser.value)),
            }
        )
    period = {"start": _when(grant.valid_from), "end": _when(grant.valid_to)}
    resource = {
        "resourceType": "Consent",
        "id": grant.grant_id,
        "status": "active" if status in ("active", "scheduled") else "inactive",
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}
        ],
        "subject": {"reference": f"Patient/{grant.subject_id}"},
        "date": grant.granted_at.date().isoformat(),
        "period": period,
        "grantor": [{"reference": f"Patient/{grant.subject_id}"}],
        "grantee": [recipient],
        "regulatoryBasis": [{"text": "GDPR Art. 6(1)(a) and 9(2)(a): explicit consent"}],
        "decision": "permit",
        "provision": [
            {
                "period": period,
                "actor": actors,
                "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "disclose"}]}],
                "purpose": [
                    {"system": PURPOSE_SYSTEM, "code": p.value, "display": PURPOSE_LABELS[p][1]}
                    for p in sorted(grant.purposes)
                ],
                "code": [
                    {"coding": [{"system": CATEGORY_SYSTEM, "code": c.value, "display": CATEGORY_LABELS[c][1]}]}
                    for c in sorted(grant.categories)
                ],
            }
        ],
    }
    if grant.revoked_at is not None:
        resource["extension"] = [{"url": REVOKED_AT_URL, "valueDateTime": _when(grant.revoked_at)}]
    return resource
