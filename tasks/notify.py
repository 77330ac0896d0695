"""Notification tasks: record messages under their natural keys, deliver what is pending."""
from __future__ import annotations

from datetime import datetime

from prefect import get_run_logger, task

from campaign.db.session import session_scope
from campaign.messages import OutgoingMessage
from campaign.settings import get_settings
from notifications.channels import load_channels
from notifications.delivery import deliver_pending, record_messages


@task(name="record-messages", retries=2, retry_delay_seconds=2)
def record(messages: list[OutgoingMessage], as_of: datetime) -> int:
    channels = load_channels(get_settings().apprise_config_path)
    with session_scope() as session:
        new = record_messages(session, messages, channels, as_of)
    get_run_logger().info("recorded %d new of %d messages (the rest existed already)", new, len(messages))
    return new


@task(name="deliver-pending")
def deliver(keys: list[str], as_of: datetime) -> dict:
    """One task run for the whole batch: per-message task runs would cost ~15 ms each."""
    channels = load_channels(get_settings().apprise_config_path)
    with session_scope() as session:
        report = deliver_pending(session, channels, as_of, keys)
    logger = get_run_logger()
    logger.info("delivered %d, failed %d", len(report.sent), len(report.failed))
    # Errors are redacted already. Capped: a dead default channel must not flood the run log with 10,000 lines.
    for key, error in list(report.failed.items())[:50]:
        logger.warning("delivery of %s failed: %s", key, error)
    if len(report.failed) > 50:
        logger.warning("... and %d more failed deliveries (see the notification table)", len(report.failed) - 50)
    return {"sent": report.sent, "failed": report.failed}
