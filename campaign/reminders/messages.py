"""Pure rendering of reminder messages and the SASAC overdue digest from a ReminderPlan."""

from __future__ import annotations

from campaign.calendar.workdays import day_kind_zh
from campaign.config.model import CampaignInfo, ReminderPolicy
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message
from campaign.reminders.rules import UNDELIVERED_ZH, ReminderPlan, digest_key, digests_since, first_digest_of_month


def step_label_zh(step: str, days_left: int | None = None) -> str:
    """The step as the enterprise reads it. A step moved to an earlier working day (T-1 on a Sunday goes
    out on Friday) is named by the true distance the message is sent at, so title and body agree."""
    if step == "T0" or step.startswith("T-"):
        days = int(step[2:]) if step.startswith("T-") else 0
        if days_left is not None:
            days = days_left
        return "截止日提醒" if days <= 0 else f"截止前{days}天提醒"
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
            step_label=step_label_zh(item.step, (d.due - plan.day).days),
            rejection=item.rejection,
        )
        messages.append(
            OutgoingMessage(item.key, "reminder", item.enterprise_code, title, body, item.enterprise_code, d.code)
        )
    return messages


def build_overdue_digest(plan: ReminderPlan, policy: ReminderPolicy, campaign: CampaignInfo) -> OutgoingMessage | None:
    """One message per run for SASAC staff, grouped by deliverable with counts; or None.

    A deliverable overdue through `digests_before_monthly` earlier digests moves to a monthly summary: it
    is listed again only in the first digest of each month (other digests give its count in one line).
    No digest on a non-working day, when nobody is overdue, or when every overdue item is long overdue
    and the month's summary has been sent.
    """
    if not plan.working_day or (plan.overdue_total == 0 and not plan.undelivered_total):
        return None
    limit = policy.escalation.digests_before_monthly
    lines = [line for line in plan.lines if line.overdue]
    recent = [line for line in lines if digests_since(line.due, plan.earlier_digests) < limit]
    settled = [line for line in lines if line not in recent]
    monthly = bool(settled) and first_digest_of_month(plan.day, plan.earlier_digests)
    if not recent and not monthly and not plan.undelivered_total:
        return None
    shown = recent + (settled if monthly else [])
    groups = _by_deliverable(plan, shown)
    title, body = render_message(
        "reminder_digest",
        campaign=campaign,
        day=plan.day,
        total=plan.overdue_total,
        recent=[groups[line.code] for line in recent],
        settled=[groups[line.code] for line in settled] if monthly else [],
        settled_total=sum(line.overdue for line in settled),
        settled_deliverables=len(settled),
        limit=limit,
        not_listed=sum(g["count"] - len(g["enterprises"]) for g in groups.values()),
        undelivered=[
            {
                "recipient": row.recipient,
                "title": row.title,
                "state": UNDELIVERED_ZH.get(row.status, row.status),
                "attempts": row.attempts,
                "error": (row.error or "")[:120],
            }
            for row in plan.undelivered
        ],
        undelivered_total=plan.undelivered_total,
    )
    recipient = policy.escalation.recipient
    return OutgoingMessage(digest_key(plan.day), "digest", recipient, title, body)


def _by_deliverable(plan: ReminderPlan, lines: list) -> dict[str, dict]:
    """Digest groups: one per overdue deliverable, its count and the enterprises that owe it."""
    groups = {
        line.code: {
            "title": line.title,
            "due": line.due,
            "days": (plan.day - line.due).days,
            "count": line.overdue,
            "enterprises": [],
        }
        for line in lines
    }
    for row in plan.overdue_sample:  # ordered by enterprise code
        if row.deliverable_code in groups:
            state = "已报送但被退回" if row.rejected else "未报送"
            entry = f"{row.enterprise_code} {row.enterprise_name}（{state}）"
            groups[row.deliverable_code]["enterprises"].append(entry)
    return groups
