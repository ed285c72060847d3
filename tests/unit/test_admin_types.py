"""The identifiers an operator types (issue 12): NAV idents, and a role for operators."""

from __future__ import annotations

import pytest

from directory.types import HEALTH_PERSONNEL, NAV_ROLES, Role, parse_nav_ident


@pytest.mark.parametrize("value,expected", [("Z123456", "Z123456"), (" a654321 ", "A654321")])
def test_a_nav_ident_is_one_letter_and_six_digits(value, expected):
    assert parse_nav_ident(value) == expected


@pytest.mark.parametrize("value", ["", "Z12345", "Z1234567", "123456Z", "ZZ23456", "Æ123456", "Z12345 6"])
def test_anything_else_is_refused_with_an_example(value):
    with pytest.raises(ValueError, match="Z123456"):
        parse_nav_ident(value)


def test_an_operator_is_neither_health_personnel_nor_nav():
    assert Role("operator") is Role.OPERATOR
    assert Role.OPERATOR not in HEALTH_PERSONNEL | NAV_ROLES
