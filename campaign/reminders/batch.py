"""One day's reminders, planned and rendered: shared by the flow and `campaign remind --dry-run`.

No Prefect here, and nothing is written: the dry run must work without either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from campaign.config.model import load_config
from campaign.db.session import session_scope
from campaign.notices.message import OutgoingMessage
from campaign.reminders.messages import build_overdue_digest, build_reminder_messages
from campaign.reminders.rules import ReminderPlan
from campaign.reminders.store import cancel_superseded, plan_reminders


@dataclass(frozen=True)
class PlannedReminders:
    plan: ReminderPlan
    messages: list[OutgoingMessage]  # reminders first, then the digest (if any)


def planned_reminders(as_of: datetime, cancel_stale: bool = False) -> PlannedReminders:
    """`cancel_stale` (the flow, never the dry run) also retires pending reminders no longer due."""
    config = load_config()
    with session_scope() as session:
        plan = plan_reminders(session, config.reminders, as_of)
        if cancel_stale:
            cancel_superseded(session, plan)
    messages = build_reminder_messages(plan, config.campaign)
    digest = build_overdue_digest(plan, config.reminders, config.campaign)
    return PlannedReminders(plan, messages + ([digest] if digest else []))
