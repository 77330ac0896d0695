"""The official Chinese working-day calendar (法定节假日 and 调休 included), via `chinesecalendar`."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from campaign.errors import CalendarUnavailable


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnavailable(
            f"{day.year} 年的法定节假日安排尚未收录（请升级 chinesecalendar），无法判断 {day} 是否为工作日"
        ) from None


def previous_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the closest earlier one."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (n >= 1); `day` itself does not count."""
    if n < 1:
        raise ValueError("n must be >= 1")
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def day_kind_zh(day: date) -> str:
    """How a date reads to an enterprise: 调休上班 / 法定节假日 / 周末 / '' for an ordinary working day."""
    working = is_working_day(day)
    if working:
        return "调休工作日" if day.weekday() >= 5 else ""
    _, holiday_name = chinese_calendar.get_holiday_detail(day)
    return "法定节假日" if day.weekday() < 5 or holiday_name else "休息日"
