"""Pure rendering of reminder messages and the SASAC overdue digest from a ReminderPlan."""

from __future__ import annotations

from campaign.calendar.workdays import day_kind_zh
from campaign.config.model import CampaignInfo, ReminderPolicy
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message
from campaign.reminders.rules import ReminderPlan, digest_key


def step_label_zh(step: str) -> str:
    if step == "T0":
        return "截止日提醒"
    if step.startswith("T-"):
        return f"截止前{step[2:]}天提醒"
    return f"第{step.split('-')[1]}次逾期提醒"


def build_reminder_messages(plan: ReminderPlan, campaign: CampaignInfo) -> list[OutgoingMessage]:
    messages = []
    due_kinds = {code: day_kind_zh(d.due) for code, d in plan.deliverables.items()}
    for item in plan.items:
        d = plan.deliverables[item.deliverable_code]
        title, body = render_message(
            "reminder",
            campaign=campaign,
            enterprise={"code": item.enterprise_code, "name": item.enterprise_name},
            deliverable=d,
            due=d.due,
            due_kind=due_kinds[d.code],
            day=plan.day,
            days_left=(d.due - plan.day).days,
            overdue_days=(plan.day - d.due).days,
            step_label=step_label_zh(item.step),
            rejection=item.rejection,
        )
        messages.append(
            OutgoingMessage(item.key, "reminder", item.enterprise_code, title, body, item.enterprise_code, d.code)
        )
    return messages


def build_overdue_digest(plan: ReminderPlan, policy: ReminderPolicy, campaign: CampaignInfo) -> OutgoingMessage | None:
    """One message per run for SASAC staff, or None on a non-working day or when nobody is overdue."""
    if not plan.working_day or plan.overdue_total == 0:
        return None
    lines = [line for line in plan.lines if line.overdue]
    title, body = render_message(
        "reminder_digest",
        campaign=campaign,
        day=plan.day,
        total=plan.overdue_total,
        lines=lines,
        enterprises=_by_enterprise(plan),
        not_listed=plan.overdue_total - len(plan.overdue_sample),
    )
    recipient = policy.escalation.recipient
    return OutgoingMessage(digest_key(plan.day), "digest", recipient, title, body)


def _by_enterprise(plan: ReminderPlan) -> list[dict]:
    """Digest lines grouped per enterprise: staff call an enterprise once about all it owes."""
    grouped: dict[str, dict] = {}
    for row in plan.overdue_sample:  # ordered by enterprise code
        entry = grouped.setdefault(
            row.enterprise_code, {"code": row.enterprise_code, "name": row.enterprise_name, "items": []}
        )
        title = plan.deliverables[row.deliverable_code].title
        entry["items"].append(f"《{title}》" + ("（已报送但被退回）" if row.rejected else "（未报送）"))
    return list(grouped.values())
