"""The synthetic population and consent generators write valid, searchable, decidable data."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from consent.config import ConsentConfig
from consent.models import ConsentEvent
from consent.rules import load_rules
from consent.schemas import GrantCreate, PartyIn
from consent.service import ConsentService, fold
from consent.synthetic import generate_grants
from consent.types import BasisKind, Category, Direction, PartyKind, Purpose
from directory import service as directory
from directory.models import Actor, Organisation, Relation
from directory.synthetic import generate_population
from directory.types import HEALTH_PERSONNEL, Role, parse_hpr_number, parse_national_id, parse_org_number
from tests.support.postgres import fresh_database_url
from web.database import make_engine, migrate

SIZES = dict(employees=200, managers=20, gps=5, specialists=15, nav_advisers=3, others=10, seed=7, samples=50)


def _fresh_engine(path):
    url = fresh_database_url(path.parent, path.name)
    migrate(url)
    return make_engine(url)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    engine = _fresh_engine(tmp_path_factory.mktemp("synthetic") / "samband.db")
    summary = generate_population(engine, **SIZES)
    grants = generate_grants(engine, summary, grants=600, seed=7)
    yield engine, summary, grants
    engine.dispose()


@pytest.fixture
def session(population):
    with Session(population[0], expire_on_commit=False) as s:
        yield s


def _professional(session: Session, role: Role) -> Actor:
    return session.exec(select(Actor).where(Actor.role == role.value).order_by(col(Actor.id)).limit(1)).one()


class TestPopulation:
    def test_counts_match_what_was_asked_and_what_is_stored(self, population, session):
        _, summary, _ = population
        stored = Counter(session.exec(select(Actor.role)).all())
        assert dict(stored) == summary.actors_by_role
        assert stored[Role.EMPLOYEE.value] == 200
        assert stored[Role.NEAREST_MANAGER.value] == 20
        assert stored[Role.GP.value] == 5
        assert stored[Role.NAV_ADVISER.value] == 3
        assert sum(stored[r.value] for r in (Role.SPECIALIST, Role.PSYCHOLOGIST, Role.PHYSIOTHERAPIST)) == 15
        assert summary.actors == 200 + 20 + 5 + 15 + 3 + 10
        assert len(session.exec(select(Organisation.id)).all()) == summary.organisations
        assert len(session.exec(select(Relation.id)).all()) == summary.relations
        assert len(summary.employees) == 50

    def test_every_national_id_is_valid_synthetic_and_unique(self, session):
        ids = session.exec(select(Actor.national_id)).all()
        for value in ids:
            assert parse_national_id(value) == value
            assert int(value[2:4]) > 80  # birth month + 80: never a real person's number
        assert len(set(ids)) == len(ids)

    def test_every_org_number_and_hpr_number_is_valid(self, session):
        for value in session.exec(select(Organisation.org_number)).all():
            assert parse_org_number(value) == value
        for actor in session.exec(select(Actor)).all():
            if Role(actor.role) in HEALTH_PERSONNEL:
                assert parse_hpr_number(actor.hpr_number) == actor.hpr_number

    def test_every_employee_has_an_active_manager_and_gp(self, population, session):
        _, summary, _ = population
        for sample in summary.employees:
            roles = directory.case_roles(session, sample.manager_id, sample.employee_id, at=summary.reference_time)
            assert {r.value for r in roles} == {"nearest_manager"}
            roles = directory.case_roles(session, sample.gp_id, sample.employee_id, at=summary.reference_time)
            assert {r.value for r in roles} == {"gp"}

    def test_search_text_is_what_the_service_computes(self, session):
        gp = _professional(session, Role.GP)
        org = session.get(Organisation, gp.organisation_id)
        assert gp.search_text == directory.search_text_for(gp, org)

    def test_professional_is_found_by_surname_prefix(self, session):
        gp = _professional(session, Role.GP)
        nav = _professional(session, Role.NAV_ADVISER)  # nobody finds themself
        prefix = directory.search_terms(gp.name.split()[-1])[0][:3]
        found = directory.search(session, nav, prefix, role=Role.GP, limit=50)
        assert gp.id in {a.id for a in found}
        assert gp.id not in {a.id for a in directory.search(session, gp, prefix, role=Role.GP, limit=50)}

    def test_professional_is_found_by_organisation_name(self, session):
        nav, gp = _professional(session, Role.NAV_ADVISER), _professional(session, Role.GP)
        org = session.get(Organisation, nav.organisation_id)
        found = directory.search(session, gp, f"{org.name} {nav.name}", limit=50)
        assert nav.id in {a.id for a in found}

    def test_a_typing_mistake_in_a_surname_is_corrected_from_the_prefixes_written(self, session):
        gp, nav = _professional(session, Role.GP), _professional(session, Role.NAV_ADVISER)
        surname = directory.search_terms(gp.name.split()[-1])[0]
        typo = surname[:2] + surname[3:] if len(surname) >= 5 else surname + "x"  # a letter left out
        found = directory.search(session, nav, f"{gp.name.split()[0]} {typo}", role=Role.GP, limit=50)
        assert gp.id in {a.id for a in found}

    def test_employees_are_not_found_by_search(self, population, session):
        _, summary, _ = population
        gp = _professional(session, Role.GP)
        for sample in summary.employees[:10]:
            employee = session.get(Actor, sample.employee_id)
            assert employee.search_text == ""
            found = directory.search(session, gp, employee.name, limit=50)
            assert employee.id not in {a.id for a in found}
        if session.get_bind().dialect.name == "sqlite":
            indexed = session.execute(text("SELECT actor_id FROM actor_fts")).scalars().all()
        else:  # the GIN index covers every row; an empty search text has no lexemes
            indexed = session.execute(text(
                "SELECT id FROM actor WHERE to_tsvector('simple', search_text) != ''::tsvector"
            )).scalars().all()
        roles = Counter(session.get(Actor, i).role for i in indexed)
        assert Role.EMPLOYEE.value not in roles
        assert sum(roles.values()) == 53  # every professional, no employee

    def test_same_seed_gives_the_same_population(self, population, tmp_path):
        _, summary, _ = population
        again = generate_population(_fresh_engine(tmp_path / "again.db"), **SIZES)
        assert again.employees == summary.employees
        assert again.queries == summary.queries


class TestGrants:
    def test_event_counts(self, population, session):
        _, _, grants = population
        kinds = Counter(session.exec(select(ConsentEvent.kind)).all())
        assert kinds["granted"] == grants.grants == 600
        assert kinds["revoked"] == grants.revocations
        assert 20 <= grants.revocations <= 110  # about a tenth

    def test_payload_has_the_shape_the_service_writes(self, population, session):
        engine, summary, _ = population
        service = ConsentService(ConsentConfig(), load_rules())
        sample = summary.employees[0]
        subject = session.get(Actor, sample.employee_id)
        data = GrantCreate(
            recipient=PartyIn(kind=PartyKind.PERSON, id=sample.manager_id),
            categories=[Category.WORK_TASKS], purposes=[Purpose.WORKPLACE_ADAPTATION],
            valid_to=summary.reference_time + timedelta(days=30),
        )  # fmt: skip
        real = service.grant(session, subject, data, now=summary.reference_time, commit=False)
        written = session.exec(select(ConsentEvent).where(ConsentEvent.target_id == real.grant_id)).one()
        synthetic = session.exec(select(ConsentEvent).where(ConsentEvent.kind == "granted").limit(1)).one()
        assert list(json.loads(synthetic.payload)) == list(json.loads(written.payload))
        assert json.dumps(json.loads(synthetic.payload), sort_keys=True, separators=(",", ":")) == synthetic.payload
        session.rollback()

    def test_grants_fold_and_decide_as_granted(self, population, session):
        engine, summary, _ = population
        service = ConsentService(ConsentConfig(), load_rules())
        at = summary.reference_time
        checked = 0
        for sample in summary.employees:
            events = select(ConsentEvent).where(ConsentEvent.subject_id == sample.employee_id)
            grants, _ = fold(session.exec(events.order_by(col(ConsentEvent.seq))).all())
            granted = set().union(*(g.categories for g in grants.values())) if grants else set()
            for grant in grants.values():
                active = grant.revoked_at is None and grant.valid_from <= at < grant.valid_to
                if not active or grant.recipient.kind is not PartyKind.PERSON or grant.discloser is not None:
                    continue
                assert grant.direction is Direction.ONE_WAY
                recipient = session.get(Actor, grant.recipient.value)
                sender = session.get(Actor, sample.gp_id if recipient.id != sample.gp_id else sample.manager_id)
                # The follow-up plan may reach the GP by statute (aml § 4-6) whatever was granted.
                consent_only = sorted(grant.categories - {Category.FOLLOW_UP_PLAN})
                if not consent_only:
                    continue
                category, purpose = consent_only[0], sorted(grant.purposes)[0]
                permit = service.decide_for(
                    session, subject_id=sample.employee_id, sender=sender, recipient=recipient,
                    category=category, purpose=purpose, case_id=None, at=at,
                )  # fmt: skip
                assert permit.permitted
                assert permit.basis.kind is BasisKind.CONSENT
                never = [c for c in Category if c not in granted and c is not Category.FOLLOW_UP_PLAN]
                if never:
                    deny = service.decide_for(
                        session, subject_id=sample.employee_id, sender=sender, recipient=recipient,
                        category=never[0], purpose=purpose, case_id=None, at=at,
                    )  # fmt: skip
                    assert not deny.permitted
                checked += 1
        assert checked >= 10
