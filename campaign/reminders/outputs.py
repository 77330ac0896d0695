"""The per-run table (Prefect artifact and CLI): sent, skipped for each reason, failed — per deliverable."""

from __future__ import annotations

from collections import Counter

from campaign.reminders.rules import ReminderPlan

COLUMNS = {
    "deliverable": "材料",
    "due": "截止日期",
    "step": "当前提醒步骤",
    "sent": "本次发送",
    "skipped_already_sent": "跳过：此前已发送",
    "skipped_submitted": "跳过：已报送",
    "skipped_not_working_day": "跳过：非工作日",
    "failed": "失败（待重试）",
}


def _deliverable_of(key: str) -> str:
    # reminder:<enterprise>:<deliverable>:<step>; enterprise codes and deliverable ids contain no ':'
    return key.split(":")[2] if key.startswith("reminder:") else key


def run_table(plan: ReminderPlan, sent: list[str], failed: list[str]) -> list[dict]:
    sent_by = Counter(_deliverable_of(k) for k in sent)
    failed_by = Counter(_deliverable_of(k) for k in failed)
    rows = []
    for line in plan.lines:
        rows.append(
            {
                "deliverable": f"{line.title}（{line.code}）",
                "due": line.due.isoformat(),
                "step": line.step or "未到提醒日",
                "sent": sent_by[line.code],
                "skipped_already_sent": line.already_sent,
                "skipped_submitted": line.submitted,
                "skipped_not_working_day": line.not_working_day,
                "failed": failed_by[line.code],
            }
        )
    digests = [k for k in (*sent, *failed) if k.startswith("digest:")]
    if digests or plan.overdue_total:
        rows.append(
            {
                "deliverable": "逾期汇总（发区国资委）",
                "due": "",
                "step": f"逾期 {plan.overdue_total} 项",
                "sent": sum(1 for k in sent if k.startswith("digest:")),
                "skipped_already_sent": 0 if digests or not plan.working_day else 1,
                "skipped_submitted": 0,
                "skipped_not_working_day": 0 if plan.working_day else 1,
                "failed": sum(1 for k in failed if k.startswith("digest:")),
            }
        )
    return rows


def totals(rows: list[dict]) -> dict[str, int]:
    keys = ("sent", "skipped_already_sent", "skipped_submitted", "skipped_not_working_day", "failed")
    return {k: sum(r[k] for r in rows) for k in keys}
