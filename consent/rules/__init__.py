"""Loading of versioned statutory rule data (TOML files in this folder)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from consent.types import Category, Purpose, Requirement, StatutoryRule
from directory.types import Role

RULES_DIR = Path(__file__).parent


def _day(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def parse_rules(text: str) -> tuple[StatutoryRule, ...]:
    data = tomllib.loads(text)
    version = data["version"]
    return tuple(
        StatutoryRule(
            rule_id=r["id"],
            version=version,
            law=r["law"],
            title=r["title"],
            sender_roles=frozenset(Role(x) for x in r["sender_roles"]),
            recipient_roles=frozenset(Role(x) for x in r["recipient_roles"]),
            categories=frozenset(Category(x) for x in r["categories"]),
            purposes=frozenset(Purpose(x) for x in r["purposes"]),
            valid_from=_day(r["valid_from"]),
            valid_to=_day(r["valid_to"]) if "valid_to" in r else None,
            requires=Requirement(r["requires"]) if "requires" in r else None,
        )
        for r in data["rule"]
    )


@cache
def load_rules(path: Path | None = None) -> tuple[StatutoryRule, ...]:
    """The rule set in ``path``, or the newest file here (names sort by version)."""
    if path is None:
        path = sorted(RULES_DIR.glob("statutory-*.toml"))[-1]
    return parse_rules(Path(path).read_text(encoding="utf-8"))
