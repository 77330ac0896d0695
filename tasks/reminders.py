"""Reminder planning task: one task run computes every due step (set-based SQL) and renders it."""

from __future__ import annotations

from datetime import datetime

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from campaign.reminders.batch import PlannedReminders, planned_reminders


# No cache: the plan depends on the database, so every run recomputes it.
@task(name="plan-reminders", cache_policy=NO_CACHE)
def plan(as_of: datetime) -> PlannedReminders:
    planned = planned_reminders(as_of, cancel_stale=True)
    get_run_logger().info(
        "%s: %d messages due, %d overdue items, working day: %s",
        planned.plan.day,
        len(planned.messages),
        planned.plan.overdue_total,
        planned.plan.working_day,
    )
    return planned
