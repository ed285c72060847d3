"""The real consent service on a real database, against a plain dict model.

Rules grant / revoke / let time pass / disclose run in any order; invariants: the
service and the model agree on every decision, and each disclosure adds exactly one
log row.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func
from sqlmodel import Session, select

from consent.audit import AuditTag
from consent.config import ConsentConfig
from consent.models import DisclosureLogEntry
from consent.rules import load_rules
from consent.schemas import GrantCreate, PartyIn
from consent.service import ConsentService
from consent.types import Category, PartyKind, Purpose
from directory import service as directory
from directory.schemas import ActorCreate
from directory.types import RelationKind, Role
from tests.support.postgres import fresh_database_url
from web.database import make_engine, migrate, writer

CATEGORIES = [Category.FUNCTIONAL_ABILITY, Category.DIAGNOSIS, Category.WORK_TASKS]
PURPOSES = [Purpose.WORKPLACE_ADAPTATION, Purpose.DIALOGUE_MEETING]


@cache
def _engine():
    url = fresh_database_url(tempfile.mkdtemp(prefix="samband-machine-"), "machine.db")
    migrate(url)
    return writer(make_engine(url))


class ConsentMachine(RuleBasedStateMachine):
    grants = Bundle("grants")

    @initialize()
    def setup(self):
        self.session = Session(_engine(), expire_on_commit=False)
        self.service = ConsentService(ConsentConfig(), load_rules())
        self.now = datetime(2026, 3, 3, 9, tzinfo=UTC)
        self.employee = directory.register_actor(self.session, ActorCreate(name="Test Employee", role=Role.EMPLOYEE))
        self.gp = directory.register_actor(self.session, ActorCreate(name="Test GP", role=Role.GP, hpr_number="9999999"))
        self.recipients = [
            directory.register_actor(self.session, ActorCreate(name=f"Manager {i}", role=Role.NEAREST_MANAGER))
            for i in range(3)
        ]
        directory.add_relation(self.session, RelationKind.GP_OF, self.gp.id, to_actor_id=self.employee.id,
                               valid_from=self.now - timedelta(days=1))
        self.model: dict[str, dict] = {}

    def teardown(self):
        self.session.close()

    def _log_rows(self) -> int:
        return self.session.exec(select(func.count()).select_from(DisclosureLogEntry)).one()

    @rule(target=grants, who=st.integers(0, 2), cats=st.sets(st.sampled_from(CATEGORIES), min_size=1),
          purposes=st.sets(st.sampled_from(PURPOSES), min_size=1), days=st.integers(1, 60))
    def grant(self, who, cats, purposes, days):
        recipient = self.recipients[who]
        data = GrantCreate(
            recipient=PartyIn(kind=PartyKind.PERSON, id=recipient.id), categories=sorted(cats),
            purposes=sorted(purposes), valid_to=self.now + timedelta(days=days),
        )
        grant = self.service.grant(self.session, self.employee, data, now=self.now)
        self.model[grant.grant_id] = {"to": recipient.id, "cats": cats, "purposes": purposes,
                                      "until": self.now + timedelta(days=days), "revoked": False}
        return grant.grant_id

    @rule(grant_id=grants)
    def revoke(self, grant_id):
        self.service.revoke(self.session, self.employee, grant_id, now=self.now)
        self.model[grant_id]["revoked"] = True

    @rule(days=st.integers(0, 30), hours=st.integers(0, 23))
    def time_passes(self, days, hours):
        self.now += timedelta(days=days, hours=hours, seconds=1)

    @rule(who=st.integers(0, 2), category=st.sampled_from(CATEGORIES), purpose=st.sampled_from(PURPOSES))
    def disclose(self, who, category, purpose):
        recipient = self.recipients[who]
        rows_before = self._log_rows()
        decision, seq = self.service.authorize_disclosure(
            self.session, actor=self.gp, subject_id=self.employee.id, sender=self.gp, recipient=recipient,
            category=category, purpose=purpose, at=self.now,
        )
        self.session.commit()
        expected = any(
            g["to"] == recipient.id and category in g["cats"] and purpose in g["purposes"]
            and not g["revoked"] and self.now < g["until"]
            for g in self.model.values()
        )
        assert decision.permitted == expected, (decision, self.model)
        assert self._log_rows() == rows_before + 1
        entry = self.session.get(DisclosureLogEntry, seq)
        assert entry.tag == (AuditTag.DECISION_GRANTED if expected else AuditTag.DECISION_DENIED).value

    @invariant()
    def state_matches_model(self):
        if not hasattr(self, "service"):
            return
        grants, _ = self.service.state(self.session, self.employee.id)
        assert set(grants) == set(self.model)
        assert {gid for gid, g in grants.items() if g.revoked_at is not None} == {
            gid for gid, g in self.model.items() if g["revoked"]
        }


ConsentMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestConsentService = ConsentMachine.TestCase
