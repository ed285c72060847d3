"""Invariants of the pure decision function, over generated grants and requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consent.policy import decide
from consent.rules import load_rules
from consent.types import (
    ActorFacts,
    BasisKind,
    Category,
    Deny,
    Direction,
    DisclosureRequest,
    Exclusion,
    Grant,
    NavRequest,
    Party,
    PartyKind,
    Permit,
    Purpose,
)
from directory.types import CaseRole, Role

SUBJECT = "00000000-0000-4000-8000-000000000000"
ACTORS = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 6)]
ORGS = ["org-a", "org-b", "org-c"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)

times = st.integers(min_value=0, max_value=400 * 24).map(lambda h: T0 + timedelta(hours=h))
categories = st.sampled_from(list(Category))
purposes = st.sampled_from(list(Purpose))


@st.composite
def actor_facts(draw, actor_id=None):
    return ActorFacts(
        actor_id=actor_id or draw(st.sampled_from(ACTORS)),
        role=draw(st.sampled_from([r for r in Role if r is not Role.EMPLOYEE])),
        organisation_ids=frozenset(draw(st.sets(st.sampled_from(ORGS), max_size=2))),
        case_roles=frozenset(draw(st.sets(st.sampled_from(list(CaseRole)), max_size=2))),
    )


parties = st.one_of(
    st.builds(Party, st.just(PartyKind.PERSON), st.sampled_from(ACTORS)),
    st.builds(Party, st.just(PartyKind.ORGANISATION), st.sampled_from(ORGS)),
    st.builds(Party, st.just(PartyKind.ROLE), st.sampled_from([r.value for r in CaseRole])),
)


@st.composite
def requests(draw):
    sender = draw(actor_facts())
    recipient = draw(actor_facts())
    return DisclosureRequest(
        subject_id=SUBJECT, sender=sender, recipient=recipient, category=draw(categories),
        purpose=draw(purposes), at=draw(times), case_id=draw(st.sampled_from([None, "case-1", "case-2"])),
    )


@st.composite
def grants(draw):
    start = draw(times)
    discloser = draw(st.one_of(st.none(), parties))
    return Grant(
        grant_id=f"grant-{draw(st.integers(0, 10_000))}",
        subject_id=SUBJECT,
        recipient=draw(parties),
        discloser=discloser,
        direction=Direction.BOTH if discloser is not None and draw(st.booleans()) else Direction.ONE_WAY,
        categories=frozenset(draw(st.sets(categories, min_size=1))),
        purposes=frozenset(draw(st.sets(purposes, min_size=1))),
        valid_from=start,
        valid_to=start + timedelta(hours=draw(st.integers(1, 24 * 366))),
        granted_at=start,
        case_id=draw(st.sampled_from([None, "case-1"])),
        revoked_at=draw(st.one_of(st.none(), times)),
    )


def covering_grant(request: DisclosureRequest, **changes) -> Grant:
    """A grant made to measure for ``request``: names the recipient, active at ``at``."""
    grant = Grant(
        grant_id="the-grant",
        subject_id=SUBJECT,
        recipient=Party(PartyKind.PERSON, request.recipient.actor_id),
        categories=frozenset({request.category}),
        purposes=frozenset({request.purpose}),
        valid_from=request.at - timedelta(days=1),
        valid_to=request.at + timedelta(days=1),
        granted_at=request.at - timedelta(days=1),
    )
    return replace(grant, **changes)


RULES = load_rules()


@settings(max_examples=300)
@given(requests())
def test_no_basis_means_deny(request):
    assert isinstance(decide(request), Deny)


@settings(max_examples=300)
@given(requests(), st.lists(grants(), max_size=6))
def test_permit_always_names_an_applicable_grant(request, gs):
    decision = decide(request, grants=gs)
    if isinstance(decision, Permit):
        assert decision.basis.kind is BasisKind.CONSENT
        grant = next(g for g in gs if g.grant_id == decision.basis.ref)
        assert request.category in grant.categories and request.purpose in grant.purposes
        assert grant.valid_from <= request.at < grant.valid_to
        assert grant.revoked_at is None or request.at < grant.revoked_at


@settings(max_examples=300)
@given(requests(), st.integers(min_value=0, max_value=24 * 30))
def test_revoked_grant_denies_from_the_revocation_on(request, hours_before):
    revoked_at = request.at - timedelta(hours=hours_before)
    grant = covering_grant(request, revoked_at=revoked_at, valid_from=revoked_at - timedelta(days=2))
    assert isinstance(decide(request, grants=[grant]), Deny)
    # ...and permitted just before the revocation.
    before = replace(request, at=revoked_at - timedelta(microseconds=1))
    assert isinstance(decide(before, grants=[grant]), Permit)


@settings(max_examples=300)
@given(requests(), categories, purposes)
def test_grant_for_one_category_or_purpose_never_permits_another(request, category, purpose):
    grant = covering_grant(request, categories=frozenset({category}), purposes=frozenset({purpose}))
    decision = decide(request, grants=[grant])
    if category != request.category or purpose != request.purpose:
        assert isinstance(decision, Deny)
    else:
        assert isinstance(decision, Permit) and decision.basis.ref == "the-grant"


@settings(max_examples=300)
@given(requests(), st.lists(grants(), max_size=6), st.sets(categories, max_size=3))
def test_exclusion_always_wins_over_consent(request, gs, excluded_categories):
    exclusion = Exclusion(
        exclusion_id="x", subject_id=SUBJECT, actor_id=request.recipient.actor_id,
        categories=frozenset(excluded_categories) | {request.category}, created_at=request.at - timedelta(hours=1),
    )
    gs = [*gs, covering_grant(request)]
    assert isinstance(decide(request, grants=gs, exclusions=[exclusion]), Deny)
    lifted = replace(exclusion, lifted_at=request.at)
    assert isinstance(decide(request, grants=gs, exclusions=[lifted]), Permit)


@settings(max_examples=200)
@given(requests(), times)
def test_expiry_is_monotone(request, later):
    grant = covering_grant(request)
    if isinstance(decide(replace(request, at=max(later, request.at)), grants=[grant]), Permit):
        assert isinstance(decide(request, grants=[grant]), Permit)


@settings(max_examples=200)
@given(requests(), st.lists(grants(), max_size=4))
def test_statutory_basis_holds_without_consent_and_despite_revocation(request, gs):
    gp = replace(request.sender, role=Role.GP)
    nav = replace(request.recipient, role=Role.NAV_ADVISER)
    asked = NavRequest(
        request_id="r1", subject_id=SUBJECT, requester_id=nav.actor_id, requester_organisation_id=None,
        addressee_id=gp.actor_id, categories=frozenset({Category.DIAGNOSIS}),
        purpose=Purpose.NAV_BENEFIT_ASSESSMENT, created_at=request.at - timedelta(days=1),
        expires_at=request.at + timedelta(days=30),
    )
    flow = replace(request, sender=gp, recipient=nav, category=Category.DIAGNOSIS, purpose=Purpose.NAV_BENEFIT_ASSESSMENT)
    revoked = [replace(g, revoked_at=request.at - timedelta(hours=1)) for g in gs]
    decision = decide(flow, grants=revoked, rules=RULES, nav_requests=[asked])
    if gp.actor_id != nav.actor_id:
        assert isinstance(decision, Permit) and decision.basis.kind is BasisKind.STATUTORY
        assert decision.basis.text == "folketrygdloven § 21-4"
        # Without NAV's request there is no statutory basis.
        assert not (isinstance(d := decide(flow, grants=revoked, rules=RULES), Permit) and d.basis.kind is BasisKind.STATUTORY)
