"""The employee's disclosure log as a person reads it (``/portal/log``, issue 9 item 5).

The hash-chained log (``consent.audit``) has one entry per decision: a message to one
person with two kinds of information is two entries when the sender gets the keys, two
when it is accepted, two for each push and two more every time it is opened.  Here
they become one line per thing that happened, in plain words:

- **a message, per recipient**: the key hand-out, the acceptance, pushes and every read
  fold into one line that says how far it got (sent, received, read), when, and on
  what basis ("Lise Berg leste «Vurdering av funksjonsevne» fra Ingrid Solberg ...
  fordi du samtykket 1. desember");
- **a stopped attempt**, per sender, recipient and reason: what was stopped, why, and
  what the person can do, said calmly;
- **everything else** (a consent given, to whom and for what; a person added to the
  case; NAV's request; ...): one line each.

Each line keeps its entries (``technical``: the sentence per entry, with its number in
the chain) for the page to fold beneath it.  Nothing here changes the log: it is read
only, and the entries' own fields decide every grouping.  Which message an entry
belongs to comes from the message's metadata the server already holds (sender, case,
the time it was accepted, whose keys hold which kind of information), never content.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from consent.audit import AuditTag
from consent.types import Category, Grant, Party, PartyKind, Purpose
from directory import store as directory_store
from directory.models import Actor
from messaging import cases as case_service
from messaging.kinds import KindError, kind_spec
from messaging.models import Message, MessageWrap
from web.i18n import Translator

T = AuditTag
STOPPED = {T.KEYS_DENIED, T.MESSAGE_DENIED, T.READ_DENIED, T.PUSH_DENIED, T.DECISION_DENIED}
_STOP_KIND = {T.KEYS_DENIED: "send", T.MESSAGE_DENIED: "send", T.READ_DENIED: "read", T.PUSH_DENIED: "read",
              T.DECISION_DENIED: "decision"}  # fmt: skip


def basis_words(t: Translator, entry, grants: dict[str, Grant], *, prefix: str = "basis") -> str:
    """The basis of a permitted entry in words: as a noun phrase ("ditt samtykke av
    1. desember 2026", keys ``basis.*``) or, with ``prefix="log.because"``, as the end of a
    sentence ("fordi du samtykket 1. desember 2026")."""
    kind = entry.basis_kind
    if kind == "consent":
        grant = grants.get(entry.basis_ref or "")
        return t(f"{prefix}.consent", date=t.date(grant.granted_at)) if grant else t(f"{prefix}.consent_unknown")
    if kind == "statutory":
        law = entry.basis_text or entry.basis_ref or ""
        return t(f"{prefix}.statutory_nav" if "/" in (entry.basis_ref or "") else f"{prefix}.statutory", law=law)
    if kind == "own":
        return t(f"{prefix}.own")
    return entry.basis_text or ""


def _leaf_time(value: datetime) -> str:
    """An entry's time as its leaf writes it (docs/disclosure-log.md), for the browser to match."""
    return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _because(t: Translator, entry, grants: dict[str, Grant]) -> str:
    return basis_words(t, entry, grants, prefix="log.because")


@dataclass
class _Msg:
    id: str
    kind: str
    sender_id: str
    case_id: str
    accepted_at: datetime
    recalled_at: datetime | None
    categories: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # recipient -> categories


@dataclass
class _Line:
    kind: str  # message | prepared | stopped | event
    entries: list = field(default_factory=list)
    sender: str | None = None
    recipient: str | None = None
    categories: set[str] = field(default_factory=set)
    message: _Msg | None = None
    sent: object = None  # the acceptance entry
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    reads: set[datetime] = field(default_factory=set)
    stop_kind: str = ""
    reason: str = ""
    attempts: set[datetime] = field(default_factory=set)

    @property
    def last(self) -> datetime:
        return max(e.occurred_at for e in self.entries)

    @property
    def first_seq(self) -> int:
        return min(e.seq for e in self.entries)


def _messages(session: Session, case_ids: set[str]) -> dict[tuple[str, str, datetime], _Msg]:
    """Messages of these cases by (sender, case, accepted at): the key an acceptance
    entry shares with its message (``messaging.delivery.accept`` logs at that time)."""
    if not case_ids:
        return {}
    rows = session.exec(select(Message.id, Message.kind, Message.sender_id, Message.case_id, Message.accepted_at,
                               Message.recalled_at).where(col(Message.case_id).in_(case_ids))).all()
    found = {r[0]: _Msg(*r) for r in rows}
    if found:
        wraps = session.exec(select(MessageWrap.message_id, MessageWrap.recipient_id, MessageWrap.category)
                             .where(col(MessageWrap.message_id).in_(list(found)))).all()
        for message_id, recipient_id, category in wraps:
            found[message_id].categories[recipient_id].add(category)
    return {(m.sender_id, m.case_id, m.accepted_at): m for m in found.values()}


def group(session: Session, t: Translator, me: Actor, entries, grants: dict[str, Grant]) -> list[dict]:
    """``entries`` (any order) as lines, newest first; see the module docstring."""
    entries = sorted(entries, key=lambda e: e.seq)
    messages = _messages(session, {e.case_id for e in entries if e.case_id})
    lines: list[_Line] = []
    by_message: dict[tuple[str, str], _Line] = {}  # (message or acceptance key, recipient)
    sent_lines: dict[tuple, list[_Line]] = defaultdict(list)  # (sender, recipient, case) -> lines, oldest first
    stopped: dict[tuple, _Line] = {}
    pending_keys: list = []

    for e in entries:
        tag = T(e.tag) if e.tag in T._value2member_map_ else None
        if tag is T.MESSAGE_GRANTED:
            msg = messages.get((e.sender_id, e.case_id, e.occurred_at))
            key = (msg.id if msg else f"{e.sender_id}@{e.occurred_at.isoformat()}", e.recipient_id)
            line = by_message.get(key)
            if line is None:
                line = by_message[key] = _Line("message", sender=e.sender_id, recipient=e.recipient_id, message=msg,
                                               sent=e)
                lines.append(line)
                sent_lines[(e.sender_id, e.recipient_id, e.case_id)].append(line)
            line.entries.append(e)
            line.categories.add(e.category)
        elif tag is T.KEYS_GRANTED:
            pending_keys.append(e)
        elif tag in (T.PUSH_GRANTED, T.READ_GRANTED):
            candidates = [
                ln for ln in sent_lines.get((e.sender_id, e.recipient_id, e.case_id), [])
                if ln.sent.occurred_at <= e.occurred_at
                and (ln.message is None or e.category in ln.message.categories.get(e.recipient_id, ln.categories))
            ]
            if not candidates:
                lines.append(_Line("event", entries=[e], sender=e.sender_id, recipient=e.recipient_id))
                continue
            line = candidates[-1]
            line.entries.append(e)
            if tag is T.PUSH_GRANTED:
                line.delivered_at = line.delivered_at or e.occurred_at
            else:
                line.read_at = line.read_at or e.occurred_at
                line.reads.add(e.occurred_at)
        elif tag in STOPPED:
            code = (e.reason or "").split(":", 1)[0]
            key = (_STOP_KIND[tag], e.sender_id, e.recipient_id, code)
            line = stopped.get(key)
            if line is None:
                line = stopped[key] = _Line("stopped", sender=e.sender_id, recipient=e.recipient_id,
                                            stop_kind=_STOP_KIND[tag], reason=code)
                lines.append(line)
            line.entries.append(e)
            line.categories.add(e.category)
            line.attempts.add(e.occurred_at.replace(microsecond=0))
        else:
            lines.append(_Line("event", entries=[e], sender=e.sender_id, recipient=e.recipient_id))

    # A key hand-out belongs to the first message its sender sent that recipient after
    # it; one that led to no message (the writer stopped) is a line of its own.
    prepared: dict[tuple, _Line] = {}
    for e in pending_keys:
        later = [ln for ln in sent_lines.get((e.sender_id, e.recipient_id, e.case_id), [])
                 if ln.sent.occurred_at >= e.occurred_at and e.category in ln.categories]
        if later:
            later[0].entries.append(e)
            continue
        key = (e.sender_id, e.recipient_id, e.case_id)
        if key not in prepared:
            prepared[key] = _Line("prepared", sender=e.sender_id, recipient=e.recipient_id)
            lines.append(prepared[key])
        prepared[key].entries.append(e)
        prepared[key].categories.add(e.category)

    return _render(session, t, me, lines, grants)


def _render(session: Session, t: Translator, me: Actor, lines: list[_Line], grants: dict[str, Grant]) -> list[dict]:
    all_entries = [e for ln in lines for e in ln.entries]
    ids = {x for e in all_entries for x in (e.actor_id, e.sender_id, e.recipient_id) if x}
    ids |= {g.recipient.value for g in grants.values() if g.recipient.kind is PartyKind.PERSON}
    ids |= {g.discloser.value for g in grants.values() if g.discloser and g.discloser.kind is PartyKind.PERSON}
    names = {a.id: a.name for a in directory_store.actors_by_ids(session=session, ids=sorted(ids))}
    roles: dict[str, str] = {}
    for case_id in sorted({e.case_id for e in all_entries if e.case_id}):
        for p in case_service.participants(session, case_id):
            roles.setdefault(p.actor_id, p.case_role)

    def name(actor_id: str | None) -> str:
        if actor_id is None:
            return t("log.someone")
        return t("log.you") if actor_id == me.id else names.get(actor_id, t("log.someone"))

    def person(actor_id: str | None) -> str:
        """A name with the person's part in the case: "Ingrid Solberg (fastlege)"."""
        if actor_id and actor_id != me.id and actor_id in roles:
            return t("log.person", name=name(actor_id), role=t.case_role(roles[actor_id]))
        return name(actor_id)

    def party(p: Party | None) -> str:
        if p is None:
            return t("party.anyone_in_case")
        return t(f"party.role.{p.value}") if p.kind is PartyKind.ROLE else person(p.value)

    def listed(items: list[str]) -> str:
        quoted = [f"«{i}»" for i in items]
        return quoted[0] if len(quoted) == 1 else t("log.list", first=", ".join(quoted[:-1]), last=quoted[-1])

    def categories(codes) -> str:
        return listed([t.category(c) for c in Category if c.value in set(codes)])

    def technical(e) -> dict:
        key = f"tag.{e.tag}" if t.has(f"tag.{e.tag}") else "tag.unknown"
        text = t(key, actor=name(e.actor_id), sender=name(e.sender_id), recipient=name(e.recipient_id),
                 category=t.category(e.category) if e.category else "")
        basis = stopped = None
        if e.outcome == "permit":
            basis = basis_words(t, e, grants)
        elif e.outcome == "deny":
            code = (e.reason or "").split(":", 1)[0]
            stopped = t(f"deny.{code}") if t.has(f"deny.{code}") else t("deny.no_basis")
        return {"seq": e.seq, "at": e.occurred_at, "text": text[:1].upper() + text[1:], "outcome": e.outcome,
                "purpose": t.purpose(e.purpose) if e.purpose else None, "basis": basis, "stopped": stopped,
                "tag": e.tag, "entry_id": e.entry_id, "index": getattr(e, "leaf_index", None),
                "leaf_at": _leaf_time(e.occurred_at)}  # what the browser matches to the entry's leaf

    out = []
    for ln in lines:
        first = min(ln.entries, key=lambda e: e.seq)
        row = {"kind": ln.kind, "at": ln.last, "since": None, "because": None, "notes": [], "stopped": None,
               "help": None, "people": sorted({x for e in ln.entries for x in (e.actor_id, e.sender_id, e.recipient_id)
                                               if x and x != me.id}),
               "technical": [technical(e) for e in sorted(ln.entries, key=lambda e: e.seq, reverse=True)],
               "first_seq": ln.first_seq}
        if ln.kind == "message":
            what = _kind_title(t, ln.message.kind) if ln.message else t("log.a_message")
            values = dict(sender=person(ln.sender), recipient=person(ln.recipient), kind=what,
                          categories=categories(ln.categories))
            if ln.read_at:
                row["text"], row["at"] = t("log.line.read", **values), ln.read_at
                row["notes"].append(t("log.note.sent", when=t.datetime(ln.sent.occurred_at)))
                if len(ln.reads) > 1:
                    row["notes"].append(t("log.note.reads", n=len(ln.reads)))
            elif ln.delivered_at:
                row["text"], row["at"] = t("log.line.delivered", **values), ln.delivered_at
                row["notes"].append(t("log.note.sent", when=t.datetime(ln.sent.occurred_at)))
            else:
                row["text"], row["at"] = t("log.line.sent", **values), ln.sent.occurred_at
            if ln.message and ln.message.recalled_at:
                row["notes"].append(t("log.note.recalled", when=t.datetime(ln.message.recalled_at)))
            row["because"] = _because(t, ln.sent, grants)
            row["last"] = ln.last
        elif ln.kind == "prepared":
            row["text"] = t("log.line.prepared", sender=person(ln.sender), recipient=person(ln.recipient),
                            categories=categories(ln.categories))
            row["because"] = _because(t, first, grants)
        elif ln.kind == "stopped":
            values = dict(sender=person(ln.sender), recipient=person(ln.recipient),
                          categories=categories(ln.categories))
            row["text"] = t(f"log.stopped.{ln.stop_kind}", **values)
            reason = ln.reason if t.has(f"deny.{ln.reason}") else "no_basis"
            row["stopped"] = t("log.stopped.why", reason=t(f"deny.{reason}"))
            row["help"] = t(f"log.stopped.help.{reason}", recipient=name(ln.recipient))
            if len(ln.attempts) > 1:
                row["notes"].append(t("log.note.attempts", n=len(ln.attempts)))
        else:
            row["text"] = _event_text(t, first, grants, name, person, party, categories)
            if first.outcome == "permit":
                row["because"] = _because(t, first, grants)
        out.append(row)
    out.sort(key=lambda r: (r["at"], r["first_seq"]), reverse=True)
    return out


def _kind_title(t: Translator, kind: str) -> str:
    try:
        spec = kind_spec(kind)
    except KindError:
        return t("log.a_message")
    return f"«{spec.title_nb if t.lang == 'nb' else spec.title_en}»"


def _event_text(t: Translator, e, grants: dict[str, Grant], name, person, party, categories) -> str:
    grant = grants.get(e.basis_ref or "") if e.tag in (T.GRANT_CREATED, T.GRANT_REVOKED) else None
    if grant is not None:
        purposes = ", ".join(t.purpose(p).lower() for p in Purpose if p in grant.purposes)
        values = dict(who=party(grant.recipient), categories=categories([c.value for c in grant.categories]),
                      purposes=purposes, until=t.date(grant.valid_to))
        text = t("log.grant.given" if e.tag == T.GRANT_CREATED else "log.grant.withdrawn", **values)
        if grant.discloser is not None and e.tag == T.GRANT_CREATED:
            text += t("log.grant.from", discloser=party(grant.discloser))
        return text
    key = f"tag.{e.tag}" if t.has(f"tag.{e.tag}") else "tag.unknown"
    text = t(key, actor=name(e.actor_id), sender=name(e.sender_id), recipient=name(e.recipient_id),
             category=t.category(e.category) if e.category else "")
    return text[:1].upper() + text[1:]


def people(session: Session, me: Actor, lines: list[dict]) -> list[dict]:
    """Everyone the lines name (but the employee), for the filter: ``{id, name}`` by name."""
    ids = sorted({p for line in lines for p in line["people"]} - {me.id})
    found = directory_store.actors_by_ids(session=session, ids=ids)
    return sorted(({"id": a.id, "name": a.name} for a in found), key=lambda p: p["name"])
