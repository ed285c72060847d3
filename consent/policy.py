"""The decision: may this information flow, and on what basis?

Pure: no I/O, no database, no clock — the caller passes everything, including ``at``.

Order of evaluation, and why:

1. The subject's own flows (they send, or they receive) need no basis beyond that.
2. Statutory rules come before exclusions and revocations: a legal duty (e.g. the GP's
   duty to answer NAV under folketrygdloven § 21-4) is not lifted by withdrawing
   consent, and the product must not pretend it is.  Such flows are logged and shown
   to the employee with the law as basis.
3. An exclusion of the recipient ("never my manager X") beats every consent grant.
4. A consent grant permits only its own categories, purposes, parties, case and period,
   and only before its revocation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from consent.types import (
    ActorFacts,
    Basis,
    BasisKind,
    Category,
    Decision,
    Deny,
    DenyReason,
    Direction,
    DisclosureRequest,
    Exclusion,
    Grant,
    NavRequest,
    NavSummons,
    Party,
    PartyKind,
    Permit,
    Requirement,
    StatutoryRule,
)


def party_matches(party: Party, actor: ActorFacts) -> bool:
    if party.kind is PartyKind.PERSON:
        return party.value == actor.actor_id
    if party.kind is PartyKind.ORGANISATION:
        return party.value in actor.organisation_ids
    return party.value in actor.case_roles


def _grant_covers_parties(grant: Grant, sender: ActorFacts, recipient: ActorFacts) -> bool:
    forward = party_matches(grant.recipient, recipient) and (
        grant.discloser is None or party_matches(grant.discloser, sender)
    )
    if forward:
        return True
    return (
        grant.direction is Direction.BOTH
        and grant.discloser is not None
        and party_matches(grant.recipient, sender)
        and party_matches(grant.discloser, recipient)
    )


def _grant_covers(grant: Grant, request: DisclosureRequest) -> bool:
    """Everything but time: subject, category, purpose, case and parties."""
    return (
        grant.subject_id == request.subject_id
        and request.category in grant.categories
        and request.purpose in grant.purposes
        and (grant.case_id is None or grant.case_id == request.case_id)
        and _grant_covers_parties(grant, request.sender, request.recipient)
    )


def _nav_request_open(req: NavRequest, request: DisclosureRequest) -> bool:
    return (
        req.subject_id == request.subject_id
        and req.addressee_id == request.sender.actor_id
        and (
            req.requester_id == request.recipient.actor_id
            or (
                req.requester_organisation_id is not None
                and req.requester_organisation_id in request.recipient.organisation_ids
            )
        )
        and request.category in req.categories
        and req.purpose == request.purpose
        and req.created_at <= request.at < req.expires_at
    )


def _summons_open(summons: NavSummons, request: DisclosureRequest) -> bool:
    return (
        summons.subject_id == request.subject_id
        and summons.convener_id == request.sender.actor_id
        and request.recipient.actor_id in summons.invitee_ids
        and summons.created_at <= request.at < summons.expires_at
    )


def possible_statutory(request: DisclosureRequest, rules: Iterable[StatutoryRule]) -> tuple[StatutoryRule, str] | None:
    """A rule that needs NAV's request and would cover this flow once NAV asks: the
    rule, and whose act it waits for — ``"await_nav_request"`` when the sender is the
    one NAV must ask, ``"send_nav_request"`` when the sender is NAV and the flow runs
    the other way in the rule (NAV asks with a request, which the law lets it send).

    For the missing-basis box: where the law can apply, say so, not "ask for consent".
    """
    for rule in rules:
        if rule.requires is not Requirement.NAV_REQUEST or not (
            rule.valid_from <= request.at and (rule.valid_to is None or request.at < rule.valid_to)
        ) or request.category not in rule.categories:
            continue
        if (request.sender.role in rule.sender_roles and request.recipient.role in rule.recipient_roles
                and request.purpose in rule.purposes):
            return rule, "await_nav_request"
        if request.recipient.role in rule.sender_roles and request.sender.role in rule.recipient_roles:
            return rule, "send_nav_request"
    return None


def statutory_basis(
    request: DisclosureRequest, rules: Iterable[StatutoryRule], nav_requests: Iterable[NavRequest],
    summonses: Iterable[NavSummons] = (),
) -> tuple[StatutoryRule, NavRequest | NavSummons | None] | None:
    nav_requests = tuple(nav_requests)
    summonses = tuple(summonses)
    for rule in rules:
        if not (
            rule.valid_from <= request.at
            and (rule.valid_to is None or request.at < rule.valid_to)
            and request.sender.role in rule.sender_roles
            and request.recipient.role in rule.recipient_roles
            and request.category in rule.categories
            and request.purpose in rule.purposes
        ):
            continue
        if rule.requires is None:
            return rule, None
        if rule.requires is Requirement.NAV_REQUEST:
            for req in nav_requests:
                if _nav_request_open(req, request):
                    return rule, req
        if rule.requires is Requirement.NAV_SUMMONS:
            for summons in summonses:
                if _summons_open(summons, request):
                    return rule, summons
    return None


def excluded_by(
    exclusions: Iterable[Exclusion], subject_id: str, actor: ActorFacts, category: Category, at: datetime
) -> Exclusion | None:
    """The subject's exclusion in force at ``at`` that keeps ``category`` from ``actor``:
    one naming the person, or one naming an organisation the actor belongs to (its own
    or by membership) without naming the actor among its exceptions."""
    for exclusion in exclusions:
        if exclusion.actor_id is not None:
            names = exclusion.actor_id == actor.actor_id
        else:
            names = exclusion.organisation_id in actor.organisation_ids and actor.actor_id not in exclusion.except_ids
        if (
            names
            and exclusion.subject_id == subject_id
            and exclusion.created_at <= at
            and (exclusion.lifted_at is None or at < exclusion.lifted_at)
            and (not exclusion.categories or category in exclusion.categories)
        ):
            return exclusion
    return None


def _day(dt) -> str:
    return dt.date().isoformat()


def decide(
    request: DisclosureRequest,
    *,
    grants: Iterable[Grant] = (),
    exclusions: Iterable[Exclusion] = (),
    rules: Iterable[StatutoryRule] = (),
    nav_requests: Iterable[NavRequest] = (),
    summonses: Iterable[NavSummons] = (),
) -> Decision:
    """Permit with the basis that allows the flow, or deny with the reason.

    Args:
        request: who gives whom what, about whom, why, and when.
        grants: the subject's grants, as derived from the event history.
        exclusions: the subject's exclusions.
        rules: statutory rules in force (versioned rule data).
        nav_requests: NAV's information requests about the subject.
        summonses: NAV's calls to dialogue meetings 2 and 3 about the subject.

    Returns:
        ``Permit(basis)`` or ``Deny(reason, message)``; never raises for a well-typed
        request.
    """
    at = request.at
    if request.sender.actor_id == request.subject_id:
        return Permit(Basis(BasisKind.OWN, "subject", "you shared it yourself"))
    if request.recipient.actor_id == request.subject_id:
        return Permit(Basis(BasisKind.OWN, "subject", "information about yourself"))

    rules = tuple(rules)
    found = statutory_basis(request, rules, nav_requests, summonses)
    if found is not None:
        rule, act = found
        ref = f"{rule.rule_id}@{rule.version}"
        if isinstance(act, NavRequest):
            ref += f"/{act.request_id}"
        elif isinstance(act, NavSummons):
            ref += f"/{act.summons_id}"
        return Permit(Basis(BasisKind.STATUTORY, ref, rule.law))

    if excluded_by(exclusions, request.subject_id, request.recipient, request.category, at) is not None:
        return Deny(
            DenyReason.EXCLUDED,
            "the employee has excluded this recipient; no consent can override that",
        )

    near_miss: Deny | None = None
    for grant in grants:
        if not _grant_covers(grant, request):
            continue
        if grant.revoked_at is not None and grant.revoked_at <= at:
            near_miss = Deny(
                DenyReason.REVOKED,
                f"the employee withdrew this consent on {_day(grant.revoked_at)}",
            )
        elif at < grant.valid_from:
            near_miss = near_miss or Deny(
                DenyReason.NOT_YET_VALID,
                f"the employee's consent is valid from {_day(grant.valid_from)}",
            )
        elif at >= grant.valid_to:
            near_miss = near_miss or Deny(
                DenyReason.EXPIRED, f"the employee's consent expired on {_day(grant.valid_to)}"
            )
        else:
            return Permit(
                Basis(
                    BasisKind.CONSENT,
                    grant.grant_id,
                    f"the employee's consent of {_day(grant.granted_at)}",
                )
            )
    if near_miss is not None:
        return near_miss
    possible = possible_statutory(request, rules)
    if possible is not None:
        rule, act = possible
        if act == "await_nav_request":
            return Deny(
                DenyReason.NO_BASIS,
                f"{rule.law} gives a basis for sharing '{request.category.value}' with NAV once NAV has asked "
                f"you for it; NAV has not asked for this (yet)",
            )
        return Deny(
            DenyReason.NO_BASIS,
            f"no consent covers this; under {rule.law} NAV asks for '{request.category.value}' with a NAV "
            f"request (Forespørsel fra NAV), which the law lets you send",
        )
    return Deny(
        DenyReason.NO_BASIS,
        f"no consent from the employee and no statutory basis for sharing "
        f"'{request.category.value}' for '{request.purpose.value}' with this recipient; "
        f"ask the employee for consent",
    )
