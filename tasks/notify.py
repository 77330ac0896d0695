"""The one way a flow sends: `notify_all` records messages under their natural keys and delivers them;
`fail_if_undelivered` is the one failure rule (a flow that could not deliver ends Failed with the count)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from campaign.config.settings import get_settings
from campaign.errors import DeliveryFailed
from campaign.notices.message import OutgoingMessage
from notifications.channels import load_channels
from notifications.delivery import DeliveryReport, notify_now

SHOWN_FAILURES = 20  # in the error and the run log; the notification table has them all


@task(name="notify-all", cache_policy=NO_CACHE)
def notify_all(
    messages: Sequence[OutgoingMessage], as_of: datetime, recorded_keys: Sequence[str] = ()
) -> DeliveryReport:
    """Record `messages` (a message recorded before, e.g. by intake in the file's own transaction, is
    left as it is), then deliver every message still deliverable, oldest first: this run's, with
    `recorded_keys` (messages the caller recorded itself in the transaction that caused them, intake's
    receipts), and whatever an interrupted or failed earlier run left pending or abandoned mid-send.
    One task run for the whole batch: per-message task runs would cost ~15 ms each."""
    channels = load_channels(get_settings().apprise_config_path)
    report = notify_now(messages, as_of, channels, recorded_keys, sweep=True)
    logger = get_run_logger()
    logger.info(
        "recorded %d new of %d messages; delivered %d (%d left by earlier runs), failed %d, outcome unknown %d",
        report.recorded,
        len(messages),
        len(report.sent),
        report.earlier,
        len(report.failed),
        len(report.unknown),
    )
    if report.maybe_duplicated:
        logger.warning(
            "%d messages were resent after a send of unknown outcome (delivery.unknown_outcome: resend)",
            len(report.maybe_duplicated),
        )
    # Errors are redacted already. Capped: a dead default channel must not flood the run log with 10,000 lines.
    for key, error in list(report.undelivered.items())[:SHOWN_FAILURES]:
        logger.warning("delivery of %s failed: %s", key, error)
    return report


def fail_if_undelivered(report: DeliveryReport, noun: str = "通知", summary: object = None) -> None:
    """The one failure rule: any undelivered message fails the run, with the count and what to do.

    Call it last, after the run's artifacts are published, so the UI shows what did go out. Failed
    messages stay recorded as pending (or failed after the configured attempts); a rerun sends only
    those. A message of unknown outcome (no answer in time) is held: it is not sent again by itself.
    """
    if not report.failed and not report.unknown:
        return
    parts = []
    if report.failed:
        parts.append(f"{len(report.failed)} 条{noun}发送失败（已记录，保留为待发送，下次运行会重试，不会重复发送）")
    if report.unknown:
        parts.append(
            f"{len(report.unknown)} 条{noun}发送结果不明（通知渠道在超时时间内没有应答，对方可能已收到；"
            "为免重复，不会自动重发，已列入区国资委每日逾期汇总）"
        )
    raise DeliveryFailed(
        "；".join(parts) + "：",
        "检查 config/apprise.yaml 中这些收件人的通知渠道及环境变量中的令牌，然后重新运行本流程："
        "已发送的不会重复发送，失败的会补发；结果不明的请向收件人核实。",
        report.undelivered,
        summary,
    )


@task(name="requeue-failed-messages", cache_policy=NO_CACHE)
def requeue_messages(keys: Sequence[str], requested_by: str, as_of: datetime) -> list[str]:
    """Failed messages back to pending (the others untouched), audited under who asked."""
    from campaign.db.session import session_scope
    from campaign.notices.store import requeue_failed

    with session_scope() as session:
        return requeue_failed(session, keys, f"staff:{requested_by}", as_of)
