"""Pure reminder rules: when each step of a deadline falls, and which single step is due on a day.

A step is named `T-7` … `T0` (calendar days before the due date) or `overdue-1` … (every N working
days after it). Both functions are pure: the flow feeds them dates and the steps already recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from campaign.calendar.clock import TZ
from campaign.calendar.workdays import (
    add_working_days,
    is_working_day,
    previous_working_day,
)
from campaign.config.model import ReminderPolicy


@dataclass(frozen=True)
class Step:
    name: str  # part of the natural key: reminder:<enterprise>:<deliverable>:<name>
    order: int  # position in the full policy; later steps supersede earlier ones
    on: date  # the working day it is sent
    overdue: bool


def step_names(policy: ReminderPolicy) -> list[str]:
    before = [f"T-{n}" if n else "T0" for n in policy.before_due_days]  # policy keeps them descending
    return before + [f"overdue-{k}" for k in range(1, policy.overdue.max_reminders + 1)]


def reminder_calendar(due: date, policy: ReminderPolicy, opens_on: date | None = None) -> list[Step]:
    """Every step of one deadline, on working days, in order.

    Two steps moved onto the same working day (a long holiday before the deadline) become one: the
    later, more urgent one. Steps before the window opens are dropped: there is nothing to remind of.
    """
    names = step_names(policy)
    raw: list[Step] = []
    for order, days in enumerate(policy.before_due_days):
        raw.append(Step(names[order], order, previous_working_day(due - timedelta(days=days)), False))
    base = len(policy.before_due_days)
    for k in range(1, policy.overdue.max_reminders + 1):
        on = add_working_days(due, k * policy.overdue.every_working_days)
        raw.append(Step(names[base + k - 1], base + k - 1, on, True))
    by_day: dict[date, Step] = {}
    for step in raw:
        if opens_on is not None and step.on < opens_on:
            continue
        by_day[step.on] = step  # raw is in order: the later step wins its day
    return sorted(by_day.values(), key=lambda s: s.order)


def latest_scheduled(calendar: list[Step], day: date) -> Step | None:
    """The most relevant step as of `day`: the last one scheduled on or before it."""
    candidates = [s for s in calendar if s.on <= day]
    return candidates[-1] if candidates else None


def due_step(calendar: list[Step], day: date, already_sent: set[str]) -> Step | None:
    """The one step to send on `day`, or None.

    Catch-up is built in: after days without a run, only the latest scheduled step is sent, never
    the stale ones it supersedes; and nothing is sent once that step, or a later one, went out.
    Non-working days send nothing; the next working day catches up.
    """
    if not is_working_day(day):
        return None
    step = latest_scheduled(calendar, day)
    if step is None:
        return None
    if any(s.name in already_sent for s in calendar if s.order >= step.order):
        return None
    return step


def reminder_day(as_of: datetime, policy: ReminderPolicy) -> date:
    """The day whose reminders a run at `as_of` sends: before the send time, that is still yesterday's."""
    local = as_of.astimezone(TZ)
    return local.date() if local.time() >= policy.send_time else local.date() - timedelta(days=1)


def reminder_key(enterprise_code: str, deliverable_code: str, step: str) -> str:
    return f"reminder:{enterprise_code}:{deliverable_code}:{step}"


def digest_key(day: date) -> str:
    return f"digest:overdue:{day.isoformat()}"


def digest_day(key: str) -> date | None:
    """The day of an overdue digest from its key (None for any other key)."""
    prefix = "digest:overdue:"
    if not key.startswith(prefix):
        return None
    try:
        return date.fromisoformat(key[len(prefix) :])
    except ValueError:
        return None


def digests_since(due: date, earlier_digests: list[date]) -> int:
    """How many earlier digests have listed a deliverable overdue since `due` (each listed it while it owed)."""
    return sum(1 for d in earlier_digests if d > due)


def first_digest_of_month(day: date, earlier_digests: list[date]) -> bool:
    return not any(d.year == day.year and d.month == day.month and d < day for d in earlier_digests)


@dataclass(frozen=True)
class DeliverableRef:
    """What a reminder says about a deliverable (plain data: no ORM row leaves the store)."""

    code: str
    title: str
    due: date
    opens_on: date
    char_limit: int | None
    file_kinds: tuple[str, ...]


@dataclass(frozen=True)
class Rejection:
    version: int
    received_at: datetime
    errors: list


@dataclass(frozen=True)
class ReminderItem:
    key: str
    enterprise_code: str
    enterprise_name: str
    deliverable_code: str
    step: str
    overdue: bool
    rejection: Rejection | None = None


@dataclass(frozen=True)
class OverdueRow:
    enterprise_code: str
    enterprise_name: str
    deliverable_code: str
    rejected: bool


@dataclass(frozen=True)
class UndeliveredRow:
    """A message not delivered after earlier runs: failed for good, outcome unknown (held), or waiting to retry."""

    key: str
    recipient: str
    title: str
    status: str  # failed | unknown | pending | sending
    attempts: int
    error: str | None  # redacted when recorded


UNDELIVERED_ZH = {
    "failed": "发送失败，已达重试上限，需人工处理",
    "unknown": "结果不明（通知渠道超时未应答，对方可能已收到），未自动重发，请向收件人核实",
    "pending": "发送失败，下次运行重试",
    "sending": "发送中断，下次运行重试",
}


@dataclass
class DeliverableLine:
    """One row of the run's table: what happened to one deliverable's reminders."""

    code: str
    title: str
    due: date
    step: str | None  # the step scheduled most recently; None = no reminder scheduled yet
    enterprises: int
    to_send: int = 0
    already_sent: int = 0
    submitted: int = 0
    overdue: int = 0
    not_working_day: int = 0  # owed a reminder, but the day is a holiday or weekend: the next working day catches up


@dataclass
class ReminderPlan:
    as_of: datetime
    day: date
    working_day: bool
    items: list[ReminderItem] = field(default_factory=list)
    lines: list[DeliverableLine] = field(default_factory=list)
    overdue_sample: list[OverdueRow] = field(default_factory=list)  # at most digest_max_lines
    deliverables: dict[str, DeliverableRef] = field(default_factory=dict)
    earlier_digests: list[date] = field(default_factory=list)  # days SASAC already got an overdue digest
    # Messages earlier runs could not deliver (at most digest_max_lines of them) and how many there are.
    undelivered: list[UndeliveredRow] = field(default_factory=list)
    undelivered_total: int = 0

    @property
    def overdue_total(self) -> int:
        return sum(line.overdue for line in self.lines)
