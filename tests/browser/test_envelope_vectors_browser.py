"""Every envelope vector, in Chromium: the bundle the pages load (web/static/build/samband.js)
opens, verifies or refuses each file in tests/vectors/envelope/ exactly as its ``expect``
line says, with the browser's own WebCrypto.  The check is web/frontend/test/check.js,
the same file node's test runner uses (web/frontend/test/vectors.test.js)."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.browser.conftest import WAIT_MS

ROOT = Path(__file__).resolve().parents[2]
VECTORS = sorted((ROOT / "tests" / "vectors" / "envelope").glob("*.txt"))
CHECK = ROOT / "web" / "frontend" / "test" / "check.js"

RUN = """async ({ check, vectors }) => {
  const C = await import(`data:text/javascript;base64,${check}`);
  const { envelope } = await import("/static/build/samband.js");
  const out = {};
  for (const [name, text] of vectors) {
    const { meta, data } = C.parseVector(text);
    try {
      out[name] = await C.outcome(envelope, meta, data);
    } catch (error) {
      out[name] = `unexpected: ${error}`;
    }
  }
  return out;
}"""


def _expect(path: Path) -> str:
    return next(line for line in path.read_text().splitlines() if line.startswith("expect: ")).removeprefix("expect: ")


def test_every_envelope_vector_has_its_outcome_in_chromium(chromium, server):
    assert len(VECTORS) >= 55
    # The check is loaded as a data: module, which the portal's CSP (script-src 'self')
    # would refuse; the bundle itself comes from samband as on every page.
    context = chromium.new_context(base_url=server.base_url, bypass_csp=True)
    try:
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        page.goto("/static/build/samband.js")
        got = page.evaluate(RUN, {"check": base64.b64encode(CHECK.read_bytes()).decode(),
                                  "vectors": [[p.name, p.read_text()] for p in VECTORS]})
    finally:
        context.close()
    assert got == {p.name: _expect(p) for p in VECTORS}
