"""The portal: server-rendered pages (Jinja2, bokmål by default, English by choice).

- ``home``: the landing page, where signed-in people go, the language switch, sign-out;
- ``employee``: ``/portal`` — the employee's case, consents, requests, log, timeline;
- ``threads``: the employee's threads — listed on ``/portal``, read and answered at
  ``/portal/cases/{case}/threads/{thread}``, started from ``/portal``;
- ``inbox``: ``/inbox`` — professionals' cases and threads, search, a thread;
- ``coordinator``: the coordinator on case cards, ``/inbox/coordinator`` (their
  overview) and on ``/portal``;
- ``keys``: ``/keys`` — private keys made, stored and restored in the browser.

Pages call the same domain services as the API.  Every unsafe request is CSRF-checked
(``web.csrf``) and every page carries a strict CSP (``web.security``); page scripts are
files under ``web/static/js``, never inline.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.pages import coordinator, employee, home, inbox, keys, threads

router = APIRouter(include_in_schema=False)
router.include_router(home.router)
router.include_router(employee.router)
router.include_router(threads.router)
router.include_router(coordinator.inbox_router)
router.include_router(coordinator.portal_router)
router.include_router(inbox.router)
router.include_router(keys.router)
