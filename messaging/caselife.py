"""The case's whole life: its end, read-only afterwards, and the purge of its content.

Ending.  NAV (or the employer, when the employee is back at work; who may is rule data
in ``messaging/rules/retention-*.toml``) ends a case with a reason and an end date.
It is recorded under the employee's lock (``consent.serial.hold_subject``) and logged
in his log (``case:case:ended``).  From then on the case is read-only for everyone in
it but the employee: they read, but every write (send, keys, start a thread, add
someone, record a grade, recall) answers 409 ``CASE_CLOSED`` (``require_open``).  The
employee still reads everything, takes people out and withdraws consents; he sends no
new messages either, since nobody could answer (the same 409).

Retention.  ``content_days_after_end`` days after the end date, ``purge`` deletes the
content of the case's messages: each message's sealed envelope (set to NULL: the bytes
held every section and every wrapped key, so nothing can be opened again by anyone),
and deletes their attachments (``messaging.attachments.delete_for_messages``).  It keeps the metadata the
server always saw: the message rows (id, kind, sender, times, recall), the
``message_wrap`` routing rows (which recipient key, section and category: no key
material; the employee's log page groups its entries by them), receipts and inbox
events, NAV's acts, and
every log entry: the log never held content, so every proof and signed head stays
valid; the purge appends ``case:content:purged`` to the employee's log.  It is
idempotent (a purged case has ``purged_at``) and works one case per transaction.
``now`` is a parameter (``samband purge --now``) for tests and audits.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from consent import audit
from consent.audit import AuditTag
from consent.serial import hold_subject
from directory.errors import Forbidden, InvalidInput
from directory.models import Actor
from directory.types import NAV_ROLES, Role
from messaging import attachments, cases
from messaging.cases import CaseClosed, require_open  # noqa: F401  (re-exported: the read-only rule lives with the case)
from messaging.models import Case, Message

_log = logging.getLogger("samband.caselife")
SYSTEM_ACTOR = "samband"  # the log's actor of what the service does by its rules (the purge)


class EndReason(StrEnum):
    BACK_AT_WORK = "back_at_work"
    BENEFIT_ENDED_52_WEEKS = "benefit_ended_52_weeks"  # maksdato: the maximum period is used up
    NEW_EMPLOYER = "new_employer"
    OTHER = "other"


class Side(StrEnum):
    NAV = "nav"
    EMPLOYER = "employer"


SIDE_ROLES = {Side.NAV: NAV_ROLES, Side.EMPLOYER: frozenset({Role.NEAREST_MANAGER, Role.HR})}


class MayNotEnd(Forbidden):
    code = "MAY_NOT_END_CASE"


@dataclass(frozen=True, slots=True)
class EndRule:
    reason: EndReason
    title_nb: str
    title_en: str
    closers: tuple[Side, ...]
    law: str | None = None


@dataclass(frozen=True, slots=True)
class RetentionRules:
    version: str
    content_days_after_end: int
    warn_days: int
    basis: str
    ends: dict[EndReason, EndRule]

    def purge_on(self, closed_on: date) -> date:
        """The first day the content of a case that ended ``closed_on`` may be purged."""
        return closed_on + timedelta(days=self.content_days_after_end)


def parse_retention(text: str) -> RetentionRules:
    data = tomllib.loads(text)
    version = data["version"]
    keep = data["retention"]
    days, warn = keep["content_days_after_end"], keep["warn_days"]
    if not isinstance(days, int) or days < 1 or not isinstance(warn, int) or not 0 <= warn <= days:
        raise ValueError(f"retention {version}: content_days_after_end >= 1 and 0 <= warn_days <= it")
    ends = {}
    for raw in data["end_reason"]:
        reason = EndReason(raw["code"])
        ends[reason] = EndRule(reason, raw["title_nb"], raw["title_en"],
                               tuple(Side(s) for s in raw["closers"]), raw.get("law"))
    missing = set(EndReason) - set(ends)
    if missing:
        raise ValueError(f"retention {version}: no rule for end reason(s) {', '.join(sorted(missing))}")
    return RetentionRules(version, days, warn, keep["basis"], ends)


@functools.cache
def rules() -> RetentionRules:
    """The newest retention rule set (``messaging/rules/retention-*.toml``), read once."""
    from messaging.rules import load_retention

    return load_retention()


# --- read-only --------------------------------------------------------------------------


def require_open_id(session: Session, case_id: str) -> None:
    """``require_open`` by the case's id (a missing case: the caller's own check answers)."""
    case = session.get(Case, case_id)
    if case is not None:
        require_open(case)


# --- ending -----------------------------------------------------------------------------


def may_end(actor: Actor, reason: EndReason, ruleset: RetentionRules | None = None) -> bool:
    rule = (ruleset or rules()).ends[reason]
    return any(Role(actor.role) in SIDE_ROLES[side] for side in rule.closers)


def close_case(session: Session, by: Actor, case_id: str, reason: EndReason, ended_on: date | None = None,
               *, now: datetime | None = None) -> Case:
    """End a case: recorded under the employee's lock, logged in his log.

    Raises:
        CaseNotFound: ``by`` does not take part in the case.
        MayNotEnd: the rules do not let ``by``'s role end it for this reason.
        InvalidInput: the end date is before the start or in the future.
        CaseClosed: it has already ended.
    """
    case = session.get(Case, case_id)
    held = hold_subject(session, case.employee_id) if case is not None else None
    now = now or held
    case = cases.require_case(session, by, case_id)
    session.refresh(case)  # read under the lock: two closers, one end
    ruleset = rules()
    if not may_end(by, reason, ruleset):
        sides = " or ".join(s.value.replace("nav", "NAV").replace("employer", "the employer")
                            for s in ruleset.ends[reason].closers)
        raise MayNotEnd(f"a case ended as '{reason.value}' is ended by {sides}")
    require_open(case)
    ended_on = ended_on or now.date()
    if ended_on < case.start_date:
        raise InvalidInput(f"the end date is before the case started ({case.start_date.isoformat()})")
    if ended_on > now.date():
        raise InvalidInput("the end date is in the future; end the case on or after its last day")
    case.closed_on, case.closed_at, case.closed_reason, case.closed_by = ended_on, now, reason.value, by.id
    session.add(case)
    audit.append(
        session, tag=AuditTag.CASE_ENDED, subject_id=case.employee_id, actor_id=by.id, outcome="record", at=now,
        case_id=case.id, reason=f"{reason.value}; ended {ended_on.isoformat()}; content purged from "
        f"{ruleset.purge_on(ended_on).isoformat()} (retention rules {ruleset.version})",
    )
    session.commit()
    return case


@dataclass(frozen=True, slots=True)
class Closure:
    """What a page or the API shows of a case's end."""

    closed_on: date
    closed_at: datetime
    reason: str
    closed_by: str | None
    purge_on: date
    purged_at: datetime | None
    warn: bool  # the purge is within the rules' warning window
    rules_version: str


def closure(case: Case, today: date | None = None) -> Closure | None:
    if case.closed_at is None:
        return None
    ruleset = rules()
    purge_on = ruleset.purge_on(case.closed_on)
    today = today or datetime.now().date()
    warn = case.purged_at is None and purge_on - timedelta(days=ruleset.warn_days) <= today
    return Closure(case.closed_on, case.closed_at, case.closed_reason, case.closed_by, purge_on, case.purged_at,
                   warn, ruleset.version)


# --- the purge --------------------------------------------------------------------------


def due_cases(session: Session, now: datetime, ruleset: RetentionRules | None = None) -> list[str]:
    """Ids of closed, unpurged cases whose retention period has passed at ``now``."""
    ruleset = ruleset or rules()
    last_end = now.date() - timedelta(days=ruleset.content_days_after_end)
    return list(session.exec(
        select(Case.id).where(col(Case.closed_at).is_not(None), col(Case.purged_at).is_(None),
                              col(Case.closed_on) <= last_end).order_by(col(Case.closed_on), col(Case.id))
    ).all())


def purge_case(session: Session, case_id: str, now: datetime, ruleset: RetentionRules | None = None) -> int:
    """Purge one case's content in one transaction; the number of messages whose content went.
    Nothing if it is not (or no longer) due: safe to run twice or on two nodes at once."""
    ruleset = ruleset or rules()
    case = session.get(Case, case_id)
    if case is None:
        return 0
    hold_subject(session, case.employee_id)
    session.refresh(case)
    if case.closed_at is None or case.purged_at is not None or ruleset.purge_on(case.closed_on) > now.date():
        session.rollback()
        return 0
    ids = list(session.exec(select(Message.id).where(Message.case_id == case.id)).all())
    if ids:
        attachments.delete_for_messages(session, ids)  # rows now, files once this commits
        session.execute(update(Message).where(col(Message.id).in_(ids)).values(envelope=None))
    case.purged_at = now
    session.add(case)
    audit.append(  # stamped by the employee's lock clock: when it really happened, whatever ``now`` said
        session, tag=AuditTag.CONTENT_PURGED, subject_id=case.employee_id, actor_id=SYSTEM_ACTOR,
        outcome="record", case_id=case.id,
        reason=f"{len(ids)} messages' content deleted; retention rules {ruleset.version}: "
        f"{ruleset.content_days_after_end} days after the end on {case.closed_on.isoformat()}",
    )
    session.commit()
    return len(ids)


def purge(session: Session, now: datetime, *, limit: int | None = None) -> dict[str, int]:
    """Purge every due case, one case per transaction; ``{case_id: messages purged}``."""
    ruleset = rules()
    out = {}
    for case_id in due_cases(session, now, ruleset)[:limit]:
        out[case_id] = purge_case(session, case_id, now, ruleset)
    if out:
        _log.info("purged the content of %d closed case(s)", len(out))
    return out
