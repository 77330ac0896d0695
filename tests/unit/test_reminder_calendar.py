"""Pure reminder rules over the official calendar: 2023 劳动节 and 国庆 with their 调休 working days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from campaign.calendar.clock import TZ
from campaign.calendar.workdays import (
    add_working_days,
    day_kind_zh,
    is_working_day,
    previous_working_day,
)
from campaign.config.model import ReminderPolicy, parse_config
from campaign.errors import ConfigError
from campaign.reminders.rules import due_step, reminder_calendar, reminder_day
from tests.db.test_config import raw_config

D = date


def cal(due, policy=None, opens_on=None):
    return [(s.name, s.on) for s in reminder_calendar(due, policy or ReminderPolicy(), opens_on)]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2023, 4, 23), True),  # Sunday, 调休 working day before 劳动节
        (D(2023, 4, 29), False),
        (D(2023, 5, 3), False),
        (D(2023, 5, 4), True),
        (D(2023, 5, 6), True),  # Saturday, 调休
        (D(2023, 5, 7), False),
        (D(2023, 9, 29), False),  # 中秋 + 国庆
        (D(2023, 10, 6), False),
        (D(2023, 10, 7), True),  # Saturday, 调休
        (D(2023, 10, 8), True),  # Sunday, 调休
    ],
)
def test_official_calendar_with_tiaoxiu(day, working):
    assert is_working_day(day) is working


def test_working_day_arithmetic_crosses_holidays():
    assert previous_working_day(D(2023, 5, 3)) == D(2023, 4, 28)
    assert previous_working_day(D(2023, 10, 6)) == D(2023, 9, 28)
    assert previous_working_day(D(2023, 10, 8)) == D(2023, 10, 8)
    assert add_working_days(D(2023, 4, 28), 1) == D(2023, 5, 4)
    assert add_working_days(D(2023, 5, 4), 3) == D(2023, 5, 8)  # 05-05, 05-06 (调休), 05-08
    assert add_working_days(D(2023, 9, 28), 2) == D(2023, 10, 8)
    assert day_kind_zh(D(2023, 5, 6)) == "调休工作日"
    assert day_kind_zh(D(2023, 5, 1)) == "法定节假日"
    assert day_kind_zh(D(2023, 5, 13)) == "休息日"
    assert day_kind_zh(D(2023, 5, 22)) == ""


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # Seed deadline: Monday 2023-05-22. T-1 (Sunday) moves to Friday and absorbs T-3 (also Friday).
        (
            D(2023, 5, 22),
            [
                ("T-7", D(2023, 5, 15)),
                ("T-1", D(2023, 5, 19)),
                ("T0", D(2023, 5, 22)),
                ("overdue-1", D(2023, 5, 25)),
                ("overdue-2", D(2023, 5, 30)),
                ("overdue-3", D(2023, 6, 2)),
                ("overdue-4", D(2023, 6, 7)),
                ("overdue-5", D(2023, 6, 12)),
            ],
        ),
        # Due the day after 劳动节: T-3 and T-1 fall in the holiday and both move to 04-28 (one reminder).
        (
            D(2023, 5, 4),
            [
                ("T-7", D(2023, 4, 27)),
                ("T-1", D(2023, 4, 28)),
                ("T0", D(2023, 5, 4)),
                ("overdue-1", D(2023, 5, 8)),
                ("overdue-2", D(2023, 5, 11)),
                ("overdue-3", D(2023, 5, 16)),
                ("overdue-4", D(2023, 5, 19)),
                ("overdue-5", D(2023, 5, 24)),
            ],
        ),
        # Due on the 调休 Saturday 05-06: T-7 (04-29) moves to 04-28 and yields to T-3 (05-03 -> 04-28).
        (
            D(2023, 5, 6),
            [
                ("T-3", D(2023, 4, 28)),
                ("T-1", D(2023, 5, 5)),
                ("T0", D(2023, 5, 6)),
                ("overdue-1", D(2023, 5, 10)),
                ("overdue-2", D(2023, 5, 15)),
                ("overdue-3", D(2023, 5, 18)),
                ("overdue-4", D(2023, 5, 23)),
                ("overdue-5", D(2023, 5, 26)),
            ],
        ),
        # Due on 国庆 (a holiday, shown as is): every pre-due step collapses onto 09-28; overdue counts
        # working days from 10-01, so the 调休 weekend 10-07/10-08 counts.
        (
            D(2023, 10, 1),
            [
                ("T-7", D(2023, 9, 22)),
                ("T0", D(2023, 9, 28)),
                ("overdue-1", D(2023, 10, 9)),
                ("overdue-2", D(2023, 10, 12)),
                ("overdue-3", D(2023, 10, 17)),
                ("overdue-4", D(2023, 10, 20)),
                ("overdue-5", D(2023, 10, 25)),
            ],
        ),
        # Due on the 调休 Sunday 10-08.
        (
            D(2023, 10, 8),
            [
                ("T-3", D(2023, 9, 28)),
                ("T-1", D(2023, 10, 7)),
                ("T0", D(2023, 10, 8)),
                ("overdue-1", D(2023, 10, 11)),
                ("overdue-2", D(2023, 10, 16)),
                ("overdue-3", D(2023, 10, 19)),
                ("overdue-4", D(2023, 10, 24)),
                ("overdue-5", D(2023, 10, 27)),
            ],
        ),
    ],
)
def test_calendar_exact_dates(due, expected):
    assert cal(due) == expected


def test_policy_changes_the_calendar_and_window_drops_early_steps():
    policy = ReminderPolicy.model_validate(
        {"before_due_days": [0, 2], "overdue": {"every_working_days": 1, "max_reminders": 2}}
    )
    assert cal(D(2023, 5, 22), policy) == [
        ("T-2", D(2023, 5, 19)),
        ("T0", D(2023, 5, 22)),
        ("overdue-1", D(2023, 5, 23)),
        ("overdue-2", D(2023, 5, 24)),
    ]
    assert cal(D(2023, 5, 22), opens_on=D(2023, 5, 16))[0] == ("T-1", D(2023, 5, 19))


def _run_daily(due, start, end, sent=None, run_on=None):
    """Simulate the daily flow: returns {day: step} for every day a reminder is due."""
    calendar = reminder_calendar(due, ReminderPolicy())
    sent = set() if sent is None else sent
    out = {}
    day = start
    while day <= end:
        if run_on is None or run_on(day):
            step = due_step(calendar, day, sent)
            if step is not None:
                sent.add(step.name)
                out[day] = step.name
        day = D.fromordinal(day.toordinal() + 1)
    return out


def test_daily_runs_send_each_step_once_on_its_working_day():
    assert _run_daily(D(2023, 10, 8), D(2023, 9, 20), D(2023, 11, 30)) == {
        D(2023, 9, 28): "T-3",
        D(2023, 10, 7): "T-1",
        D(2023, 10, 8): "T0",
        D(2023, 10, 11): "overdue-1",
        D(2023, 10, 16): "overdue-2",
        D(2023, 10, 19): "overdue-3",
        D(2023, 10, 24): "overdue-4",
        D(2023, 10, 27): "overdue-5",
    }


def test_catch_up_after_downtime_sends_only_the_latest_step():
    # Down from 05-12 to 05-21: on 05-22 only T0 goes out, not T-7 and T-1 as well.
    sent = _run_daily(
        D(2023, 5, 22), D(2023, 5, 1), D(2023, 5, 23), run_on=lambda d: d < D(2023, 5, 12) or d >= D(2023, 5, 22)
    )
    assert sent == {D(2023, 5, 22): "T0"}
    # Down across 劳动节 and a week after: one overdue reminder on 05-10, none of the skipped ones.
    sent = _run_daily(
        D(2023, 5, 4), D(2023, 4, 20), D(2023, 5, 12), run_on=lambda d: d < D(2023, 4, 28) or d >= D(2023, 5, 10)
    )
    assert sent == {D(2023, 4, 27): "T-7", D(2023, 5, 10): "overdue-1", D(2023, 5, 11): "overdue-2"}


def test_due_step_rules():
    calendar = reminder_calendar(D(2023, 5, 22), ReminderPolicy())
    assert due_step(calendar, D(2023, 5, 14), set()) is None  # before the first step
    assert due_step(calendar, D(2023, 5, 20), set()) is None  # Saturday: not a working day
    assert due_step(calendar, D(2023, 5, 17), set()).name == "T-7"  # catch-up, same step
    assert due_step(calendar, D(2023, 5, 17), {"T-7"}) is None
    assert due_step(calendar, D(2023, 5, 19), {"T0"}) is None  # a later step went out already
    assert due_step(calendar, D(2023, 7, 3), {"overdue-5"}) is None  # cap reached


def test_reminder_day_respects_send_time():
    policy = ReminderPolicy()
    assert reminder_day(datetime(2023, 5, 22, 9, 0, tzinfo=TZ), policy) == D(2023, 5, 22)
    assert reminder_day(datetime(2023, 5, 22, 8, 59, tzinfo=TZ), policy) == D(2023, 5, 21)


@pytest.mark.parametrize(
    ("reminders", "expected"),
    [
        ({"before_due_days": [7, 7]}, "reminders.before_due_days：提前提醒的天数重复：7"),
        ({"before_due_days": [-1]}, "reminders.before_due_days[0]：数值过小"),
        ({"send_time": 540}, "reminders.send_time：发送时间应写成带引号的"),
        ({"send_time": "25:00"}, "reminders.send_time：不是有效时间"),
        ({"overdue": {"every_working_days": 0}}, "reminders.overdue.every_working_days：数值过小"),
        ({"escalation": {"recipent": "sasac"}}, "reminders.escalation.recipent：不认识的字段"),
    ],
)
def test_policy_errors_are_chinese_and_name_the_field(reminders, expected):
    raw = raw_config()
    raw["reminders"] = reminders
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert expected in str(info.value)


def test_shipped_policy_is_the_issues_default():
    from campaign.config.model import load_config

    policy = load_config().reminders
    assert policy == ReminderPolicy()
    assert policy.before_due_days == [7, 3, 1, 0] and policy.escalation.recipient == "sasac"
