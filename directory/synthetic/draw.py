"""Every random choice of a synthetic population, from one seeded generator.

Identifiers are valid but synthetic: national identity numbers use birth month + 80
(the convention of NAV's and Skatteetaten's test populations), so none can be a real
person's; organisation numbers carry a correct modulus-11 check digit.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from directory import types as t
from directory.synthetic.vocabulary import (
    DEPARTMENTS,
    GIVEN,
    INDUSTRIES,
    PLACE_WEIGHTS,
    PLACES,
    STREETS,
    SURNAMES,
    WORDS,
    K,
)

REFERENCE_TIME = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""Default "now" of a population: every relation is active at this time."""


class Draw:
    """Every random choice of one population, from one seeded generator."""

    def __init__(self, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.used: set[str] = set()

    def id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def place(self) -> str:
        return self.rng.choices(PLACES, cum_weights=PLACE_WEIGHTS)[0]

    def name(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (f" {r.choice(GIVEN)}" if r.random() < 0.2 else "")
        surname = r.choice(SURNAMES) + (f"-{r.choice(SURNAMES)}" if r.random() < 0.08 else "")
        return f"{given} {surname}"

    def past(self, min_days: float, max_days: float) -> datetime:
        return self.now - timedelta(seconds=int(self.rng.uniform(min_days, max_days) * 86400))

    def _unique(self, make: Callable[[], str | None]) -> str:
        while True:
            value = make()
            if value is not None and value not in self.used:
                self.used.add(value)
                return value

    def national_id(self) -> str:
        def make() -> str | None:
            year = self.rng.randint(1958, 2006)
            # Individual numbers 000-499 belong to 1900-1999 births, 500-999 to 2000-2039.
            ind = self.rng.randint(0, 499) if year < 2000 else self.rng.randint(500, 999)
            day, month = self.rng.randint(1, 28), self.rng.randint(1, 12) + 80
            return t.with_national_id_check_digits(f"{day:02d}{month:02d}{year % 100:02d}{ind:03d}")

        return self._unique(make)

    def org_number(self) -> str:
        return self._unique(lambda: t.with_org_number_check_digit(str(self.rng.randrange(80_000_000, 100_000_000))))

    def her_id(self) -> str:
        # Six digits, so a HER-id never equals a (seven-digit) HPR number.
        return self._unique(lambda: str(self.rng.randrange(100_000, 1_000_000)))

    def nav_unit_number(self) -> str:
        return self._unique(lambda: f"{self.rng.randrange(100, 10_000):04d}")

    def hpr_number(self) -> str:
        return self._unique(lambda: str(self.rng.randrange(1_000_000, 10_000_000)))


def organisation_name(d: Draw, kind: t.OrganisationKind, place: str) -> str:
    r = d.rng
    if kind is K.EMPLOYER:
        return r.choice((
            f"{r.choice(SURNAMES)} {r.choice(INDUSTRIES)} AS",
            f"{place} {r.choice(INDUSTRIES)} AS",
            f"{r.choice(WORDS)} {r.choice(INDUSTRIES)} ASA",
            f"{place} kommune",
        ))  # fmt: skip
    if kind is K.GP_OFFICE:
        return r.choice(
            (f"{place} legesenter", f"{r.choice(STREETS)} legekontor {place}", f"Legene på {r.choice(STREETS)}")
        )
    if kind is K.NAV_UNIT:
        return f"NAV {place}" + (f" {r.choice(STREETS)}" if r.random() < 0.5 else "")
    if kind is K.COMPANY_HEALTH_SERVICE:
        return r.choice((f"{place} BHT", f"{r.choice(WORDS)} Bedriftshelsetjeneste AS"))
    if kind is K.HOSPITAL_CLINIC:
        return f"Sykehuset {place}, {r.choice(DEPARTMENTS)}"
    if kind is K.DISTRICT_PSYCHIATRIC_CENTRE:
        return r.choice((f"{place} DPS", f"DPS {place}"))
    return r.choice(
        (f"{place} rehabiliteringssenter", f"Raskere tilbake {place}", f"{r.choice(WORDS)} Helsesportsenter")
    )
