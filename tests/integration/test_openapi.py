"""The API describes itself, and every route in it demands a signed-in caller."""

from __future__ import annotations

import httpx

PUBLIC = {"/health", "/ready", "/metrics", "/consent/categories", "/consent/purposes", "/consent/rules", "/message-kinds"}
# Witnesses' own bearer token (SAMBAND_WITNESS_TOKEN): off, as here, they answer 404 to
# everyone; on, 401 without the token (tests/integration/test_disclosure_log_v2.py).
WITNESS = {"/log/heads", "/log/{log_id}/consistency"}


def test_openapi_lists_the_api_and_docs_render(server):
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    assert {"/consent/decisions", "/consent/grants", "/directory/search", "/consent/log"} <= set(spec["paths"])
    assert httpx.get(f"{server.base_url}/docs").status_code == 200


def test_every_route_refuses_an_anonymous_caller(server):
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    checked = 0
    for path, operations in spec["paths"].items():
        if path in PUBLIC:
            continue
        concrete = path.replace("{", "").replace("}", "")  # any placeholder value will do
        for method in operations:
            response = httpx.request(method.upper(), f"{server.base_url}{concrete}", json={})
            assert response.status_code == (404 if path in WITNESS else 401), (method, path, response.status_code)
            checked += 1
    assert checked >= 20
