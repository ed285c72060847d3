"""``samband-client login --issuer``: any OpenID provider, found by discovery.

The CLI runs as a subprocess; the test plays the person's browser with httpx: it
follows the authorization URL the CLI prints, submits the provider's sign-in form, and
lets the redirect land on the CLI's one-shot loopback listener (RFC 8252).  Against the
embedded IdP here; against the npm ``oidc-provider`` harness in test_client_login_oidc.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx

from messaging.signin import parse_login_page

SERVER_MODULES = ("sqlalchemy", "sqlmodel", "fastapi", "starlette", "alembic", "uvicorn", "jinja2", "web")


class CliLogin:
    """``samband-client login ...`` running; ``url()`` reads the line with the address."""

    def __init__(self, home, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "messaging.client_cli", "--home", str(home), "login", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.seen: list[str] = []

    def line_with(self, needle: str) -> str:
        for line in self.proc.stdout:  # blocks until the CLI prints (or exits: then the loop ends)
            self.seen.append(line)
            if needle in line:
                return line.strip()
        raise AssertionError(f"the CLI ended without printing {needle!r}: {self.seen} {self.proc.stderr.read()}")

    def url(self) -> str:
        self.line_with("Open this address")
        return self.line_with("http")

    def finish(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=120)
        return self.proc.returncode, "".join(self.seen) + out, err


def sign_in_at_embedded_idp(authorize_url: str, username: str, password: str = "demo") -> httpx.Response:
    """Be the browser: the sign-in form, the credentials, then follow the redirect to the
    CLI's loopback listener.  Returns the listener's answer."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        form = parse_login_page(page.text)
        answer = browser.post(httpx.URL(str(page.url)).join(form.action),
                              data={**form.fields, "username": username, "password": password})
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith("http://127.0.0.1:") and "/callback?" in location
        return browser.get(location)


def test_client_imports_no_server_code():
    """The client's import path loads neither SQLAlchemy/SQLModel nor the web app."""
    code = ("import sys, messaging.client_cli, messaging.client, messaging.signin; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "httpx" in loaded and "messaging" in loaded
    assert not set(SERVER_MODULES) & set(loaded), set(SERVER_MODULES) & set(loaded)


def test_login_by_browser_at_the_embedded_idp(world, tmp_path):
    """Code + PKCE on a loopback redirect: the token works for the API afterwards."""
    home = tmp_path / "home"
    cli = CliLogin(home, "--server", world.base_url, "--issuer", world.settings.issuer, "--no-browser",
                   "--timeout", "120")
    authorize_url = cli.url()
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == ["samband-cli"]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    landed = sign_in_at_embedded_idp(authorize_url, "lie")
    assert landed.status_code == 200 and "Du er logget inn" in landed.text
    code, out, err = cli.finish()
    assert code == 0, err
    assert f"signed in at {world.settings.issuer}" in out
    session = json.loads((home / "session.json").read_text())
    assert session["server"] == world.base_url and session["issuer"] == world.settings.issuer
    assert (home / "session.json").stat().st_mode & 0o077 == 0
    found = subprocess.run([sys.executable, "-m", "messaging.client_cli", "--home", str(home), "find", "solberg"],
                           capture_output=True, text=True, timeout=60, check=False)
    assert found.returncode == 0, found.stderr
    assert [a["name"] for a in json.loads(found.stdout)] == ["Ingrid Solberg"]


def test_a_changed_state_is_refused(world, tmp_path):
    """An answer on the loopback port that does not carry this sign-in's state."""
    cli = CliLogin(tmp_path / "home", "--server", world.base_url, "--issuer", world.settings.issuer,
                   "--no-browser", "--timeout", "120")
    authorize_url = cli.url()
    redirect_uri = parse_qs(urlsplit(authorize_url).query)["redirect_uri"][0]
    answer = httpx.get(redirect_uri, params={"code": "stolen", "state": "someone-else"}, timeout=30)
    assert answer.status_code == 200  # the listener took it; the CLI judges it
    code, _, err = cli.finish()
    assert code == 2 and "state came back changed" in err
    assert not (tmp_path / "home" / "session.json").exists()


def test_a_refusal_at_the_provider_is_reported(world, tmp_path):
    cli = CliLogin(tmp_path / "home", "--server", world.base_url, "--issuer", world.settings.issuer,
                   "--no-browser", "--timeout", "120")
    query = parse_qs(urlsplit(cli.url()).query)
    answer = httpx.get(query["redirect_uri"][0], timeout=30,
                       params={"error": "access_denied", "error_description": "the person said no",
                               "state": query["state"][0]})
    assert answer.status_code == 400 and "ikke fullført" in answer.text
    code, _, err = cli.finish()
    assert code == 2 and "the person said no" in err


def test_no_answer_in_time_says_what_to_do(world, tmp_path):
    cli = CliLogin(tmp_path / "home", "--server", world.base_url, "--issuer", world.settings.issuer,
                   "--no-browser", "--timeout", "1")
    code, _, err = cli.finish()
    assert code == 2 and "no answer from the browser within 1 seconds" in err and "--device" in err


def test_device_flow_where_the_provider_has_none(world, tmp_path):
    cli = CliLogin(tmp_path / "home", "--server", world.base_url, "--issuer", world.settings.issuer, "--device")
    code, _, err = cli.finish()
    assert code == 2 and "does not offer device sign-in" in err


def test_a_wrong_issuer_is_named(world, tmp_path):
    bad = subprocess.run([sys.executable, "-m", "messaging.client_cli", "--home", str(tmp_path), "login",
                          "--issuer", f"{world.base_url}/nowhere"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2 and "no OpenID configuration" in bad.stderr and "--issuer" in bad.stderr
    plain = subprocess.run([sys.executable, "-m", "messaging.client_cli", "--home", str(tmp_path), "login",
                            "--issuer", "http://idp.example.org"], capture_output=True, text=True, timeout=60,
                           check=False)
    assert plain.returncode == 2 and "must be an https address" in plain.stderr
