"""The retention rule file (messaging/rules/retention-*.toml): who may end a case for
which reason, the period and its basis, and that a broken file is refused plainly."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from messaging.caselife import EndReason, Side, may_end, parse_retention, rules
from messaging.rules import RULES_DIR


def _actor(role: str):
    return SimpleNamespace(role=role)


def test_the_shipped_rules_keep_content_a_year_and_name_their_basis():
    r = rules()
    assert r.version == "2026-01" and r.content_days_after_end == 365 and r.warn_days == 30
    assert "pasientjournalforskriften" in r.basis and "5(1)(e)" in r.basis
    assert r.purge_on(date(2026, 12, 3)) == date(2027, 12, 3)
    assert set(r.ends) == set(EndReason)
    assert r.ends[EndReason.BACK_AT_WORK].closers == (Side.NAV, Side.EMPLOYER)
    assert r.ends[EndReason.BENEFIT_ENDED_52_WEEKS].law == "folketrygdloven § 8-12"


@pytest.mark.parametrize(("role", "reason", "may"), [
    ("nav_adviser", EndReason.BENEFIT_ENDED_52_WEEKS, True),
    ("ia_contact", EndReason.OTHER, True),
    ("nearest_manager", EndReason.BACK_AT_WORK, True),
    ("hr", EndReason.BACK_AT_WORK, True),
    ("nearest_manager", EndReason.NEW_EMPLOYER, False),
    ("union_representative", EndReason.BACK_AT_WORK, False),
    ("gp", EndReason.BACK_AT_WORK, False),
    ("employee", EndReason.BACK_AT_WORK, False),
])
def test_nav_ends_any_case_and_the_employer_only_when_he_is_back_at_work(role, reason, may):
    assert may_end(_actor(role), reason) is may


def test_a_rule_file_without_every_reason_or_with_a_bad_period_is_refused():
    text = (RULES_DIR / "retention-2026-01.toml").read_text(encoding="utf-8")
    without_other = text[:text.rindex("[[end_reason]]")]
    with pytest.raises(ValueError, match="no rule for end reason"):
        parse_retention(without_other)
    with pytest.raises(ValueError, match="content_days_after_end"):
        parse_retention(text.replace("content_days_after_end = 365", "content_days_after_end = 0"))
    with pytest.raises(ValueError):
        parse_retention(text.replace('closers = ["nav"]\nlaw', 'closers = ["gp"]\nlaw'))
