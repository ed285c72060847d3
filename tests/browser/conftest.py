"""Browser tests: Debian's Chromium driven by Playwright, against a loopback server.

Screenshots of every page a test visits go to ``test-artifacts/screenshots/`` (one
PNG per step, named after the test) so a person can look at them.  Every page is also
checked with axe-core (from the pinned npm package) for serious or critical
accessibility violations.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "web" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# Without the background-networking flags Chromium reaches for Google's hosts, which
# this machine's closed network refuses.
# One budget for every browser wait, set for a loaded 2-core machine (another test run
# beside this one, scrypt key restores taking seconds): waits end as soon as their
# condition holds, so a generous budget costs nothing when the machine is idle.
# Playwright's own default (30 s) applies to every click, fill and locator wait, so the
# contexts get this budget as their default too.
WAIT_MS = 120_000
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-features=Translate,OptimizationHints"]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is missing: the test command installs it (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _landed(url: str) -> bool:
    path = urlsplit(url).path
    return path not in ("/", "/login", "/auth/callback") and not path.startswith("/idp")


class Browser:
    """One person's browser: its own context (cookies, IndexedDB), screenshots, axe."""

    def __init__(self, chromium, base_url: str, name: str, test_name: str, *, phone: bool = False):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        self.context = chromium.new_context(base_url=base_url, viewport=viewport, locale="nb-NO")
        self.context.set_default_timeout(WAIT_MS)
        self.context.set_default_navigation_timeout(WAIT_MS)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # Script errors only: a 4xx the page asked for (a wrong password) is not one.
        self.page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
                     and self.errors.append(m.text))
        self.name = name
        self.test_name = re.sub(r"[^a-z0-9_]+", "_", test_name.lower())
        self.step = 0

    def shot(self, label: str) -> Path:
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{self.step:02d}-{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def axe(self) -> list[dict]:
        """Serious and critical axe-core violations on the current page."""
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run web/frontend/build.sh (the test command does)")
        self.page.evaluate(AXE.read_text() + "\n;0")
        result = self.page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
        violations = json.loads(result)["violations"]
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    def sign_in(self, username: str, password: str = "demo", *, shared: bool = False) -> None:
        """Sign in through the embedded IdP.  ``shared``: from the landing page, with
        "Dette er en delt datamaskin" ticked (keys are deleted again at sign-out)."""
        if shared:
            self.page.goto("/")
            self.page.check("#login-shared")
            self.page.click("#landing-login")
        else:
            self.page.goto("/login")
        self.page.get_by_label(re.compile("bruker|user", re.I)).fill(username)
        self.page.get_by_label(re.compile("passord|password", re.I)).fill(password)
        self.page.keyboard.press("Enter")
        # Wait for the redirects to land on the person's own page: waiting for network
        # idle alone can return before the form's navigation starts, and the next goto
        # then meets the sign-in page (seen on a loaded machine).
        self.page.wait_for_url(lambda url: _landed(url), timeout=WAIT_MS)
        self.page.wait_for_load_state("networkidle")

    def sign_out(self) -> None:
        """The header's "Logg ut": wait until the browser is back on the landing page
        (after the issuer's sign-out) with the notice that says so."""
        self.page.click("#logout")
        self.page.wait_for_url(lambda url: urlsplit(url).path == "/", timeout=WAIT_MS)
        self.page.wait_for_selector("[data-testid=flash]")
        self.page.wait_for_load_state("networkidle")

    def restore_keys(self) -> None:
        """Restore this demo person's keys at /keys from their backup (demo passphrase)."""
        self.page.goto("/keys")
        self.page.wait_for_selector("#keys-restore-form:visible")
        self.page.fill("#restore-passphrase", "demo")
        self.page.click("#keys-restore-submit")
        self.page.wait_for_selector("#keys-ready:not([hidden])", timeout=WAIT_MS)

    def opened(self, message_id: str):
        """The message's list item once the browser has opened (decrypted) it."""
        li = self.page.locator(f"li#msg-{message_id}[data-opened=true]")
        li.wait_for(timeout=WAIT_MS)
        return li

    def send_compose(self) -> None:
        """Send the compose form the way a person does: *Send kryptert*, look at who gets
        which part (the preview), then *Send*."""
        self.page.click("#compose-send")
        self.page.wait_for_selector("[data-testid=compose-preview]")
        self.page.click("#compose-confirm")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browsers(chromium, world, request):
    """``browsers("hansen")``: a signed-in browser for a demo person (one per name)."""
    opened: dict[str, Browser] = {}

    def get(username: str, *, phone: bool = False, sign_in: bool = True) -> Browser:
        if username not in opened:
            b = Browser(chromium, world.base_url, username, request.node.name, phone=phone)
            if sign_in:
                b.sign_in(username)
            opened[username] = b
        return opened[username]

    yield get
    for b in opened.values():
        b.close()
