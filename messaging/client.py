"""The Python client: keys, directory search, sealing, sending, reading, watching.

Used by the integration tests and usable by an integrating system (an EPJ, an HR
system).  Everything secret stays here: the server only ever receives public keys and
sealed envelopes, and hands back sealed views that this client opens.

    client = SambandClient(base_url, token, identity)
    client.publish_keys()
    sent = client.send(case_id, thread_id, "functional_assessment", {...})
    message = client.read(message_id)
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import websockets
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consent.types import Category
from directory.types import HEALTH_PERSONNEL, NAV_ROLES, key_id_for  # the same key ids the server derives
from messaging import attachment_crypto
from messaging import envelope, kinds
from messaging.envelope.wire import parse_view
from messaging.keys import Identity, b64

SUPPORTED_KEMS = (envelope.KEM_XWING, envelope.KEM_X25519)  # the suites this client seals to
RECONNECT_FIRST, RECONNECT_MAX = 0.1, 5.0  # seconds between websocket reconnection attempts


class ClientError(Exception):
    """The server said no.  ``code`` and ``message`` are the server's; ``problems`` the
    details it gave (for a missing consent: recipient, category, reason)."""

    def __init__(self, status: int, code: str, message: str, problems: list | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.problems = status, code, message, problems or []


class ConsentMissing(ClientError):
    """Some recipient may not receive some category: offer "ask the employee"."""


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass(frozen=True)
class ReadMessage:
    id: str
    kind: str
    sender_id: str
    created_at: datetime
    in_reply_to: str | None
    form: dict  # the fields this reader may see
    withheld: list[str]  # categories withheld (consent gone) — their fields are absent
    categories: list[str]  # categories this reader holds keys for
    attachments: dict = field(default_factory=dict)  # category -> attachment references (JSON) in it


class SambandClient:
    def __init__(self, base_url: str, token: str, identity: Identity | None = None, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.identity = identity
        self.http = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
        self._me: dict | None = None
        self._signing_keys: dict[str, bytes] = {}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "SambandClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- plumbing ---------------------------------------------------------------------

    def _call(self, method: str, path: str, **kw) -> httpx.Response:
        response = self.http.request(method, path, **kw)
        if response.status_code >= 400:
            self._raise(response)
        return response

    @staticmethod
    def _raise(response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {"code": "HTTP_ERROR", "message": response.text[:200]}
        error = ConsentMissing if body.get("code") == "CONSENT_REQUIRED" else ClientError
        raise error(response.status_code, body.get("code", ""), body.get("message", ""), body.get("problems"))

    def _json(self, method: str, path: str, **kw):
        return self._call(method, path, **kw).json()

    @property
    def me(self) -> dict:
        if self._me is None:
            self._me = self._json("GET", "/directory/me")
        return self._me

    # --- keys and directory -------------------------------------------------------------

    def publish_keys(self) -> dict[str, str]:
        """Publish this identity's X-Wing encryption key and Ed25519 signing key."""
        if self.identity is None:
            raise ValueError("this client has no identity (private keys) to publish")
        enc = self._json("POST", "/directory/me/keys", json={
            "purpose": "encryption", "algorithm": "X-Wing", "public_key": b64(self.identity.encryption_public)})
        sig = self._json("POST", "/directory/me/keys", json={
            "purpose": "signing", "algorithm": "Ed25519", "public_key": b64(self.identity.signing_public)})
        return {"encryption": enc["key_id"], "signing": sig["key_id"]}

    def _own_key_ids(self) -> tuple[str, str]:
        return key_id_for(self.identity.encryption_public), key_id_for(self.identity.signing_public)

    def find(self, q: str, **filters) -> list[dict]:
        return self._json("GET", "/directory/search", params={"q": q, **filters})

    def signing_key(self, actor_id: str, key_id: str) -> bytes:
        if key_id not in self._signing_keys:
            keys = self._json("GET", f"/directory/actors/{actor_id}/keys", params={"include_revoked": True})
            for k in keys:
                if k["purpose"] == "signing":
                    self._signing_keys[k["key_id"]] = _unb64(k["public_key"])
        if key_id not in self._signing_keys:
            raise ClientError(404, "KEY_NOT_FOUND", f"no signing key {key_id} for {actor_id}")
        return self._signing_keys[key_id]

    # --- cases and threads --------------------------------------------------------------

    def cases(self) -> list[dict]:
        return self._json("GET", "/cases")

    def case(self, case_id: str) -> dict:
        return self._json("GET", f"/cases/{case_id}")

    def start_thread(self, case_id: str, member_ids: list[str], topic: str = "conversation") -> dict:
        return self._json("POST", f"/cases/{case_id}/threads", json={"member_ids": member_ids, "topic": topic})

    def threads(self, case_id: str) -> list[dict]:
        return self._json("GET", f"/cases/{case_id}/threads")

    def messages(self, case_id: str, thread_id: str) -> list[dict]:
        return self._json("GET", f"/cases/{case_id}/threads/{thread_id}/messages")

    # --- sending ------------------------------------------------------------------------

    def send(self, case_id: str, thread_id: str, kind: str, form: dict, *, in_reply_to: str | None = None,
             purpose: str | None = None, purposes: dict[str, str] | None = None, nav_reference: str = "",
             nav_summons: bool = True, plan: dict | None = None, meeting: dict | None = None,
             attachments: dict[str, Sequence[str | Path]] | None = None) -> dict:
        """Seal ``form`` for everyone in the thread who may read each part, and send it.

        A ``nav_request`` goes with the metadata that registers NAV's request (ftrl
        § 21-4) in the same act: the health personnel it reaches, the categories asked
        (the form's ``requested_categories``), ``nav_reference`` and the answer-by date
        (``answer_within_days`` from today).  NAV's ``meeting_invitation`` to dialogue
        meeting 2 or 3 goes with its ``nav_summons`` (ftrl § 8-7a) unless
        ``nav_summons=False``.  A follow-up plan or an answer to one in the case's plan
        thread goes with its ``plan`` metadata (docs/follow-up-plan.md), taken from the
        form unless given: the evaluation date of a version, the answer of an ack.  A
        plan sent on names the version it carries: ``plan={"shares": message_id}``.
        ``meeting`` is the meeting metadata (docs/meetings.md): ``{"meeting_id": ...,
        "meeting_type": ...}`` on an invitation, ``{"meeting_id": ..., "answer": ...}`` on
        a response, ``{"meeting_id": ..., "tasks": [...]}`` on minutes.

        ``attachments`` (section category -> file paths: PDF, PNG or JPEG, at most
        25 MB each) are checked, encrypted and uploaded chunk by chunk first; their
        references are sealed inside those sections, so whoever may read a section
        may fetch its files (docs/envelope.md, "Attachments").
        """
        purpose = purpose or kinds.kind_spec(kind).default_purpose.value
        acts = self._nav_acts(case_id, thread_id, kind, form, nav_reference, nav_summons)
        if plan is None and kind in (kinds.Kind.FOLLOW_UP_PLAN, kinds.Kind.FOLLOW_UP_PLAN_ACK):
            topic = next((t["topic"] for t in self.threads(case_id) if t["id"] == thread_id), None)
            if topic == "follow_up_plan":
                values = kinds.validate(kind, form)
                plan = ({"evaluation_date": values["evaluation_date"]} if kind == kinds.Kind.FOLLOW_UP_PLAN
                        else {"acknowledgement": values["acknowledgement"]})
        if plan is not None:
            acts["plan"] = plan
        if meeting is not None:
            acts["meeting"] = meeting
        refs, named = {}, {}
        for category, paths in (attachments or {}).items():
            kinds.split(kind, form, {category: [{}]})  # a section this kind has, before any upload
            for path in paths:
                ref = self.upload_attachment(case_id, thread_id, path)
                refs.setdefault(category, []).append(ref.to_json())
                named[ref.id] = category
        sealed = self.seal(case_id, thread_id, kind, form, in_reply_to=in_reply_to, purpose=purpose, purposes=purposes,
                           nav_summons=acts.get("nav_summons"), attachments=refs)
        sections = {s.category: s.section_id for s in envelope.parse(sealed).sections}
        by_id = {aid: sections[category] for aid, category in named.items()}
        return self.send_sealed(case_id, thread_id, sealed, purpose=purpose, purposes=purposes,
                                attachments=by_id, **acts) | {"envelope_bytes": len(sealed), "attachments": list(by_id)}

    # --- attachments ----------------------------------------------------------------------

    def upload_attachment(self, case_id: str, thread_id: str, path: str | Path,
                          chunk_size: int = attachment_crypto.CHUNK_SIZE) -> attachment_crypto.Reference:
        """Check, encrypt and upload one file chunk by chunk (never all of it in memory);
        the reference to seal into a section.

        Raises:
            AttachmentError: not a PDF, PNG or JPEG, or larger than 25 MB (nothing is sent).
        """
        path = Path(path)
        size = path.stat().st_size
        attachment_crypto.check_size(size)
        with path.open("rb") as f:
            media_type = attachment_crypto.media_type_of(f.read(16))
            if size == 0:
                raise attachment_crypto.AttachmentError("the file is empty")
            upload = self._json("POST", f"/cases/{case_id}/threads/{thread_id}/attachments",
                                json={"size": size, "chunk_size": chunk_size})
            base = f"/cases/{case_id}/threads/{thread_id}/attachments/{upload['id']}"
            sealer = attachment_crypto.Sealer(upload["id"], size, chunk_size)
            f.seek(0)
            for index in range(sealer.count):
                chunk = sealer.seal(index, f.read(chunk_size))
                self._call("PUT", f"{base}/chunks/{index}", content=chunk,
                           headers={"Content-Type": "application/octet-stream"})
        self._json("POST", f"{base}/complete")
        return sealer.reference(path.name, media_type)

    def attachments_of(self, message: ReadMessage) -> list[attachment_crypto.Reference]:
        """The attachments in the sections of ``message`` this reader opened."""
        return [attachment_crypto.Reference.from_json(r) for refs in message.attachments.values() for r in refs]

    def download_attachment(self, ref: attachment_crypto.Reference | dict, target: str | Path) -> Path:
        """Fetch an attachment's ciphertext as a stream, open it chunk by chunk into
        ``target`` (a file, or a directory to put the file's own name in).  Nothing is
        left at ``target`` if any chunk fails to open.

        Raises:
            AttachmentError: altered, reordered, truncated or extended ciphertext.
        """
        ref = ref if isinstance(ref, attachment_crypto.Reference) else attachment_crypto.Reference.from_json(ref)
        target = Path(target)
        if target.is_dir():
            target = target / Path(ref.filename).name
        partial = target.with_name(target.name + ".part")
        try:
            with self.http.stream("GET", f"/attachments/{ref.id}") as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise(response)
                with partial.open("wb") as out:
                    chunks = attachment_crypto.split_stream(response.iter_bytes(), ref)
                    for plain in attachment_crypto.open_chunks(ref, chunks):
                        out.write(plain)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return target

    def _nav_acts(self, case_id: str, thread_id: str, kind: str, form: dict, reference: str, summons: bool) -> dict:
        """The metadata NAV's acts need, from the form (which the server never sees)."""
        values = kinds.validate(kind, form)
        if kind == kinds.Kind.NAV_REQUEST:
            members = next(t for t in self.threads(case_id) if t["id"] == thread_id)["member_ids"]
            health = [m for m in members if m != self.me["id"]
                      and self._json("GET", f"/directory/actors/{m}")["role"] in HEALTH_PERSONNEL]
            answer_by = date.today() + timedelta(days=values.get("answer_within_days", kinds.NAV_ANSWER_DAYS))
            return {"nav_request": {"addressee_ids": health, "categories": values["requested_categories"],
                                    "reference": reference, "answer_by": answer_by.isoformat()}}
        if (kind == kinds.Kind.MEETING_INVITATION and summons and self.me["role"] in NAV_ROLES
                and values["meeting_type"] in ("dialogue_meeting_2", "dialogue_meeting_3")):
            return {"nav_summons": {"meeting_type": values["meeting_type"]}}
        return {}

    def seal(self, case_id: str, thread_id: str, kind: str, form: dict, *, in_reply_to: str | None = None,
             purpose: str | None = None, purposes: dict[str, str] | None = None,
             nav_summons: dict | None = None, attachments: dict[str, list[dict]] | None = None) -> bytes:
        """Seal without sending.

        Each category becomes one section; a recipient gets a key only for the
        categories the server's key hand-out allows them.  A section nobody may read is
        an error here (``ConsentMissing``) before anything is sent.
        """
        if self.identity is None:
            raise ValueError("sending needs an identity (private keys)")
        sections_by_category = kinds.split(kind, form, attachments)
        purpose = purpose or kinds.kind_spec(kind).default_purpose.value
        handout = self._json("POST", f"/cases/{case_id}/threads/{thread_id}/keys",
                             json={"categories": [c.value for c in sections_by_category], "purpose": purpose,
                                   "purposes": purposes or {}} | ({"nav_summons": nav_summons} if nav_summons else {}))
        categories = list(sections_by_category)
        index = {c.value: i for i, c in enumerate(categories)}
        recipients, readers = [], {i: 0 for i in range(len(categories))}
        for offer in handout["recipients"]:
            allowed = frozenset(index[a["category"]] for a in offer["allowed"] if a["category"] in index)
            keys = _usable_keys(offer["keys"])
            if not allowed or not keys:
                continue
            for key in keys:  # every device of the recipient
                recipients.append(envelope.RecipientKey(offer["recipient_id"], key["key_id"], key["kem_id"],
                                                        _unb64(key["public_key"]), allowed))
            for i in allowed:
                readers[i] += 1
        unread = [categories[i].value for i, n in readers.items() if n == 0]
        if unread:
            problems = [{"recipient_id": o["recipient_id"], "recipient_name": o["name"], **d}
                        for o in handout["recipients"] for d in o["denied"] if d["category"] in unread]
            raise ConsentMissing(403, "CONSENT_REQUIRED",
                                 f"nobody in the thread may receive: {', '.join(unread)}", problems)
        for own in _usable_keys(handout["own_keys"]):  # a copy for the author's own devices
            recipients.append(envelope.RecipientKey(self.me["id"], own["key_id"], own["kem_id"],
                                                    _unb64(own["public_key"]), frozenset(range(len(categories)))))
        header = envelope.Header(
            message_id=str(uuid.uuid4()), case_id=case_id, thread_id=thread_id, sender_id=self.me["id"],
            sender_key_id=self._own_key_ids()[1], kind=kind, in_reply_to=in_reply_to,
            created_at=datetime.now(UTC),
        )
        return envelope.seal(
            header=header,
            sections=[envelope.SectionInput(c.value, sections_by_category[c]) for c in categories],
            recipients=recipients,
            signer=Ed25519PrivateKey.from_private_bytes(self.identity.signing_key),
        )

    def send_sealed(self, case_id: str, thread_id: str, sealed: bytes, *, purpose: str | None = None,
                    purposes: dict[str, str] | None = None, nav_request: dict | None = None,
                    nav_summons: dict | None = None, plan: dict | None = None, meeting: dict | None = None,
                    attachments: dict[str, int] | None = None) -> dict:
        body = {"envelope": b64(sealed)} | ({"purpose": purpose} if purpose else {}) | {"purposes": purposes or {}}
        body |= {"attachments": attachments} if attachments else {}
        body |= ({"nav_request": nav_request} if nav_request else {}) | ({"nav_summons": nav_summons} if nav_summons else {})
        body |= {"plan": plan} if plan else {}
        body |= {"meeting": meeting} if meeting else {}
        return self._json("POST", f"/cases/{case_id}/threads/{thread_id}/messages", json=body)

    # --- reading ------------------------------------------------------------------------

    def fetch_view(self, message_id: str) -> bytes:
        """This device's view: the wraps for this identity's own encryption key."""
        params = {"key_id": self._own_key_ids()[0]} if self.identity is not None else {}
        return self._call("GET", f"/messages/{message_id}/view", params=params).content

    def open(self, view: bytes) -> ReadMessage:
        """Verify and open a sealed view with this identity."""
        peek = parse_view(view)
        sender_key = self.signing_key(peek.header.sender_id, peek.header.sender_key_id)
        secret = self.identity.encryption_seed if peek.kem_id == envelope.KEM_XWING else self.identity.x25519_private
        opened = envelope.open_view(view, identity_encryption_private=secret, sender_public_key=sender_key,
                                    recipient_id=self.me["id"])
        sections = {Category(s.category): s.plaintext for s in opened.sections}
        joined = kinds.join(opened.header.kind, sections)
        h = opened.header
        return ReadMessage(
            id=h.message_id, kind=h.kind, sender_id=h.sender_id, created_at=h.created_at, in_reply_to=h.in_reply_to,
            form=joined["form"], withheld=[str(c) for c in joined["withheld"]],
            categories=[s.category for s in opened.sections], attachments=joined.get("attachments", {}),
        )

    def read(self, message_id: str, *, receipt: bool = True) -> ReadMessage:
        message = self.open(self.fetch_view(message_id))
        if receipt and message.sender_id != self.me["id"]:
            self._call("POST", f"/messages/{message_id}/read")
        return message

    def recall(self, message_id: str) -> dict:
        return self._json("POST", f"/messages/{message_id}/recall")

    # --- realtime -----------------------------------------------------------------------

    async def watch(self, cursor: int = 0, *, reconnect: bool = False,
                    also: Sequence[str] = ()) -> AsyncIterator[dict]:
        """Events from ``cursor`` on, forever: resume with the last ``seq`` you saw.

        Message events carry ``message`` (a ``ReadMessage``) opened on the fly.  With
        ``reconnect=True`` a lost connection (the node died, the database restarted, a
        proxy dropped it) is re-opened — to this client's server or, in turn, to the
        other nodes' base URLs in ``also`` — and resumes from the last event seen, so
        nothing is missed and nothing repeats.  Each (re)connection yields a ``ready``
        event carrying the ``node`` it went to.  A refusal (bad token, 44xx close) is
        never retried.
        """
        nodes = [self.base_url, *(u.rstrip("/") for u in also)]
        attempt, delay = 0, RECONNECT_FIRST
        while True:
            node = nodes[attempt % len(nodes)]
            url = node.replace("http://", "ws://").replace("https://", "wss://") + "/ws"
            try:
                async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {self.token}"},
                                              open_timeout=10) as ws:
                    await ws.send(json.dumps({"type": "resume", "cursor": cursor}))
                    while True:
                        event = json.loads(await ws.recv())
                        if event["type"] == "ready":
                            event["node"] = node
                            delay = RECONNECT_FIRST
                        if event["type"] == "message":
                            view = _unb64(event["view"])
                            if parse_view(view).key_id != self._own_key_ids()[0]:
                                view = self.fetch_view(event["message_id"])  # pushed for another device of ours
                            event["message"] = self.open(view)
                        cursor = event.get("seq", cursor)
                        yield event
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                if not reconnect or (code is not None and 4400 <= code < 4500):
                    raise
            except (OSError, TimeoutError, websockets.InvalidStatus, websockets.InvalidHandshake):
                if not reconnect:
                    raise
            attempt += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)


def _usable_keys(keys: list[dict]) -> list[dict]:
    """The encryption keys this client can seal to (X-Wing or X25519), one per device."""
    return [k for k in keys if k["kem_id"] in SUPPORTED_KEMS]
