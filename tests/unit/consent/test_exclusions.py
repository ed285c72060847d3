"""The one exclusion matcher (``consent.policy.excluded_by``): a person, or everyone at an
organisation except named people; in force from its making until it is lifted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consent.policy import decide, excluded_by
from consent.types import ActorFacts, Category, DenyReason, DisclosureRequest, Exclusion, Purpose
from directory.types import Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KARI = ActorFacts("kari", Role.HR, frozenset({"nordlys"}))
LISE = ActorFacts("lise", Role.NEAREST_MANAGER, frozenset({"nordlys"}))
VOLD = ActorFacts("vold", Role.BHT_PHYSICIAN, frozenset({"bht", "nordlys"}))  # a member by membership
GP = ActorFacts("solberg", Role.GP, frozenset({"legesenter"}))


def org(*, but: frozenset[str] = frozenset(), categories=frozenset(), lifted=None) -> Exclusion:
    return Exclusion("x1", "hansen", None, categories, T0, lifted, organisation_id="nordlys", except_ids=but)


def test_everyone_at_the_organisation_but_the_exceptions():
    rule = [org(but=frozenset({"lise"}))]
    at = T0 + timedelta(hours=1)
    assert excluded_by(rule, "hansen", KARI, Category.SICK_LEAVE, at) is rule[0]
    assert excluded_by(rule, "hansen", VOLD, Category.SICK_LEAVE, at) is rule[0]
    assert excluded_by(rule, "hansen", LISE, Category.SICK_LEAVE, at) is None
    assert excluded_by(rule, "hansen", GP, Category.SICK_LEAVE, at) is None


def test_in_force_from_its_making_until_lifted_and_only_for_its_categories():
    lifted = org(lifted=T0 + timedelta(days=1), categories=frozenset({Category.DIAGNOSIS}))
    assert excluded_by([lifted], "hansen", KARI, Category.DIAGNOSIS, T0 - timedelta(seconds=1)) is None
    assert excluded_by([lifted], "hansen", KARI, Category.DIAGNOSIS, T0 + timedelta(hours=1)) is lifted
    assert excluded_by([lifted], "hansen", KARI, Category.SICK_LEAVE, T0 + timedelta(hours=1)) is None
    assert excluded_by([lifted], "hansen", KARI, Category.DIAGNOSIS, T0 + timedelta(days=2)) is None
    assert excluded_by([lifted], "nina", KARI, Category.DIAGNOSIS, T0 + timedelta(hours=1)) is None


def test_a_person_exclusion_names_one_person():
    one = [Exclusion("x2", "hansen", "kari", frozenset(), T0)]
    assert excluded_by(one, "hansen", KARI, Category.WORK_TASKS, T0) is one[0]
    assert excluded_by(one, "hansen", LISE, Category.WORK_TASKS, T0) is None


def test_the_decision_uses_the_same_matcher():
    request = DisclosureRequest("hansen", GP, KARI, Category.WORK_TASKS, Purpose.WORKPLACE_ADAPTATION,
                                T0 + timedelta(hours=1))
    denied = decide(request, exclusions=[org(but=frozenset({"lise"}))])
    assert not denied.permitted and denied.reason is DenyReason.EXCLUDED
