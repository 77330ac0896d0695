"""The one place that reads the wall clock, and the parsing of `as_of` values.

Everything below the CLI and the flows' defaults takes `as_of` as a parameter.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

from campaign.errors import InvalidRequest

TZ = ZoneInfo("Asia/Shanghai")
# A bare date means "that working day's morning send time" (reminders go out at 09:00).
DEFAULT_TIME_OF_DAY = time(9, 0)

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def now() -> datetime:
    return datetime.now(TZ)


def resolve_as_of(value: str | date | datetime | None) -> datetime:
    """Turn a CLI/flow `as_of` into an aware datetime in Asia/Shanghai (None = now)."""
    if value is None:
        return now()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if ("T" in text or " " in text) else date.fromisoformat(text)
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?", text):
                raise InvalidRequest(f"日期“{value}”不存在（请核对月份和日期）") from None
            raise InvalidRequest(f"日期“{value}”格式无效，应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)
    return datetime.combine(value, DEFAULT_TIME_OF_DAY, TZ)


def weekday_zh(day: date) -> str:
    return WEEKDAYS_ZH[day.weekday()]


def format_date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _as_of_or_none(value):
    return None if value is None or value == "" else resolve_as_of(value)


# The type of every flow's `as_of` parameter. A deployment run started from the CLI, API or UI
# hands the flow a string; plain pydantic would read "2023-05-12" as midnight, this reads it as
# 09:00 Beijing time like the CLI does. The JSON schema stays date-time, so the UI shows a picker.
AsOfParam = Annotated[datetime | None, BeforeValidator(_as_of_or_none)]
