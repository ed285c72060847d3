"""``/keys``: the private keys live in the browser; this page makes, restores or renews them.

The server knows only which public keys are published and whether a passphrase-wrapped
backup exists; ``/static/js/keys.js`` looks in the browser's own store (IndexedDB) and
shows the one step that applies: make keys (first sign-in), unlock the backup (another
device), or make new keys (no backup, or the passphrase is lost).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from directory import store as directory_store
from directory.models import KeyBackup
from web.deps import CurrentActor, SessionDep
from web.pages.home import home_of
from web.pages.render import PageRoute, local_path, render

router = APIRouter(prefix="/keys", include_in_schema=False, route_class=PageRoute)


@router.get("")
def keys_page(request: Request, session: SessionDep, me: CurrentActor, next: str = "") -> Response:
    keys = directory_store.active_keys(session=session, actor_id=me.id)
    return render(request, "keys.html", {
        "me": me, "active": "keys",
        "encryption_key_ids": [k.key_id for k in keys if k.purpose == "encryption"],
        "signing_key_ids": [k.key_id for k in keys if k.purpose == "signing"],
        "has_backup": session.get(KeyBackup, me.id) is not None,
        "next": local_path(next, home_of(me)),
    })
