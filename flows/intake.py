"""Intake: process what SASAC staff dropped into CAMPAIGN_HOME/inbox — receipts and rejections, once."""

from __future__ import annotations

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.intake.report import artifact_rows, summary_markdown
from tasks.audit import audit
from tasks.db import prepare_database
from tasks.half_year import refresh_summaries
from tasks.intake import scan_inbox, take_files
from tasks.next_year import refresh_next_year_lists
from tasks.notify import fail_if_undelivered, notify_all


@flow(
    name="intake",
    description="接收报送：扫描收件箱，校验、登记版本、存档，并向企业发送回执或退回通知；重复运行不会重复登记或发送。",
)
def intake(as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    paths = scan_inbox()
    # In arrival order (versions of one enterprise's files must follow it), in batches of one commit each.
    taken = take_files(paths, as_of)
    outcomes, errors, skipped = taken.outcomes, taken.errors, taken.skipped
    keys = [o.message_key for o in outcomes if o.message_key]  # a duplicate may find its message still pending
    # 上年度完成情况已接收：新年度清单按实际完成值重新生成，并告知企业（每个接收版本一条）。
    refreshed_lists = refresh_next_year_lists(as_of)
    delivery = notify_all(refreshed_lists, as_of, recorded_keys=keys)
    summary = {
        "as_of": as_of.isoformat(),
        "files": len(paths),
        "accepted": sum(o.accepted and not o.duplicate for o in outcomes),
        "rejected": sum(not o.accepted and not o.duplicate for o in outcomes),
        "duplicates": sum(o.duplicate for o in outcomes),
        "errors": len(errors),
        # Files another worker holds: left for it (or for the next run once it is gone), named with the reason.
        "skipped": len(skipped),
        "skipped_files": skipped,
        "lists_regenerated": len(refreshed_lists),
        "sent": len(delivery.sent),
        "failed": len(delivery.failed),
        "unknown": len(delivery.unknown),  # no answer in time: held, not resent
    }
    # A progress report filed (or rejected) after its period was summarised: the summary is regenerated, so
    # the report and `campaign status` agree on who reported when.
    filed = {o.deliverable for o in outcomes if o.deliverable and not o.duplicate}
    summary["refreshed"] = refresh_summaries(sorted(filed), as_of) if filed else []
    audit("intake.run", "inbox", as_of.date().isoformat(), as_of, summary)
    if outcomes or errors or skipped:
        create_table_artifact(key="intake-files", table=artifact_rows(outcomes), description="本次接收的文件")
    create_markdown_artifact(
        key="intake-summary", markdown=summary_markdown(summary, outcomes, errors, skipped), description="接收报送情况"
    )
    fail_if_undelivered(delivery, "回执或退回通知", summary)
    return summary
