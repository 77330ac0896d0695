"""The campaign clock's calendar over the real config: exact dates, derived from config alone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from campaign.calendar.plan import active_days, campaign_span, plan_day
from campaign.calendar.workdays import is_working_day
from campaign.config.model import load_config, parse_config

CONFIG = load_config()


def _names(day: str) -> list[str]:
    return [
        s.name
        + (f":{s.period}" if s.period else "")
        + (f":{s.year}" if s.year else "")
        + (f":{'+'.join(s.deliverables)}" if s.deliverables else "")
        for s in plan_day(CONFIG, date.fromisoformat(day))
    ]


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2023-05-12", ["intake", "deployment"]),  # campaign.issue_date (Friday)
        ("2023-05-13", []),  # Saturday: nothing, not even intake
        ("2023-05-15", ["intake", "reminders"]),  # T-7 of 05-22 falls on Monday 05-15
        ("2023-05-22", ["intake", "reminders"]),  # T0 of the deployment deliverables
        ("2023-06-12", ["intake", "reminders"]),  # overdue-5, the last deployment-phase reminder
        ("2023-06-13", []),  # between windows
        ("2023-06-19", []),
        ("2023-06-20", ["intake", "half-year-open:2023H1"]),  # progress-2023h1.opens_on
        ("2023-07-17", ["intake", "half-year-close:2023H1"]),  # due Sat 07-15 -> first working day after
        ("2023-12-20", ["intake", "half-year-open:2023H2"]),
        (
            "2024-01-02",
            ["intake", "next-year:2024", "window-open:completion-2023"],
        ),  # targets-2024 and completion-2023 open
        ("2024-01-16", ["intake", "half-year-close:2023H2"]),  # due Mon 01-15 -> Tue 01-16
        ("2024-02-05", ["intake", "assessment:2023"]),  # clock.assessments (completion-2023 due 01-31)
        ("2024-06-20", ["intake", "half-year-open:2024H1"]),
        ("2024-07-16", ["intake", "half-year-close:2024H1"]),
        ("2024-12-20", ["intake", "half-year-open:2024H2"]),
        ("2025-01-16", ["intake", "half-year-close:2024H2"]),
        ("2025-01-02", ["intake", "window-open:completion-2024"]),  # completion-2024.opens_on
        (
            "2025-03-03",
            ["intake", "window-open:evaluation-report-2025+completion-final-2025"],
        ),  # the evaluation deliverables open
        ("2025-03-10", ["intake", "assessment:2024", "reminders"]),
        ("2025-06-30", ["intake", "reminders"]),  # T0 of the evaluation deliverables: no review while they may file
        ("2025-07-01", ["intake"]),  # late evaluation reports still get their receipt
        # due Mon 06-30 -> first working day after (Tue 07-01) + 2 working days of grace
        ("2025-07-03", ["intake", "final-review", "reminders"]),  # overdue-1: late files are still welcome
        ("2025-07-04", ["intake", "final-review-update"]),  # a new version only if a late file was accepted
        ("2025-07-05", []),
        # overdue-5 of the evaluation deliverables, the very last step
        ("2025-07-21", ["intake", "final-review-update", "reminders"]),
        ("2025-07-22", []),
    ],
)
def test_what_the_clock_does_on_a_day(day, expected):
    assert _names(day) == expected


def test_every_scheduled_step_happens_exactly_once_over_the_campaign():
    start, end = campaign_span(CONFIG)
    assert (start, end) == (date(2023, 5, 12), date(2025, 7, 21))
    seen: dict[str, list[date]] = {}
    day = start
    while day <= end:
        for s in plan_day(CONFIG, day):
            if not s.routine and s.name != "final-review-update":
                seen.setdefault(s.label_zh, []).append(day)
        day += timedelta(days=1)
    assert all(len(days) == 1 for days in seen.values()), seen
    # notice, 4 periods open+close, next year, 3 window openings (completion-2023, completion-2024, the two
    # evaluation deliverables together), 2 assessments, final review
    assert len(seen) == 1 + 4 * 2 + 1 + 3 + 2 + 1


def test_routine_steps_only_on_working_days_and_reminders_follow_the_policy():
    days = active_days(CONFIG, date(2023, 5, 12), date(2025, 7, 21))
    routine = [d for d in days if any(s.routine for s in plan_day(CONFIG, d))]
    assert all(is_working_day(d) for d in routine)
    # 2024-02-04 (Sunday) was an official 调休 working day: reminders of completion-2023 may fall on it
    reminder_days = [d for d in days if any(s.name == "reminders" for s in plan_day(CONFIG, d))]
    assert date(2023, 5, 19) in reminder_days and date(2023, 5, 21) not in reminder_days  # T-1 Sunday -> Friday
    # 79 days with reminders or phase steps, plus the two window openings on otherwise quiet days
    # (2025-01-02, 2025-03-03)
    assert len(active_days(CONFIG, date(2023, 5, 12), date(2025, 6, 30), routine_intake=False)) == 81


def test_clock_dates_are_checked_against_the_deliverables():
    import yaml

    from campaign.config.model import read_yaml
    from campaign.config.settings import REPO_ROOT
    from campaign.errors import ConfigError

    raw = read_yaml(REPO_ROOT / "config/campaign.yaml") | read_yaml(REPO_ROOT / "config/enterprises.yaml")
    raw["clock"] = {"assessments": [{"year": 2023, "run_on": "2024-01-20"}]}
    with pytest.raises((ConfigError, ValueError)) as exc:
        parse_config(yaml.safe_load(yaml.safe_dump(raw, allow_unicode=True)))
    text = str(exc.value)
    assert "clock.assessments[0].run_on" in text and "2024-01-31" in text


def test_final_review_runs_only_after_every_file_it_uses_is_past_its_deadline_plus_the_grace():
    import yaml

    from campaign.calendar.plan import final_review_day
    from campaign.config.model import read_yaml
    from campaign.config.settings import REPO_ROOT
    from campaign.final_review.rules import review_deliverables
    from campaign.reminders.rules import reminder_calendar

    used = review_deliverables(CONFIG)
    assert sorted(d.id for d in used) == [
        "completion-2023",
        "completion-2024",
        "completion-final-2025",
        "evaluation-report-2025",
        "task-list-2023",
        "task-list-2024",
    ]
    day = final_review_day(CONFIG)
    assert day == date(2025, 7, 3) and is_working_day(day)
    # no enterprise is told "today is the deadline" (T0) on or after the day the review reads its files
    t0 = [s.on for d in used for s in reminder_calendar(d.due, CONFIG.reminders, d.opens_on) if s.name == "T0"]
    assert max(t0) < day
    # the grace is configurable: none -> the first working day after the last deadline
    raw = read_yaml(REPO_ROOT / "config/campaign.yaml") | read_yaml(REPO_ROOT / "config/enterprises.yaml")
    raw["clock"]["final_review_grace_days"] = 0
    quick = parse_config(yaml.safe_load(yaml.safe_dump(raw, allow_unicode=True)))
    assert final_review_day(quick) == date(2025, 7, 1)


def test_the_tick_has_a_runner_for_every_kind_of_step_the_calendar_plans():
    from campaign.calendar.plan import LABELS_ZH
    from flows.campaign_tick import RUNNERS

    assert set(RUNNERS) == set(LABELS_ZH)
