"""Campaign-clock tasks: has this day run already, and record that it has."""

from __future__ import annotations

from datetime import date, datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from campaign.calendar import store as clock_store
from campaign.db.session import session_scope


@task(name="clock-day-completed", cache_policy=NO_CACHE)
def day_completed(day: date) -> bool:
    with session_scope() as session:
        return clock_store.is_completed(session, day)


@task(name="clock-mark-day", cache_policy=NO_CACHE)
def mark_day(day: date, at: datetime, detail: dict) -> None:
    with session_scope() as session:
        clock_store.mark_completed(session, day, at, detail)
