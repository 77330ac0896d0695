"""截止提醒 (daily, any as_of): remind enterprises that still owe a deliverable; one overdue digest to SASAC.

Task runs per run are constant (prepare, plan, record, deliver, audit) whatever the number of
enterprises: the planning is set-based SQL and delivery is one batch.
"""

from __future__ import annotations

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.utilities.annotations import quote

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.reminders.outputs import COLUMNS, run_table, totals
from tasks.audit import audit
from tasks.db import prepare_database
from tasks.notify import fail_if_undelivered, notify_all
from tasks.reminders import plan


@flow(
    name="reminders",
    description="截止提醒：工作日向尚未报送的企业发送提醒（同一步骤只发一次，停机后只补发最相关的一条），并向区国资委发送逾期汇总。",
)
def reminders(as_of: AsOfParam = None) -> dict:
    # A bare date (e.g. typed in the Prefect UI) must mean that day at the send time, not midnight,
    # which is before the send time and would silently send nothing: so strings reach resolve_as_of.
    as_of = resolve_as_of(as_of)
    prepare_database()
    planned = plan(as_of)
    keys = [msg.key for msg in planned.messages]
    # quote(): Prefect would otherwise walk all 10,000 messages looking for futures (~2 ms per message).
    delivery = notify_all(quote(planned.messages), as_of)
    # The table is about today's reminders; messages left by earlier runs that this run delivered are counted apart.
    own = set(keys)
    rows = run_table(
        planned.plan, [k for k in delivery.sent if k in own], [k for k in delivery.undelivered if k in own]
    )
    summary = {
        "as_of": as_of.isoformat(),
        "day": planned.plan.day.isoformat(),
        "working_day": planned.plan.working_day,
        "due": len(keys),
        "newly_recorded": delivery.recorded,
        "overdue": planned.plan.overdue_total,
        **totals(rows),
        # of "failed": no answer in time, held (not resent by itself)
        "unknown": sum(1 for k in delivery.unknown if k in own),
        "maybe_duplicated": len(delivery.maybe_duplicated),
        "earlier_delivered": delivery.earlier,
    }
    audit("reminders.run", "reminders", planned.plan.day.isoformat(), as_of, summary)
    create_table_artifact(
        key="reminders-run",
        table=[{COLUMNS[k]: v for k, v in row.items()} for row in rows],
        description=f"截止提醒 {summary['day']}：发送 {summary['sent']}，失败 {summary['failed']}"
        f"（其中结果不明 {summary['unknown']}：对方可能已收到，不自动重发）"
        f"；补发此前运行留下的消息 {summary['earlier_delivered']}（失败的消息保留为待发送，下次运行重试）",
    )
    summary["table"] = rows
    summary["recipients"] = {msg.key: msg.recipient for msg in planned.messages}
    summary["sent_keys"] = delivery.sent
    summary["failed_keys"] = delivery.failed  # errors are redacted: no URL, no token
    # The run fails so operators see it in the UI; the messages stay pending for the next run.
    fail_if_undelivered(delivery, "提醒", summary)
    return summary
