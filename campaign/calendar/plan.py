"""The campaign calendar: what the daily clock (flows/campaign_tick.py) does on a given date, from config alone.

Scheduled steps (once each, on a configured date):
- `deployment`        campaign.issue_date: the notice and the deployment-phase requirements;
- `half-year-open`    a progress deliverable's opens_on: pre-filled templates and the notice;
- `half-year-close`   the first working day after its due: the period's summary;
- `next-year`         targets-<year>'s opens_on, for every year after the first: next year's filing;
- `window-open`       the opens_on of every other deliverable (完成情况, 评估报告): its notice, grouped by day;
- `assessment`        clock.assessments[].run_on: score the year (paused for SASAC review);
- `final-review`      the first working day after the last due date of every deliverable the review uses,
                      plus clock.final_review_grace_days working days (final_review_day);
- `final-review-update` every later working day on which a late file it uses can still arrive (to that
                      deliverable's last reminder): a new dated version if something was accepted since.

Routine steps:
- `intake`            every working day inside some deliverable's window, which runs from its
                      opens_on to its last overdue reminder (late files still get their receipt);
- `reminders`         every working day on which some deliverable has a reminder step
                      (campaign/reminders.py: T-7 … T0, overdue-1 …). On the other days the
                      reminders flow would find nothing due, so the clock does not run it.

Order within a day: intake first (what arrived counts), then the scheduled steps, then reminders
(an enterprise that filed this morning is not reminded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from campaign.calendar.workdays import add_working_days, is_working_day
from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind
from campaign.final_review.rules import review_deliverables
from campaign.reminders.rules import reminder_calendar

ORDER = (
    "intake",
    "deployment",
    "half-year-close",
    "next-year",
    "window-open",
    "half-year-open",
    "assessment",
    "final-review",
    "final-review-update",
    "reminders",
)
ROUTINE = frozenset({"intake", "reminders"})

LABELS_ZH = {
    "intake": "接收报送",
    "deployment": "印发行动方案通知（研究部署阶段）",
    "half-year-open": "下发半年进展情况预填表",
    "half-year-close": "汇总半年进展情况",
    "next-year": "下发新年度目标任务及清单",
    "window-open": "下发报送通知",
    "assessment": "年度考核自动计分（待区国资委审核）",
    "final-review": "深化评估总结评估",
    "final-review-update": "总结评估补报更新（有补报材料被接收时生成新一版）",
    "reminders": "截止提醒",
}


@dataclass(frozen=True, order=True)
class ClockStep:
    name: str
    period: str | None = None
    year: int | None = None
    deliverables: tuple[str, ...] = ()  # window-open: the deliverables whose window opens that day
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def label_zh(self) -> str:
        what = self.period or (str(self.year) if self.year else "") or "、".join(self.deliverables)
        return f"{LABELS_ZH[self.name]}{'（' + what + '）' if what else ''}"

    @property
    def routine(self) -> bool:
        return self.name in ROUTINE


def half_year_close_day(deliverable: Deliverable) -> date:
    """A progress period is summarised on the first working day after its due date."""
    return add_working_days(deliverable.due, 1)


def final_review_day(config: CampaignConfig) -> date | None:
    """The first working day after the last deadline of every deliverable the review uses, plus the grace."""
    used = review_deliverables(config)
    if not used:
        return None
    return add_working_days(max(d.due for d in used), 1 + config.clock.final_review_grace_days)


def final_review_update_days(config: CampaignConfig) -> list[date]:
    """Working days after the review on which a late file it uses can still be received."""
    first = final_review_day(config)
    if first is None:
        return []
    last = max(
        max([d.due, *(s.on for s in reminder_calendar(d.due, config.reminders, d.opens_on))])
        for d in review_deliverables(config)
    )
    days, day = [], first + timedelta(days=1)
    while day <= last:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _scheduled(config: CampaignConfig) -> dict[date, list[ClockStep]]:
    out: dict[date, list[ClockStep]] = {}

    def add(day: date, step: ClockStep) -> None:
        out.setdefault(day, []).append(step)

    add(config.campaign.issue_date, ClockStep("deployment"))
    first_year = min(d.year for d in config.deliverables)
    others: dict[date, list[str]] = {}
    for d in config.deliverables:
        if d.kind is DeliverableKind.PROGRESS:
            add(d.opens_on, ClockStep("half-year-open", period=d.period))
            add(half_year_close_day(d), ClockStep("half-year-close", period=d.period))
        elif d.kind is DeliverableKind.TARGETS and d.year > first_year:
            add(d.opens_on, ClockStep("next-year", year=d.year))
        elif not (
            d.opens_on == config.campaign.issue_date or (d.kind is DeliverableKind.TASK_LIST and d.year > first_year)
        ):
            others.setdefault(d.opens_on, []).append(d.id)  # announced by no other step
    for day, ids in others.items():
        add(day, ClockStep("window-open", deliverables=tuple(ids)))
    for a in config.clock.assessments:
        add(a.run_on, ClockStep("assessment", year=a.year))
    review_day = final_review_day(config)
    if review_day is not None:
        add(review_day, ClockStep("final-review"))
    for day in final_review_update_days(config):
        add(day, ClockStep("final-review-update"))
    return out


def _reminder_days(config: CampaignConfig) -> set[date]:
    return {s.on for d in config.deliverables for s in reminder_calendar(d.due, config.reminders, d.opens_on)}


def _intake_windows(config: CampaignConfig) -> list[tuple[date, date]]:
    """Per deliverable: from its opening to its last reminder (late files still get their receipt)."""
    out = []
    for d in config.deliverables:
        steps = reminder_calendar(d.due, config.reminders, d.opens_on)
        out.append((d.opens_on, max([d.due, *(s.on for s in steps)])))
    return out


_CACHE: dict[int, tuple] = {}


def _calendar(config: CampaignConfig) -> tuple[dict[date, list[ClockStep]], frozenset[date], list[tuple[date, date]]]:
    # A simulation asks for ~800 days; the calendar of one config object is computed once.
    hit = _CACHE.get(id(config))
    if hit is not None and hit[0] is config:
        return hit[1]
    reminder_days = _reminder_days(config)
    result = (_scheduled(config), frozenset(reminder_days), _intake_windows(config))
    _CACHE.clear()
    _CACHE[id(config)] = (config, result)
    return result


def plan_day(config: CampaignConfig, day: date) -> list[ClockStep]:
    """Everything the clock runs on `day`, in execution order (empty: nothing to do)."""
    scheduled, reminder_days, windows = _calendar(config)
    steps = list(scheduled.get(day, []))
    if any(start <= day <= end for start, end in windows) and is_working_day(day):
        steps.append(ClockStep("intake"))
    if day in reminder_days:
        steps.append(ClockStep("reminders"))
    return sorted(steps, key=lambda s: (ORDER.index(s.name), s.period or "", s.year or 0))


def campaign_span(config: CampaignConfig) -> tuple[date, date]:
    """The first and last day on which the clock has anything to do."""
    scheduled, reminder_days, windows = _calendar(config)
    days = [*scheduled, *reminder_days, *(day for window in windows for day in window)]
    return min(days), max(days)


def active_days(config: CampaignConfig, start: date, end: date, routine_intake: bool = True) -> list[date]:
    """Days in [start, end] with something planned; without `routine_intake`, intake alone does not count."""
    out = []
    day = start
    while day <= end:
        steps = plan_day(config, day)
        if any(routine_intake or s.name != "intake" for s in steps):
            out.append(day)
        day += timedelta(days=1)
    return out
