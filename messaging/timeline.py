"""Milestones of a sick-leave case: what is due when, for whom, and how it stands today.

Pure: standard library only (the default rule set is read by ``messaging.rules``).
The rules are versioned data (``messaging/rules/milestones-*.toml``), so a change of
law is a new file, never a code change.

Counting: day 1 of a case is its start date.  "Within N weeks" (*senest innen N uker*)
is due on the last day of week N, ``start + N weeks - 1 day``, the way NAV computes the
activity-requirement point; "after N days" is due on ``start + N days``.

The grade history is a step function: each ``GradePeriod`` holds from its ``from_date``
until the next one starts, and the latest grade is assumed to go on.  Conditions:

- ``full_sick_leave``: graded 100 % on every day from the start date through the due
  date.  Dialogue meeting 1 uses it (arbeidsmiljøloven § 4-6 fourth paragraph: required
  for 100 % sick leave); a case that is graded at any point in weeks 1-7 shows the
  meeting as ``not_applicable``: it is then held only if someone finds it useful.
- ``full_sick_leave_on_due_date``: graded 100 % on the due date.  The activity
  requirement uses it: graded sick leave at week 8 already is work activity.

Statuses, in order of precedence: ``done`` (the code is in ``completed``, or an event
whose date has passed), ``not_applicable`` (condition false), ``overdue`` (a deadline
before today), ``due`` (today), ``due_soon`` (inside the rule's reminder window),
``upcoming``.

Glossary: *arbeidsgiverperiode* = employer period, *oppfølgingsplan* = follow-up plan,
*dialogmøte* = dialogue meeting, *aktivitetskrav* = activity requirement, *maksdato* =
last day of sickness benefit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Responsible(StrEnum):
    EMPLOYER = "employer"
    EMPLOYEE = "employee"
    NAV = "nav"
    GP = "gp"


class Condition(StrEnum):
    ALWAYS = "always"
    FULL_SICK_LEAVE = "full_sick_leave"
    FULL_SICK_LEAVE_ON_DUE_DATE = "full_sick_leave_on_due_date"


class MilestoneKind(StrEnum):
    DEADLINE = "deadline"  # someone must act by the due date
    EVENT = "event"  # happens by itself on the due date


class Status(StrEnum):
    DONE = "done"
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    DUE = "due"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class GradePeriod:
    """From ``from_date`` on, the employee is sick-listed at ``grade`` percent (0: back at
    work, as a sick note can record; no milestone condition holds on such a day)."""

    from_date: date
    grade: int

    def __post_init__(self) -> None:
        _require_date("GradePeriod.from_date", self.from_date)
        if isinstance(self.grade, bool) or not isinstance(self.grade, int):
            raise ValueError(f"a sick-leave grade is a whole percent from 1 to 100, not {self.grade!r}")
        if not 0 <= self.grade <= 100:
            raise ValueError(
                f"sick-leave grade {self.grade} from {self.from_date} is out of range: "
                "give a whole percent from 0 to 100 (0 = back at work, 100 = fully sick-listed)"
            )


@dataclass(frozen=True, slots=True)
class MilestoneRule:
    code: str
    version: str
    title_nb: str
    title_en: str
    offset: str  # as written in the rule file, e.g. "within_weeks = 7"
    due_offset_days: int  # due date = start date + this many days
    kind: MilestoneKind
    responsible: tuple[Responsible, ...]
    condition: Condition
    remind_days: int | None = None
    law: str | None = None
    source: str | None = None
    note: str | None = None

    def due_date(self, start_date: date) -> date:
        return start_date + timedelta(days=self.due_offset_days)


@dataclass(frozen=True, slots=True)
class Milestone:
    code: str
    title_nb: str
    title_en: str
    due_date: date
    responsible: tuple[Responsible, ...]
    status: Status
    law: str | None
    kind: MilestoneKind
    condition: Condition
    due_soon_from: date | None  # first day shown as due soon, if the rule has a window
    rules_version: str


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """Something the server saw happen in a case, metadata only: a message of ``kind``
    (``messaging.kinds``) accepted ``on`` a day, sent by someone on the ``by`` side
    (None: a side no rule asks for, e.g. a specialist).  Minutes that name their
    meeting carry its ``meeting_type`` (``messaging.meetings``)."""

    kind: str
    by: Responsible | None
    on: date
    meeting_type: str | None = None


# What completes a milestone: a message of one of these kinds, from one of these sides
# (empty: from anyone in the case).  The server sees kinds, senders and times, never
# content, so this is all it can go by:
# - the follow-up plan is made when a plan is sent (the employer's or the employee's);
# - dialogue meeting 1 is held when the employer sends minutes (NAV's minutes are of
#   its own meetings), dialogue meeting 2 when NAV sends minutes;
# - the activity requirement is assessed when a clinician's functional assessment, or
#   an answer to NAV's request, has come in: ftrl § 8-8 lets medical reasons stand in
#   for activity, and these are the messages that carry that assessment.
# Minutes that name their meeting complete that meeting's own milestone (dialogue
# meeting 1, 2) and no other: the meeting's convener was checked when it was called.
COMPLETED_BY: dict[str, tuple[frozenset[str], frozenset[Responsible]]] = {
    "follow_up_plan": (frozenset({"follow_up_plan"}), frozenset()),
    "dialogue_meeting_1": (frozenset({"minutes"}), frozenset({Responsible.EMPLOYER})),
    "dialogue_meeting_2": (frozenset({"minutes"}), frozenset({Responsible.NAV})),
    "activity_requirement": (frozenset({"functional_assessment", "nav_request_answer"}), frozenset()),
}


def completed(events: Iterable[CaseEvent], rules: Sequence[MilestoneRule] | None = None) -> dict[str, date]:
    """The milestones ``events`` complete: code -> the day of the first event that did.

    Only codes the rule set has (by default the newest) come back, so the result can go
    straight to ``milestones(completed=...)``.
    """
    if rules is None:
        from messaging.rules import load_rules

        rules = load_rules()
    known = {rule.code for rule in rules}
    done: dict[str, date] = {}
    for event in sorted(events, key=lambda e: e.on):
        if event.meeting_type is not None:
            if event.kind == "minutes" and event.meeting_type in known and event.meeting_type not in done:
                done[event.meeting_type] = event.on
            continue
        for code, (kinds, sides) in COMPLETED_BY.items():
            if code in known and code not in done and event.kind in kinds and (not sides or event.by in sides):
                done[code] = event.on
    return done


def milestones(
    start_date: date,
    grades: Sequence[GradePeriod],
    today: date,
    completed: Iterable[str] = frozenset(),
    rules: Sequence[MilestoneRule] | None = None,
) -> list[Milestone]:
    """The milestones of one case as they stand on ``today``, ordered by due date.

    Args:
        start_date: the first day of sick leave (day 1 of the case).
        grades: the grade history, sorted by date; the first period starts on
            ``start_date``.
        today: the date to judge statuses against (pass it; nothing here reads a clock).
        completed: codes of milestones already done (a plan made, a meeting held).
        rules: the rule set; by default the newest file in ``messaging/rules``.

    Returns:
        One ``Milestone`` per rule, sorted by due date, then rule order.

    Raises:
        ValueError: bad dates, an unsorted or out-of-range grade history, or a
            completed code that no rule has; the message says what to change.
    """
    if rules is None:
        from messaging.rules import load_rules  # local: messaging.rules imports this module

        rules = load_rules()
    _require_date("start_date", start_date)
    _require_date("today", today)
    _check_grades(start_date, grades)
    done = _check_completed(completed, rules)

    result = [
        _milestone(rule, start_date, grades, today, rule.code in done) for rule in rules
    ]
    order = {rule.code: i for i, rule in enumerate(rules)}
    return sorted(result, key=lambda m: (m.due_date, order[m.code]))


def grade_on(grades: Sequence[GradePeriod], day: date) -> int | None:
    """The grade in force on ``day``, or None before the first period."""
    current = None
    for period in grades:
        if period.from_date > day:
            break
        current = period.grade
    return current


def _milestone(
    rule: MilestoneRule, start: date, grades: Sequence[GradePeriod], today: date, completed: bool
) -> Milestone:
    due = rule.due_date(start)
    soon_from = due - timedelta(days=rule.remind_days) if rule.remind_days else None
    if completed:
        status = Status.DONE
    elif not _applies(rule.condition, grades, due):
        status = Status.NOT_APPLICABLE
    elif due < today:
        status = Status.DONE if rule.kind is MilestoneKind.EVENT else Status.OVERDUE
    elif due == today:
        status = Status.DUE
    elif soon_from is not None and today >= soon_from:
        status = Status.DUE_SOON
    else:
        status = Status.UPCOMING
    return Milestone(
        code=rule.code,
        title_nb=rule.title_nb,
        title_en=rule.title_en,
        due_date=due,
        responsible=rule.responsible,
        status=status,
        law=rule.law,
        kind=rule.kind,
        condition=rule.condition,
        due_soon_from=soon_from,
        rules_version=rule.version,
    )


def _applies(condition: Condition, grades: Sequence[GradePeriod], due: date) -> bool:
    if condition is Condition.ALWAYS:
        return True
    if condition is Condition.FULL_SICK_LEAVE:
        # The first period starts on the start date (checked), so the periods that
        # begin on or before the due date cover every day up to it.
        return all(p.grade == 100 for p in grades if p.from_date <= due)
    if condition is Condition.FULL_SICK_LEAVE_ON_DUE_DATE:
        return grade_on(grades, due) == 100
    raise ValueError(f"unknown milestone condition {condition!r}")  # pragma: no cover


def _require_date(name: str, value: object) -> None:
    # datetime is a subclass of date; a time of day here would silently shift deadlines.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{name} must be a calendar date (datetime.date), not {type(value).__name__}")


def _check_grades(start: date, grades: Sequence[GradePeriod]) -> None:
    if not grades:
        raise ValueError(
            "the grade history is empty: give at least the grade of the first sick note, "
            f"e.g. [GradePeriod(from_date={start.isoformat()}, grade=100)]"
        )
    for i, period in enumerate(grades, start=1):
        if not isinstance(period, GradePeriod):
            raise ValueError(f"grade period {i} is a {type(period).__name__}, not a GradePeriod")
        if period.from_date < start:
            raise ValueError(
                f"grade period {i} starts {period.from_date}, before the case start date {start}; "
                "grade periods must start on or after the start date"
            )
    if grades[0].from_date != start:
        raise ValueError(
            f"the first grade period starts {grades[0].from_date}, but the case starts {start}: "
            "the first period must start on the case start date so every day has a grade"
        )
    for i in range(1, len(grades)):
        before, this = grades[i - 1], grades[i]
        if this.from_date <= before.from_date:
            raise ValueError(
                f"grade periods must be sorted by date, one per start date: period {i + 1} "
                f"({this.from_date}) does not come after period {i} ({before.from_date})"
            )


def _check_completed(completed: Iterable[str], rules: Sequence[MilestoneRule]) -> frozenset[str]:
    if isinstance(completed, str):
        raise ValueError("completed must be a set of milestone codes, not a single string")
    done = frozenset(completed)
    known = {rule.code for rule in rules}
    unknown = sorted(done - known)
    if unknown:
        raise ValueError(
            f"unknown milestone code(s) in completed: {', '.join(unknown)}; "
            f"known codes: {', '.join(rule.code for rule in rules)}"
        )
    return done
