"""Loading of versioned milestone rule data (TOML files in this folder)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from messaging.timeline import Condition, MilestoneKind, MilestoneRule, Responsible

RULES_DIR = Path(__file__).parent

# offset key -> (days per unit, days to subtract): "within" is due on the last day of
# the period, "after" on the day after it (see the header of the rule file).
_OFFSETS = {
    "within_weeks": (7, 1),
    "within_days": (1, 1),
    "after_weeks": (7, 0),
    "after_days": (1, 0),
}
_KEYS = {
    "code", "title_nb", "title_en", "kind", "responsible", "condition",
    "remind_days", "law", "source", "note", *_OFFSETS,
}


def _rule(raw: dict, version: str) -> MilestoneRule:
    code = raw.get("code", "?")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ValueError(f"milestone {code}: unknown key(s) {', '.join(unknown)}")
    offsets = [key for key in _OFFSETS if key in raw]
    if len(offsets) != 1:
        raise ValueError(f"milestone {code}: give exactly one of {', '.join(_OFFSETS)}")
    key = offsets[0]
    amount = raw[key]
    if not isinstance(amount, int) or amount < 1:
        raise ValueError(f"milestone {code}: {key} must be a positive whole number")
    unit, minus = _OFFSETS[key]
    remind = raw.get("remind_days")
    if remind is not None and (not isinstance(remind, int) or remind < 1):
        raise ValueError(f"milestone {code}: remind_days must be a positive whole number")
    try:
        return MilestoneRule(
            code=raw["code"],
            version=version,
            title_nb=raw["title_nb"],
            title_en=raw["title_en"],
            offset=f"{key} = {amount}",
            due_offset_days=amount * unit - minus,
            kind=MilestoneKind(raw["kind"]),
            responsible=tuple(Responsible(x) for x in raw["responsible"]),
            condition=Condition(raw["condition"]),
            remind_days=remind,
            law=raw.get("law"),
            source=raw.get("source"),
            note=raw.get("note"),
        )
    except KeyError as missing:
        raise ValueError(f"milestone {code}: missing key {missing}") from None


def parse_rules(text: str) -> tuple[MilestoneRule, ...]:
    data = tomllib.loads(text)
    version = data["version"]
    rules = tuple(_rule(raw, version) for raw in data["milestone"])
    codes = [rule.code for rule in rules]
    if len(codes) != len(set(codes)):
        raise ValueError(f"milestone rules {version}: duplicate codes in {codes}")
    return rules


@cache
def load_rules(path: Path | None = None) -> tuple[MilestoneRule, ...]:
    """The rule set in ``path``, or the newest file here (names sort by version)."""
    if path is None:
        path = sorted(RULES_DIR.glob("milestones-*.toml"))[-1]
    return parse_rules(Path(path).read_text(encoding="utf-8"))


# --- the case's end and retention (retention-*.toml) ---------------------------------


def load_retention(path: Path | None = None):
    """The retention rule set in ``path``, or the newest ``retention-*.toml`` here."""
    from messaging.caselife import parse_retention

    if path is None:
        path = sorted(RULES_DIR.glob("retention-*.toml"))[-1]
    return parse_retention(Path(path).read_text(encoding="utf-8"))
