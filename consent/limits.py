"""What an employer may not ask the employee to share — the one place this is decided.

The employer follows up the sick leave through function, not diagnosis: the sick note's
employer part has no diagnosis, and health information is special-category personal
data that the employer has no right to demand (DOMAIN.md, "Function, not diagnosis";
personopplysningsloven / GDPR art. 9, arbeidsmiljøloven § 4-6 asks about function and
adaptation, not illness).  So people on the employer side of a case — nearest manager,
HR, union representative — cannot *request* these categories, and no consent request
may ask for them to be shared *with* the employer side.  The employee may still choose
to share anything on their own (a grant they make themselves); only the asking is off.

``EMPLOYER_MAY_NOT_ASK`` maps each such category to a stable reason code; the portal
shows the reason in words (``web/i18n.py``: ``limit.<code>``) and leaves the category
out of what an employer can ask for.
"""

from __future__ import annotations

from collections.abc import Iterable

from consent.types import Category
from directory.types import CaseRole, Role

# The employer side of a case: the people the employee works for or with.
EMPLOYER_ROLES: frozenset[Role] = frozenset({Role.NEAREST_MANAGER, Role.HR, Role.UNION_REPRESENTATIVE})
EMPLOYER_CASE_ROLES: frozenset[CaseRole] = frozenset({CaseRole.NEAREST_MANAGER, CaseRole.HR, CaseRole.UNION_REPRESENTATIVE})

EMPLOYER_MAY_NOT_ASK: dict[Category, str] = {
    Category.DIAGNOSIS: "health_not_for_employer",  # diagnosis, test results, medical history
    Category.PSYCHOSOCIAL: "private_life_not_for_employer",  # personal and psychosocial context
}

# In English for API clients; the portal translates by code.
REASONS: dict[str, str] = {
    "health_not_for_employer": (
        "an employer may not ask for the diagnosis, test results or medical history: the employer "
        "follows up through function and work tasks, and only the employee may choose to share more"
    ),
    "private_life_not_for_employer": (
        "an employer may not ask about the employee's personal and psychosocial circumstances; "
        "only the employee may choose to share them"
    ),
}


def is_employer_side(role: str | Role | None) -> bool:
    return role is not None and str(role) in {r.value for r in EMPLOYER_ROLES}


def refused_for_employer(categories: Iterable[Category | str]) -> dict[Category, str]:
    """The categories among ``categories`` an employer may not ask for, with their reason code."""
    return {Category(c): EMPLOYER_MAY_NOT_ASK[Category(c)] for c in categories if Category(c) in EMPLOYER_MAY_NOT_ASK}
