"""Sending and reading sealed messages, checked three times against consent.

1. Key hand-out: a sender learns a recipient's keys only for the categories that
   recipient may receive (each (recipient, category) decision is logged).
2. Acceptance: the server parses and verifies the envelope (it has no key to open it)
   and re-decides every wrap in the same transaction that stores the message; one
   missing basis rejects the whole message, with the list of what is missing.
3. Reading and pushing: a recipient is served only their own wraps, and only for
   sections whose basis still holds at that moment; each read is logged.

Each of these holds the case's employee first (``consent.serial.hold_subject``: his
lock, then the clock) and stamps everything it writes with that one instant, so a
decision and his withdrawal are ordered by the same clock under the same lock.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from consent import audit
from consent.audit import AuditTag
from consent.errors import ConsentRequired, InvalidNavAct
from consent.schemas import NavRequestAct, NavSummonsAct
from consent.serial import hold_subject
from consent.service import ConsentService, Flow
from consent.types import Category, Deny, DenyReason, Permit, Purpose
from directory import store as directory_store
from directory.columns import utcnow
from directory.errors import Conflict, InvalidInput, NotFound, SambandError
from directory.models import Actor, PublicKey
from messaging import attachments as attachment_store
from messaging import cases, envelope, meetings, plan, threads
from messaging.kinds import Kind, KindError, kind_spec
from messaging.models import Case, InboxEvent, Message, MessageWrap, Receipt
from messaging.schemas import MeetingAct, PlanMeta

KEM_OF_ALGORITHM = {"X-Wing": envelope.KEM_XWING, "X25519": envelope.KEM_X25519}
CLOCK_SKEW = timedelta(minutes=10)


class InvalidEnvelope(InvalidInput):
    code = "INVALID_ENVELOPE"


class MessageNotFound(NotFound):
    code = "MESSAGE_NOT_FOUND"


class MessageRecalled(SambandError):
    code = "MESSAGE_RECALLED"
    status = 410


class ContentPurged(SambandError):
    """The case ended and its retention period passed: the sealed bytes are gone."""

    code = "CONTENT_PURGED"
    status = 410


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Offer:
    """What a sender may encrypt to one recipient."""

    recipient_id: str
    name: str
    role: str
    allowed: list[dict] = field(default_factory=list)  # {category, basis}
    denied: list[dict] = field(default_factory=list)  # {category, reason, message}
    keys: list[dict] = field(default_factory=list)  # {key_id, kem_id, algorithm, public_key}


class Delivery:
    """Message use cases.  ``notify(actor_ids)`` is called after a commit that gave
    those actors something new (the realtime hub, or nothing)."""

    def __init__(self, consent: ConsentService, notify: Callable[[Iterable[str]], None] = lambda ids: None):
        self.consent = consent
        self.notify = notify

    # --- 1. key hand-out ------------------------------------------------------------

    def key_handout(
        self, session: Session, me: Actor, case_id: str, thread_id: str, categories: list[Category], purpose: Purpose,
        purposes: dict[str, Purpose] | None = None, nav_summons: NavSummonsAct | None = None,
    ) -> tuple[list[Offer], list[dict]]:
        """Offers for every other thread member, and the sender's own keys.

        ``purposes`` may give some recipients another purpose than ``purpose`` (the GP
        answers the manager for adaptation and NAV for its benefit assessment).
        ``nav_summons``: NAV asks for keys to call the thread's members to dialogue
        meeting 2 or 3; decided as if that summons stood (its id is "proposed" in the
        log: the summons itself is made only with the message)."""
        purposes = purposes or {}
        now = _hold_case(session, case_id)
        threads.require_thread(session, me, case_id, thread_id)
        case = session.get(Case, case_id)
        cases.require_open(case)
        members = [m for m in directory_store.actors_by_ids(session=session, ids=threads.member_ids(session, thread_id))
                   if m.id != me.id]
        flows = [Flow(m, c, purposes.get(m.id, purpose)) for m in members for c in dict.fromkeys(categories)]
        pending = []
        if nav_summons is not None:
            row = self.consent.prepare_summons_act(session, me, case.employee_id, case.id, members, nav_summons,
                                                   message_id="proposed", now=now)
            row.id = "proposed"
            pending.append(self.consent.summons_of(row))
        decided = self.consent.authorize_many(
            session, actor=me, subject_id=case.employee_id, sender=me, flows=flows, case_id=case.id, at=now,
            granted=AuditTag.KEYS_GRANTED, denied=AuditTag.KEYS_DENIED, pending=pending,
        )
        offers = {m.id: Offer(m.id, m.name, m.role) for m in members}
        for flow, (decision, _) in zip(flows, decided):
            offer = offers[flow.recipient.id]
            if isinstance(decision, Permit):
                offer.allowed.append({"category": flow.category.value, "basis": decision.basis.text})
            else:
                denied = self._problem(case, me, flow, decision, now)
                offer.denied.append({k: denied[k] for k in ("category", "reason", "message", "statutory_possible")
                                     if k in denied})
        for offer in offers.values():
            if offer.allowed:
                offer.keys = _encryption_keys(session, offer.recipient_id)
        session.commit()
        return list(offers.values()), _encryption_keys(session, me.id)

    # --- 2. acceptance --------------------------------------------------------------

    def accept(
        self, session: Session, me: Actor, case_id: str, thread_id: str, data: bytes, purpose: Purpose | None = None,
        purposes: dict[str, Purpose] | None = None, *, now: datetime | None = None,
        nav_request: NavRequestAct | None = None, nav_summons: NavSummonsAct | None = None,
        plan_meta: PlanMeta | None = None,
        meeting: MeetingAct | None = None,
        attachments: dict[str, int] | None = None,
    ) -> Message:
        """Store a sealed message if every wrap has a basis now; else store nothing.

        A ``nav_request`` message must come with ``nav_request`` (its metadata): NAV's
        request under folketrygdloven § 21-4 is registered in the same transaction as
        the message, so the request exists exactly when the message does.  NAV's
        ``meeting_invitation`` to dialogue meeting 2 or 3 may come with ``nav_summons``
        and is then registered the same way (folketrygdloven § 8-7a).  A follow-up plan
        message in a plan thread comes with ``plan_meta`` (``messaging.plan``): a new
        version is numbered, a copy sent on or the employee's acknowledgement recorded,
        in the same transaction.  A meeting message may name its meeting in ``meeting``
        (``messaging.meetings``): checked against the envelope and the meeting's state
        before anything is decided, written with it.

        Raises:
            InvalidEnvelope: malformed, not signed by the caller's key, or addressed wrongly.
            InvalidNavAct: NAV's metadata is missing, or does not fit the message.
            InvalidPlan: the plan metadata is missing, or does not fit the message.
            InvalidMeeting, MeetingNotAllowed: the meeting metadata does not fit, or the
                sender may not do this to the meeting.
            ConsentRequired: some (recipient, category) has no basis; ``details`` lists them.
            Conflict: the message id is already taken.
        """
        now = _hold_case(session, case_id, now)  # before anything is decided; the skew check uses it too
        thread = threads.require_thread(session, me, case_id, thread_id)
        case = session.get(Case, case_id)
        cases.require_open(case)
        env = self._checked_envelope(session, me, case, thread.id, data, now)
        purpose = purpose or kind_spec(env.header.kind).default_purpose
        purposes = purposes or {}
        members = set(threads.member_ids(session, thread.id))
        categories = {s.section_id: s.category for s in env.sections}

        recipients = self._check_recipient_keys(session, env, members)
        acts = self._nav_acts(session, me, case, env, recipients, nav_request, nav_summons, now)
        plan_pending = plan.prepare(session, me, case, thread, env.header, plan_meta, now)
        meeting_write = meetings.prepare(
            session, me, case, thread.id, env.header.kind, env.header.message_id, set(recipients), meeting,
            nav_summons.meeting_type if nav_summons is not None else None, now)
        wraps, flows = [], []
        for block in env.recipients:
            recipient = recipients[block.recipient_id]
            why = purposes.get(recipient.id, purpose)
            for wrap in block.wraps:
                category = categories[wrap.section_id]
                wraps.append({"message_id": env.header.message_id, "recipient_id": recipient.id, "key_id": block.key_id,
                              "section_id": wrap.section_id, "category": category, "purpose": why.value})
                if recipient.id != me.id:  # the author keeps a copy for their own devices: no disclosure
                    flows.append(Flow(recipient, Category(category), why))
        decided = self.consent.authorize_many(
            session, actor=me, subject_id=case.employee_id, sender=me, flows=flows, case_id=case.id, at=now,
            granted=AuditTag.MESSAGE_GRANTED, denied=AuditTag.MESSAGE_DENIED, all_or_nothing=True,
            pending=[self.consent.summons_of(acts)] if acts is not None and not isinstance(acts, list) else [],
        )
        problems = [
            self._problem(case, me, f, d, now) for f, (d, _) in zip(flows, decided) if isinstance(d, Deny)
        ]
        if problems:
            session.commit()  # the denials stay in the log; nothing of the message (nor NAV's act) was written
            who = "; ".join(f"{p['recipient_name']}: {p['category']} ({p['reason']})" for p in problems)
            if all("statutory_possible" in p for p in problems):
                law = problems[0]["statutory_possible"]["law"]
                advice = (f"{law} gives a basis once NAV has asked for exactly this; NAV has not asked (yet). "
                          "Leave those sections out, or wait for NAV's request")
            else:
                advice = "Ask the employee for consent, or leave those sections out"
            raise ConsentRequired(f"the message was not sent: no basis for {who}. {advice}", details=problems)

        h = env.header
        row = {
            "id": h.message_id, "case_id": case.id, "thread_id": thread.id, "sender_id": me.id, "kind": h.kind,
            "purpose": purpose.value, "in_reply_to": h.in_reply_to, "created_at": h.created_at, "accepted_at": now,
            "envelope": data, "recalled_at": None,
        }
        try:
            session.execute(Message.__table__.insert(), [row])
        except IntegrityError:  # the primary key: this message id was used before
            session.rollback()
            raise Conflict(f"message {h.message_id} was already sent") from None
        session.execute(MessageWrap.__table__.insert(), wraps)
        if attachments:
            try:
                attachment_store.link(session, me_id=me.id, thread_id=thread.id, message_id=h.message_id,
                                      named=attachments, section_ids=set(categories))
            except SambandError:
                session.rollback()
                raise
        if isinstance(acts, list):
            self.consent.record_nav_request_act(session, acts, case_id=case.id)
        elif acts is not None:
            self.consent.record_summons_act(session, acts)
        plan.record(session, plan_pending, h.message_id, now)
        if meeting_write is not None:
            meetings.record(session, meeting_write, me, h.message_id, now)
        to_notify = sorted({w["recipient_id"] for w in wraps} - {me.id})
        if to_notify:
            session.execute(Receipt.__table__.insert(), [
                {"message_id": h.message_id, "actor_id": rid, "delivered_at": None, "read_at": None} for rid in to_notify])
            event = json.dumps({"sender_id": me.id, "kind": h.kind})
            session.execute(InboxEvent.__table__.insert(), [
                {"actor_id": rid, "kind": "message", "message_id": h.message_id, "case_id": case.id,
                 "thread_id": thread.id, "data": event, "created_at": now} for rid in to_notify])
        session.commit()
        self.notify(to_notify)
        return Message(**row)

    def _problem(self, case: Case, me: Actor, flow: Flow, decision: Deny, now: datetime) -> dict:
        """One missing basis, as the 403's details say it; with ``statutory_possible``
        where a rule would cover the flow once NAV asks (so no consent is the answer)."""
        problem = {"recipient_id": flow.recipient.id, "recipient_name": flow.recipient.name,
                   "category": flow.category.value, "reason": decision.reason.value, "message": decision.message}
        if decision.reason is DenyReason.NO_BASIS:
            hint = self.consent.statutory_hint(subject_id=case.employee_id, sender=me, recipient=flow.recipient,
                                               category=flow.category, purpose=flow.purpose, at=now)
            if hint is not None:
                problem["statutory_possible"] = hint
        return problem

    def _nav_acts(self, session: Session, me: Actor, case: Case, env, recipients: dict[str, Actor],
                  nav_request: NavRequestAct | None, nav_summons: NavSummonsAct | None, now: datetime):
        """NAV's act this message makes, checked and unsaved: request rows, a summons
        row, or None.  The server sees only this metadata, never the content."""
        kind = env.header.kind
        others = [a for a in recipients.values() if a.id != me.id]
        if kind == Kind.NAV_REQUEST:
            if nav_request is None:
                raise InvalidNavAct(
                    "a nav_request message needs its 'nav_request' metadata (addressee_ids, categories, and "
                    "optionally reference and answer_by): it registers NAV's request under folketrygdloven § 21-4")
            if nav_summons is not None:
                raise InvalidNavAct("'nav_summons' goes with a meeting_invitation, not with a nav_request")
            return self.consent.prepare_nav_request_act(
                session, me, case.employee_id, others, nav_request, message_id=env.header.message_id, now=now)
        if nav_request is not None:
            raise InvalidNavAct(f"'nav_request' metadata goes with a nav_request message, not with '{kind}'")
        if nav_summons is not None:
            if kind != Kind.MEETING_INVITATION:
                raise InvalidNavAct(f"'nav_summons' goes with a meeting_invitation, not with '{kind}'")
            return self.consent.prepare_summons_act(
                session, me, case.employee_id, case.id, others, nav_summons, message_id=env.header.message_id, now=now)
        return None

    def _checked_envelope(self, session: Session, me: Actor, case: Case, thread_id: str, data: bytes, now: datetime):
        try:
            env = envelope.parse(data)
        except envelope.EnvelopeError:
            raise InvalidEnvelope("the envelope is malformed (see docs/envelope.md)") from None
        h = env.header
        if h.case_id != case.id or h.thread_id != thread_id:
            raise InvalidEnvelope("the envelope names another case or thread than the one you post to")
        if h.sender_id != me.id:
            raise InvalidEnvelope("the envelope names another sender than you")
        if abs(h.created_at - now) > CLOCK_SKEW:
            raise InvalidEnvelope("the envelope's created_at is more than 10 minutes off the server's clock")
        try:
            spec = kind_spec(h.kind)
        except KindError as exc:
            raise InvalidEnvelope(str(exc)) from None
        if me.role not in spec.sender_roles:
            raise InvalidEnvelope(f"a {me.role} does not send '{h.kind}' messages")
        known = {c.value for c in Category}
        for section in env.sections:
            if section.category not in known:
                raise InvalidEnvelope(f"unknown information category '{section.category}'")
        key = session.get(PublicKey, h.sender_key_id)
        if key is None or key.actor_id != me.id or key.purpose != "signing" or key.revoked_at is not None:
            raise InvalidEnvelope("the envelope is not signed with one of your active signing keys")
        try:
            envelope.verify(env, _raw(key.public_key))
        except envelope.EnvelopeError:
            raise InvalidEnvelope("the envelope's signature does not verify") from None
        if h.in_reply_to is not None:
            parent = session.get(Message, h.in_reply_to)
            if parent is None or parent.thread_id != thread_id:
                raise InvalidEnvelope("in_reply_to names no message in this thread")
        return env

    def _check_recipient_keys(self, session: Session, env, members: set[str]) -> dict[str, Actor]:
        """Every recipient block names a thread member and one of their active
        encryption keys of the block's KEM; the recipients by id."""
        keys = {k.key_id: k for k in session.exec(
            select(PublicKey).where(PublicKey.key_id.in_([b.key_id for b in env.recipients]))).all()}
        for block in env.recipients:
            if block.recipient_id not in members:
                raise InvalidEnvelope(f"recipient {block.recipient_id} is not a member of this thread")
            key = keys.get(block.key_id)
            if (
                key is None or key.actor_id != block.recipient_id or key.purpose != "encryption"
                or key.revoked_at is not None or KEM_OF_ALGORITHM.get(key.algorithm) != block.kem_id
            ):
                raise InvalidEnvelope(
                    f"key {block.key_id} is not an active encryption key of recipient {block.recipient_id}")
        ids = list({b.recipient_id for b in env.recipients})
        return {a.id: a for a in directory_store.actors_by_ids(session=session, ids=ids)}

    # --- 3. reading ------------------------------------------------------------------

    def view(
        self, session: Session, me: Actor, message_id: str, *, key_id: str | None = None,
        granted: AuditTag = AuditTag.READ_GRANTED, denied: AuditTag = AuditTag.READ_DENIED,
    ) -> tuple[Message, bytes, list[int]]:
        """``me``'s view of a message: own wraps, sections whose basis still holds.

        Raises:
            MessageNotFound: no such message for ``me``.  MessageRecalled: recalled.
            ConsentRequired: the basis for every section is gone.
        """
        now = _hold_message(session, message_id)
        message = self._require_message(session, me, message_id)
        wraps = _my_wraps(session, message.id, me.id, key_id)
        if not wraps:
            raise MessageNotFound(f"message {message_id} holds no key of yours")
        case = session.get(Case, message.case_id)
        sender = directory_store.get_actor(session=session, actor_id=message.sender_id)
        withhold = []
        if me.id != message.sender_id:  # the author reading their own copy discloses nothing
            decided = self.consent.authorize_many(
                session, actor=me, subject_id=case.employee_id, sender=sender, case_id=case.id,
                flows=[Flow(me, Category(w.category), Purpose(w.purpose)) for w in wraps], at=now,
                granted=granted, denied=denied,
            )
            withhold = [w.section_id for w, (d, _) in zip(wraps, decided) if isinstance(d, Deny)]
        if len(withhold) == len(wraps):
            session.commit()  # the denials stay in the log
            raise ConsentRequired("the employee's consent for what this message holds for you no longer stands")
        data = envelope.view_for(envelope.parse(message.envelope), me.id, wraps[0].key_id, withhold=set(withhold))
        self._mark(session, me, message, now, delivered=True)
        session.commit()
        self._flush_notifications(session)
        return message, data, withhold

    def attachment(self, session: Session, me: Actor, attachment_id: str):
        """An attachment ``me`` may fetch now: one in a section of a message ``me``
        holds a wrap for, whose basis still holds (decided and logged like a view;
        the author fetching their own discloses nothing).  Anyone else hears 404,
        whether it exists or not.

        Raises:
            AttachmentNotFound: none for ``me``.  MessageRecalled: its message was recalled.
            ConsentRequired: the basis for its section is gone.
        """
        from messaging.models import Attachment

        missing = attachment_store.AttachmentNotFound(f"no attachment {attachment_id} for you")
        row = session.get(Attachment, attachment_id)
        if row is None or row.message_id is None:
            raise missing
        now = _hold_message(session, row.message_id)
        try:
            message = self._require_message(session, me, row.message_id)
        except MessageNotFound:
            raise missing from None
        wrap = next((w for w in _my_wraps(session, message.id, me.id, None) if w.section_id == row.section_id), None)
        if wrap is None:
            raise missing
        if me.id != message.sender_id:
            case = session.get(Case, message.case_id)
            sender = directory_store.get_actor(session=session, actor_id=message.sender_id)
            [(decision, _)] = self.consent.authorize_many(
                session, actor=me, subject_id=case.employee_id, sender=sender, case_id=case.id,
                flows=[Flow(me, Category(wrap.category), Purpose(wrap.purpose))], at=now,
                granted=AuditTag.READ_GRANTED, denied=AuditTag.READ_DENIED,
            )
            if isinstance(decision, Deny):
                session.commit()  # the denial stays in the log
                raise ConsentRequired("the employee's consent for the section this attachment belongs to no longer stands")
        session.commit()
        return row

    def _require_message(self, session: Session, me: Actor, message_id: str) -> Message:
        message = session.get(Message, message_id)
        if message is None:
            raise MessageNotFound(f"no message {message_id} for you")
        try:
            threads.require_thread(session, me, message.case_id, message.thread_id)
        except threads.ThreadNotFound:
            raise MessageNotFound(f"no message {message_id} for you") from None
        if message.recalled_at is not None:
            raise MessageRecalled(f"the sender recalled this message on {message.recalled_at.date().isoformat()}")
        if message.envelope is None:
            case = session.get(Case, message.case_id)
            when = case.purged_at.date().isoformat() if case is not None and case.purged_at else "earlier"
            raise ContentPurged(f"the content of this message was deleted on {when}: the case had ended and its "
                                "retention period passed (docs/retention.md); what was shared is still in the log")
        return message

    def _mark(self, session: Session, me: Actor, message: Message, now: datetime, *, delivered: bool = False,
              read: bool = False) -> None:
        """Receipts, stamped ``now``: the instant the caller's hold on the employee gave."""
        receipt = session.get(Receipt, (message.id, me.id))
        if receipt is None:
            return
        changed = []
        if delivered and receipt.delivered_at is None:
            receipt.delivered_at = now
            changed.append("delivered")
        if read and receipt.read_at is None:
            receipt.read_at = now
            receipt.delivered_at = receipt.delivered_at or now
            changed.append("read")
        for what in changed:
            session.add(InboxEvent(actor_id=message.sender_id, kind="receipt", message_id=message.id,
                                   case_id=message.case_id, thread_id=message.thread_id, created_at=now,
                                   data=json.dumps({"recipient_id": me.id, "receipt": what, "at": now.isoformat()})))
        if changed:
            session.add(receipt)
            session.info.setdefault("notify", set()).add(message.sender_id)

    def mark_read(self, session: Session, me: Actor, message_id: str) -> Receipt:
        now = _hold_message(session, message_id)
        message = self._require_message(session, me, message_id)
        if session.get(Receipt, (message.id, me.id)) is None:
            raise MessageNotFound(f"message {message_id} was not sent to you")
        self._mark(session, me, message, now, read=True)
        session.commit()
        self._flush_notifications(session)
        return session.get(Receipt, (message.id, me.id))

    def _flush_notifications(self, session: Session) -> None:
        pending = session.info.pop("notify", set())
        if pending:
            self.notify(pending)

    def recall(self, session: Session, me: Actor, message_id: str, *, now: datetime | None = None) -> Message:
        """The sender withdraws a message sent to the wrong person or about the wrong patient."""
        now = _hold_message(session, message_id, now)
        message = session.get(Message, message_id)
        if message is None or message.sender_id != me.id or not threads.takes_part(session, me, message.thread_id):
            # A sender who has left the case (removed, excluded) hears the made-up id's answer.
            raise MessageNotFound(f"you sent no message {message_id}")
        if message.recalled_at is not None:
            return message
        cases.require_open(session.get(Case, message.case_id))
        message.recalled_at = now
        session.add(message)
        self.consent.end_acts_of_message(session, message.id, now=now)  # NAV's request or summons ends with it
        attachment_store.delete_for_messages(session, [message.id])  # rows now, files once this commits
        case = session.get(Case, message.case_id)
        recipients = [r.actor_id for r in session.exec(select(Receipt).where(Receipt.message_id == message.id)).all()]
        for rid in recipients:
            session.add(InboxEvent(actor_id=rid, kind="recall", message_id=message.id, case_id=message.case_id,
                                   thread_id=message.thread_id, created_at=now, data=json.dumps({"sender_id": me.id})))
        audit.append(session, tag=AuditTag.MESSAGE_RECALLED, subject_id=case.employee_id, actor_id=me.id,
                     outcome="record", at=now, sender_id=me.id, case_id=case.id, basis_ref=message.id)
        session.commit()
        self.notify(recipients)
        return message

    # --- listing and realtime ------------------------------------------------------------

    def messages_in_thread(self, session: Session, me: Actor, case_id: str, thread_id: str) -> list[dict]:
        """Metadata only (who, when, kind, which sections are for me); content comes by ``view``."""
        threads.require_thread(session, me, case_id, thread_id)
        rows = session.exec(select(Message).where(Message.thread_id == thread_id).order_by(col(Message.accepted_at))).all()
        out = []
        for m in rows:
            mine = _my_wraps(session, m.id, me.id, None)
            receipts = session.exec(select(Receipt).where(Receipt.message_id == m.id)).all()
            out.append({
                "id": m.id, "sender_id": m.sender_id, "kind": m.kind, "purpose": m.purpose, "in_reply_to": m.in_reply_to,
                "created_at": m.created_at, "recalled": m.recalled_at is not None,
                "my_sections": [{"section_id": w.section_id, "category": w.category} for w in mine],
                "receipts": [{"recipient_id": r.actor_id, "delivered_at": r.delivered_at, "read_at": r.read_at}
                             for r in receipts] if m.sender_id == me.id else None,
                "unread": any(r.actor_id == me.id and r.read_at is None for r in receipts),
            })
        return out

    def events_after(self, session: Session, me: Actor, cursor: int, limit: int = 100) -> list[InboxEvent]:
        return list(session.exec(
            select(InboxEvent).where(InboxEvent.actor_id == me.id, InboxEvent.seq > cursor)
            .order_by(col(InboxEvent.seq)).limit(limit)
        ).all())

    def push_payload(self, session: Session, me: Actor, event: InboxEvent) -> dict | None:
        """What to push for one inbox event, re-authorised now; None if nothing may go."""
        base = {"seq": event.seq, "type": event.kind, "message_id": event.message_id,
                "case_id": event.case_id, "thread_id": event.thread_id, **json.loads(event.data)}
        if event.case_id is not None and event.thread_id is not None:
            # Someone removed from the case, or excluded, hears nothing more of it: not
            # the receipts of what they sent, nor the recalls of what they got.
            try:
                threads.require_thread(session, me, event.case_id, event.thread_id)
            except threads.ThreadNotFound:
                return None
        if event.kind != "message":
            return base
        try:
            message, data, withheld = self.view(session, me, event.message_id,
                                                granted=AuditTag.PUSH_GRANTED, denied=AuditTag.PUSH_DENIED)
        except (ConsentRequired, MessageRecalled, MessageNotFound):
            session.rollback()
            return None
        return {**base, "kind": message.kind, "view": _b64(data), "withheld": withheld}


def _hold_case(session: Session, case_id: str, now: datetime | None = None) -> datetime:
    """Hold the case's employee (his lock, then the clock: ``consent.serial``); the
    instant to stamp with: ``now`` when the caller gives one (tests, synthetic data),
    else the one read under the lock.  A missing case holds nobody; the caller's
    visibility check then answers "not found"."""
    case = session.get(Case, case_id)
    held = hold_subject(session, case.employee_id) if case is not None else utcnow()
    return now or held


def _hold_message(session: Session, message_id: str, now: datetime | None = None) -> datetime:
    """``_hold_case`` for the case a message belongs to."""
    message = session.get(Message, message_id)
    held = _hold_case(session, message.case_id) if message is not None else utcnow()
    return now or held


def _raw(b64: str) -> bytes:
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))


def _encryption_keys(session: Session, actor_id: str) -> list[dict]:
    return [
        {"key_id": k.key_id, "kem_id": KEM_OF_ALGORITHM[k.algorithm], "algorithm": k.algorithm, "public_key": k.public_key}
        for k in directory_store.active_keys(session=session, actor_id=actor_id)
        if k.purpose == "encryption"
    ]


def _my_wraps(session: Session, message_id: str, actor_id: str, key_id: str | None) -> list[MessageWrap]:
    query = select(MessageWrap).where(MessageWrap.message_id == message_id, MessageWrap.recipient_id == actor_id)
    rows = list(session.exec(query.order_by(col(MessageWrap.key_id), col(MessageWrap.section_id))).all())
    chosen = key_id or (rows[0].key_id if rows else None)
    return [w for w in rows if w.key_id == chosen]
