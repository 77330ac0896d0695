"""补发失败的消息: staff pick messages that failed for good (the console's 补发 button); they are put back
in the queue and delivered now. A message sent already is never sent again."""

from __future__ import annotations

from prefect import flow

from campaign.calendar.clock import AsOfParam, resolve_as_of
from tasks.db import prepare_database
from tasks.notify import fail_if_undelivered, notify_all, requeue_messages


@flow(
    name="resend-messages",
    description="补发失败的消息：把区国资委工作人员选定的、已判定发送失败的消息重新列为待发送并立即发送；"
    "已发送的消息不会重复发送。由 SASAC 控制台的“补发”按钮启动。",
)
def resend_messages(keys: list[str], requested_by: str, as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    requeued = requeue_messages(keys, requested_by, as_of)
    delivery = notify_all([], as_of, recorded_keys=requeued)
    result = {
        "requested": len(keys),
        "requeued": len(requeued),
        "sent": len(delivery.sent),
        "failed": len(delivery.failed),
        "unknown": len(delivery.unknown),  # no answer in time again: held
        "skipped": sorted(set(keys) - set(requeued)),  # not failed (sent already, or still queued)
    }
    fail_if_undelivered(delivery, "补发的消息", result)
    return result
