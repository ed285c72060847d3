"""The real consent service on a real database, against a plain dict model.

Rules grant / revoke / let time pass / disclose run in any order; invariants: the
service and the model agree on every decision, and each disclosure adds exactly one
log row.

One rule races a withdrawal against a disclosure decision: two threads, two sessions
on the same database, let through to BEGIN together so either may get the writers'
lock first.  Its invariant: the decision's logged outcome agrees with the order the
employee's log shows (a permit on the grant only if ordered before the withdrawal and
stamped no later; a denial only after it), whichever thread won (issue 10).
"""

from __future__ import annotations

import tempfile
import threading
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import event, func
from sqlmodel import Session, select

from consent.audit import AuditTag
from consent.config import ConsentConfig
from consent.models import DisclosureLogEntry
from consent.rules import load_rules
from consent.schemas import GrantCreate, PartyIn
from consent.service import ConsentService
from consent.types import Category, PartyKind, Purpose
from directory import service as directory
from directory.columns import utcnow
from directory.schemas import ActorCreate
from directory.types import RelationKind, Role
from tests.support.log_order import entries_in_log_order, position
from tests.support.postgres import fresh_database_url
from web.database import make_engine, migrate, writer

CATEGORIES = [Category.FUNCTIONAL_ABILITY, Category.DIAGNOSIS, Category.WORK_TASKS]
PURPOSES = [Purpose.WORKPLACE_ADAPTATION, Purpose.DIALOGUE_MEETING]


RACE_WAIT = 60  # seconds: generous for a loaded 2-core machine


def _race_gate(connection) -> None:
    # As a session gets its connection, before BEGIN (and so before the writers' lock):
    # a session on an engine with a ``race_gate`` barrier waits here for the other racer.
    gate = connection.get_execution_options().get("race_gate")
    if gate is not None:
        gate.wait()


@cache
def _engine():
    url = fresh_database_url(tempfile.mkdtemp(prefix="samband-machine-"), "machine.db")
    migrate(url)
    engine = make_engine(url)
    event.listen(engine, "engine_connect", _race_gate)
    return writer(engine)


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
        # Only the race rule's grants name her, so nothing else can permit her.
        self.raced = directory.register_actor(self.session, ActorCreate(name="Raced Manager", role=Role.NEAREST_MANAGER))
        self.model: dict[str, dict] = {}
        self.races: list[tuple[str, int]] = []  # (grant id, log seq of the decision raced against its withdrawal)

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

    @rule(category=st.sampled_from(CATEGORIES), purpose=st.sampled_from(PURPOSES))
    def revoke_while_disclosing(self, category, purpose):
        """On the real clock: a fresh grant, then its withdrawal and a decision resting
        on it at the same time, in two threads with their own sessions."""
        grant = self.service.grant(self.session, self.employee, GrantCreate(
            recipient=PartyIn(kind=PartyKind.PERSON, id=self.raced.id), categories=[category], purposes=[purpose],
            valid_to=utcnow() + timedelta(days=1)))
        self.session.commit()  # grant() read the state back: let go of the writers' lock
        gated = _engine().execution_options(race_gate=threading.Barrier(2, timeout=RACE_WAIT))
        done, failed = {}, []

        def revoke():
            with Session(gated, expire_on_commit=False) as s:
                done["revoked"] = self.service.revoke(s, self.employee, grant.grant_id)

        def disclose():
            with Session(gated, expire_on_commit=False) as s:
                done["decided"] = self.service.authorize_disclosure(
                    s, actor=self.gp, subject_id=self.employee.id, sender=self.gp, recipient=self.raced,
                    category=category, purpose=purpose)
                s.commit()

        def run(job):
            try:
                job()
            except BaseException as exc:  # re-raised in the test's thread below
                failed.append(exc)

        racers = [threading.Thread(target=run, args=(job,)) for job in (revoke, disclose)]
        for t in racers:
            t.start()
        for t in racers:
            t.join(2 * RACE_WAIT)
        assert not any(t.is_alive() for t in racers), "a racer is stuck"
        if failed:
            raise failed[0]
        self.model[grant.grant_id] = {"to": self.raced.id, "cats": {category}, "purposes": {purpose},
                                      "until": grant.valid_to, "revoked": True}
        self.races.append((grant.grant_id, done["decided"][1]))

    @invariant()
    def raced_decisions_agree_with_the_log(self):
        if not getattr(self, "races", None):
            return
        log = entries_in_log_order(self.session, self.employee.id)
        for grant_id, seq in self.races:
            decision = self.session.get(DisclosureLogEntry, seq)
            withdrawal = next(e for e in log if e.tag == AuditTag.GRANT_REVOKED and e.basis_ref == grant_id)
            before = position(log, decision) < position(log, withdrawal)
            if decision.outcome == "permit":
                assert decision.basis_ref == grant_id
                assert before, "permitted on a grant whose withdrawal the log shows first"
                assert decision.occurred_at <= withdrawal.occurred_at, "permit stamped after the withdrawal"
            else:
                assert decision.reason.startswith("revoked"), decision.reason
                assert not before, "refused as withdrawn before the log shows the withdrawal"
                assert decision.occurred_at >= withdrawal.occurred_at, "refusal stamped before the withdrawal"

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
