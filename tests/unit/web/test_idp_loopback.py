"""The embedded IdP's loopback redirect check (RFC 8252 §7.3), parsed strictly."""

from __future__ import annotations

import pytest

from web.idp_server import is_loopback_redirect

GOOD = [
    "http://127.0.0.1/cb",
    "http://127.0.0.1:53682/callback?x=1",
    "http://127.255.3.4:8080/",
    "http://[::1]/cb",
    "http://[::1]:65535/cb",
    "http://[0:0:0:0:0:0:0:1]:8000/cb",
    "http://localhost:8000/cb",
    "http://localhost",
]

BAD = [
    "http://[::1].evil.example/",  # urlsplit().hostname answers '::1' for this one
    "http://[::1].evil.example:8080/cb",
    "http://[::1]evil/cb",
    "http://[::1]@evil.example/cb",
    "http://127.0.0.1@evil.example/cb",
    "http://evil.example@127.0.0.1/cb",  # no user info at all
    "http://127.0.0.1.evil.example/cb",
    "http://localhost.evil.example/cb",
    "http://LOCALHOST.evil.example/cb",
    "http://evil.example/cb",
    "https://127.0.0.1/cb",  # loopback redirects are plain http
    "http://127.0.0.1/cb#fragment",
    "http://127.0.0.1:0/cb",
    "http://127.0.0.1:65536/cb",
    "http://127.0.0.1:80a/cb",
    "http://127.1/cb",  # not dotted decimal
    "http://0177.0.0.1/cb",  # octal-looking
    "http://2130706433/cb",  # 127.0.0.1 as one number
    "http://10.0.0.1/cb",
    "http://[::2]/cb",
    "http://[::ffff:127.0.0.1]/cb",  # IPv4-mapped is not ::1
    "http://[::1%25lo]/cb",  # no zone id
    "http://[::1/cb",
    "http://::1/cb",
    "http:///cb",
    "http://[]/cb",
    "javascript://127.0.0.1/%0aalert(1)",
    "",
]


@pytest.mark.parametrize("uri", GOOD)
def test_loopback_redirect_is_accepted(uri):
    assert is_loopback_redirect(uri)


@pytest.mark.parametrize("uri", BAD)
def test_non_loopback_redirect_is_refused(uri):
    assert not is_loopback_redirect(uri)
