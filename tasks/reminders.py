"""Reminder planning task: one task run computes every due step (set-based SQL) and renders it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prefect import get_run_logger, task

from campaign.config import load_config
from campaign.db.session import session_scope
from campaign.messages import OutgoingMessage
from campaign.reminder_messages import build_overdue_digest, build_reminder_messages
from campaign.reminder_plan import ReminderPlan, plan_reminders


@dataclass(frozen=True)
class PlannedReminders:
    plan: ReminderPlan
    messages: list[OutgoingMessage]  # reminders first, then the digest (if any)


def planned_reminders(as_of: datetime) -> PlannedReminders:
    """Shared by the flow and `campaign remind --dry-run` (which must not need Prefect)."""
    config = load_config()
    with session_scope() as session:
        plan = plan_reminders(session, config.reminders, as_of)
    messages = build_reminder_messages(plan, config.campaign)
    digest = build_overdue_digest(plan, config.reminders, config.campaign)
    return PlannedReminders(plan, messages + ([digest] if digest else []))


# Inputs are a datetime: no cache; the plan depends on the database, so it must be recomputed every run.
@task(name="plan-reminders", cache_policy=None)
def plan(as_of: datetime) -> PlannedReminders:
    planned = planned_reminders(as_of)
    get_run_logger().info(
        "%s: %d reminders due, %d overdue items, working day: %s",
        planned.plan.day, len(planned.plan.items), planned.plan.overdue_total, planned.plan.working_day,
    )
    return planned
