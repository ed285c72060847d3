"""Schemathesis against the API's own OpenAPI description: no input makes the server fail.

The description is the app's own (``create_app(...).openapi()``, loaded when this module
is collected, so Schemathesis can make one test per operation); the first test checks
that the running server serves exactly that document at ``/openapi.json``.

The server is real, on loopback, with the demo world and one furnished case (a thread,
a message, consents, requests: ``tests.support.scene``), and every request carries a
real bearer token: once the employee's, once the NAV adviser's.  Every operation gets
valid and invalid input (Schemathesis' examples, coverage and fuzzing phases, positive
and negative modes); path parameters and body ids are real ids of the demo world half
of the time, and bodies are often a valid one (``tests.support.scene.case_bodies``) or a
valid one with one field as generated, so requests reach past "not found" and past
the first validation error.

Each answer must be no server error (no 5xx), have a status the description lists, the
content type it lists, and a body matching the declared schema.

Bounded for CI: a fixed seed, derandomized Hypothesis, ``MAX_EXAMPLES`` per operation.
(Schemathesis' lazy ``from_fixture`` loader does not work with pytest 9.2, which renamed
the node attribute it rewrites; the eager loader does.)
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from tests.support import proof
from tests.support.scene import CaseScene, case_bodies, furnish_case, with_caller
from tests.support.server import LiveServer, build_settings, running_server
from tests.support.tokens import login
from web.app import create_app
from web.demo import Demo, load_demo

ROLES = ("hansen", "eide")  # the employee whose case is furnished; the NAV adviser on all three cases
MAX_EXAMPLES = 25
SEED = 20260501
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Body fields holding ids, filled with real ones half of the time.
ID_FIELDS = ("case_id", "subject_id", "recipient_id", "sender_id", "actor_id", "addressee_id")


def _clean_environ(mp: pytest.MonkeyPatch) -> None:
    """As the autouse ``clean_environ`` fixture does, for what runs outside a test."""
    for name in list(os.environ):
        if name.startswith("SAMBAND_") or name == "AUTHLIB_INSECURE_TRANSPORT":
            mp.delenv(name)


def _openapi_document() -> dict:
    directory = Path(tempfile.mkdtemp(prefix="samband-openapi-"))
    try:
        with pytest.MonkeyPatch.context() as mp:
            _clean_environ(mp)
            return create_app(build_settings(directory, 8000, database_url="sqlite://")).openapi()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


DOCUMENT = _openapi_document()
schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    }),
)
# Real ids of the running server's world, in coherent sets (each names things that belong
# together).  Filled by the ``target`` fixture; the hooks below read it at draw time.
REAL_IDS: list[dict[str, str]] = []
VALID_BODIES: dict[tuple[str, str], dict] = {}  # (METHOD, path) -> a valid body, for the same world


@dataclass(frozen=True)
class Target:
    live: LiveServer
    demo: Demo
    scene: CaseScene
    token: str


def _real_id_sets(demo: Demo, scene: CaseScene) -> list[dict[str, str]]:
    furnished = {
        "case_id": scene.case_id, "thread_id": scene.thread_id, "message_id": scene.message_id,
        "grant_id": scene.grant_ids[0], "exclusion_id": scene.exclusion_id, "request_id": scene.request_id,
        "actor_id": demo.actors["lise"], "subject_id": scene.employee_id, "recipient_id": demo.actors["lise"],
        "addressee_id": demo.actors["solberg"], "sender_id": demo.actors["solberg"],
        "organisation_id": demo.organisations["nordlys"],
    }
    others = [
        {"case_id": demo.cases[who], "actor_id": demo.actors[who], "subject_id": demo.actors[who],
         "recipient_id": demo.actors[who], "organisation_id": demo.organisations[org]}
        for who, org in (("tore", "vestbygg"), ("nina", "havbris"))
    ]
    return [furnished, *others]


@pytest.fixture(scope="module", params=ROLES)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with pytest.MonkeyPatch.context() as mp:  # a module-wide server, outside any one test
        _clean_environ(mp)
        with running_server(tmp_path_factory.mktemp(f"fuzz-{request.param}")) as live:
            demo = load_demo(live.engine, live.settings.data_dir)
            scene = furnish_case(live.base_url, live.settings.data_dir, demo)
            REAL_IDS[:] = _real_id_sets(demo, scene)
            with live.engine.connect() as conn:
                envelope = conn.execute(text("SELECT envelope FROM message WHERE id = :i"), {"i": scene.message_id}).scalar_one()
            bodies = case_bodies(scene, demo, base64.urlsafe_b64encode(envelope).rstrip(b"=").decode())
            me = demo.actors[request.param]
            VALID_BODIES.update({key: with_caller(body, me) for key, body in bodies.items() if body is not None})
            try:
                yield Target(live, demo, scene, login(live.base_url, request.param))
            finally:
                REAL_IDS.clear()
                VALID_BODIES.clear()


def _with_ids(values: Any, ids: dict[str, str]) -> Any:
    if not isinstance(values, dict):
        return values
    return {k: ids.get(k, v) if isinstance(v, str) or v is None else v for k, v in values.items()}


def _with_nul(values: Any) -> Any:
    """Each string with a NUL in it, which PostgreSQL cannot hold (see ``web.nul_guard``)."""
    if not isinstance(values, dict):
        return values
    return {k: f"{v[:4]}\x00{v[4:]}" if isinstance(v, str) else v for k, v in values.items()}


def _real(values: Any, fields: tuple[str, ...] | None = None) -> st.SearchStrategy:
    """``values`` as generated, with its id fields set to a set of real ids, or with NULs."""
    options = [st.just(values), st.just(_with_nul(values))]
    if REAL_IDS:
        pick = st.sampled_from(list(REAL_IDS))
        if fields is not None:
            pick = pick.map(lambda ids: {k: v for k, v in ids.items() if k in fields})
        options.append(pick.map(lambda ids: _with_ids(values, ids)))
    return st.one_of(*options)


@schema.hook
def flatmap_path_parameters(_context, path_parameters):
    return _real(path_parameters)


@schema.hook
def flatmap_query(_context, query):
    return st.one_of(st.just(query), st.just(_with_nul(query)))


@schema.hook
def flatmap_body(context, body):
    options = [_real(body, ID_FIELDS)]
    valid = VALID_BODIES.get((context.operation.method.upper(), context.operation.path))
    if valid is not None:
        options.append(st.just(valid))
        if isinstance(body, dict) and body:
            options.append(st.sampled_from(sorted(body)).map(lambda k: {**valid, k: body[k]}))
    return st.one_of(*options)


def test_the_server_serves_the_fuzzed_description(target: Target) -> None:
    served = httpx.get(f"{target.live.base_url}/openapi.json").json()
    assert served == DOCUMENT


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a loopback round trip on a busy 2-CPU runner varies; slowness is not what this tests
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_no_input_makes_the_server_fail(case: schemathesis.Case, target: Target) -> None:
    response = case.call_and_validate(
        base_url=target.live.base_url, headers={"Authorization": f"Bearer {target.token}"}, checks=CHECKS, timeout=30,
    )
    proof.count("fuzz-openapi", "statuses", response.status_code)
    proof.count("fuzz-openapi", "requests_per_operation", f"{case.operation.method.upper()} {case.operation.path}")
    proof.record("fuzz-openapi", schemathesis=schemathesis.__version__, max_examples=MAX_EXAMPLES, roles=list(ROLES),
                 operations=len(list(schema.get_all_operations())))
