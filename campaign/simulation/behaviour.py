"""How synthetic enterprises behave over the campaign: who files what, when, and whether it is right first time.

Pure and seeded: the same config and seed give the same actions. Each enterprise gets a profile
(most are punctual; some habitually late, some careless, some skip the optional reports), and each
(enterprise, deliverable) an outcome drawn from that profile:

- `on_time`     one correct file, on a working day inside the window (people file near the deadline);
- `late`        one correct file 1–8 working days after the due date (within the overdue reminders);
- `reject_fix`  a faulty file on time, then the corrected file 1–3 working days later;
- `never`       nothing — only for reports that do not feed later steps (progress, 部署推动情况报告,
                评估报告); the task lists, targets and completion reports are always filed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from campaign.calendar.workdays import add_working_days, is_working_day
from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind

PROFILES = {
    # profile: (share of enterprises, outcome weights on_time/late/reject_fix/never)
    "punctual": (0.55, (0.90, 0.04, 0.04, 0.02)),
    "late": (0.20, (0.45, 0.45, 0.05, 0.05)),
    "careless": (0.15, (0.50, 0.10, 0.40, 0.0)),
    "absent": (0.10, (0.45, 0.20, 0.05, 0.30)),
}
OUTCOMES = ("on_time", "late", "reject_fix", "never")
OPTIONAL = {DeliverableKind.PROGRESS, DeliverableKind.DEPLOYMENT_REPORT, DeliverableKind.EVALUATION_REPORT}


@dataclass(frozen=True, order=True)
class Action:
    day: date
    enterprise: str
    deliverable: str
    variant: str  # ok | faulty
    version: int = 1  # the n-th file this enterprise sends for this deliverable


def assign_profiles(codes: list[str], seed: int) -> dict[str, str]:
    """Profiles by share, shuffled by the seed: with 9 enterprises, 5 punctual, 2 late, 1 careless, 1 absent."""
    rng = random.Random(f"profiles:{seed}")
    names = []
    for name, (share, _) in PROFILES.items():
        names += [name] * round(share * len(codes))
    names = (names + ["punctual"] * len(codes))[: len(codes)]
    rng.shuffle(names)
    return dict(zip(sorted(codes), names, strict=False))


def _working_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if is_working_day(day):
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return days


def _filing_day(rng: random.Random, d: Deliverable) -> date:
    # The day after the window opens at the earliest (templates go out on opens_on at 09:00),
    # and most filings come in the last 60% of the window.
    days = _working_days(add_working_days(d.opens_on, 1), d.due)
    late_part = days[int(len(days) * 0.4) :] or days
    return rng.choice(late_part)


def plan_actions(config: CampaignConfig, seed: int) -> list[Action]:
    codes = [e.code for e in config.enterprises]
    profiles = assign_profiles(codes, seed)
    actions: list[Action] = []
    for code in sorted(codes):
        weights = PROFILES[profiles[code]][1]
        for d in config.deliverables:
            rng = random.Random(f"{seed}:{code}:{d.id}")
            outcome = rng.choices(OUTCOMES, weights=weights)[0]
            if outcome == "never" and d.kind not in OPTIONAL:
                outcome = "late"
            if outcome == "on_time":
                actions.append(Action(_filing_day(rng, d), code, d.id, "ok"))
            elif outcome == "late":
                actions.append(Action(add_working_days(d.due, rng.randint(1, 8)), code, d.id, "ok"))
            elif outcome == "reject_fix":
                first = _filing_day(rng, d)
                actions.append(Action(first, code, d.id, "faulty"))
                actions.append(Action(add_working_days(first, rng.randint(1, 3)), code, d.id, "ok", 2))
    return sorted(actions)


def outcome_counts(actions: list[Action], config: CampaignConfig) -> dict[str, int]:
    """Expected intake results: files, accepted, rejected, on time / late (first accepted file vs due)."""
    due = {d.id: d.due for d in config.deliverables}
    ok = [a for a in actions if a.variant == "ok"]
    return {
        "files": len(actions),
        "accepted": len(ok),
        "rejected": sum(a.variant == "faulty" for a in actions),
        "late": sum(a.day > due[a.deliverable] for a in ok),
    }
