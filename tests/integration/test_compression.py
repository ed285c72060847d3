"""Compressed responses over real HTTP (issue 9, item 8): the browser bundle, static
files and pages come gzipped to a client that accepts gzip, and whole to one that does
not; the CSRF token a page carries is masked afresh for every response and still
accepted (BREACH, docs/decisions/0010-compression.md); the embedded IdP is never
compressed.  Through nginx: tests/integration/test_deploy_proxy.py."""

from __future__ import annotations

import gzip
import re

import httpx

from tests.support.tokens import portal_login

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def _raw(client: httpx.Client, path: str, headers: dict) -> httpx.Response:
    """The response with its body as sent on the wire (not decoded)."""
    with client.stream("GET", path, headers=headers) as response:
        response.wire = b"".join(response.iter_raw())  # type: ignore[attr-defined]
    return response


def test_bundle_and_static_files_are_gzipped_when_the_client_accepts_it(world):
    with httpx.Client(base_url=world.base_url, timeout=30) as client:
        for path in ("/static/build/samband.js", "/static/css/app.css"):
            packed = _raw(client, path, GZIP)
            whole = _raw(client, path, IDENTITY)
            assert packed.status_code == whole.status_code == 200, path
            assert packed.headers["content-encoding"] == "gzip", path
            assert "accept-encoding" in packed.headers["vary"].lower()
            assert "content-encoding" not in whole.headers
            assert gzip.decompress(packed.wire) == whole.wire  # compressed once, same bytes
            assert len(packed.wire) < len(whole.wire) / 2, (path, len(packed.wire), len(whole.wire))
            assert packed.headers["x-content-type-options"] == "nosniff"  # headers kept


def test_a_page_is_gzipped_and_its_csrf_token_differs_in_every_response(world):
    with httpx.Client(base_url=world.base_url, timeout=30) as client:
        assert portal_login(client, world.base_url, "lise").status_code == 303
        first, second = _raw(client, "/inbox", GZIP), _raw(client, "/inbox", GZIP)
        assert first.headers["content-encoding"] == "gzip"
        html = gzip.decompress(first.wire).decode()
        assert len(first.wire) < len(html.encode()) / 2
        tokens = [
            re.search(r'<meta name="csrf-token" content="([^"]+)"', gzip.decompress(r.wire).decode()).group(1)
            for r in (first, second)
        ]
        assert tokens[0] != tokens[1]  # masked afresh: nothing for a length oracle to home in on
        # Either masked token still works: the language form posts with it.
        for value in tokens:
            answer = client.post("/lang", data={"csrf_token": value, "lang": "en", "next": "/inbox"})
            assert answer.status_code == 303, answer.text
        refused = client.post("/lang", data={"csrf_token": tokens[0][:-4] + "AAAA", "lang": "nb", "next": "/inbox"})
        assert refused.status_code == 403


def test_the_identity_provider_is_never_compressed(world):
    with httpx.Client(base_url=world.base_url, timeout=30, follow_redirects=False) as client:
        start = client.get("/login")
        assert start.status_code in (302, 303, 307)
        form = _raw(client, start.headers["location"], GZIP)
        assert form.status_code == 200 and len(form.wire) >= 500  # big enough to have been compressed
        assert "content-encoding" not in form.headers
