"""Send each enterprise its finalised annual assessment result (once: the key is per year and enterprise)."""
from __future__ import annotations

from datetime import datetime

from prefect import task

from campaign.config import load_config
from campaign.web.result_notices import build_result_notices
from tasks.notify import deliver, record


@task(name="notify-results")
def notify_results(year: int, results: list[dict], as_of: datetime) -> dict:
    messages = build_result_notices(load_config(), year, results, as_of)
    record.fn(messages, as_of)
    return deliver.fn([msg.key for msg in messages], as_of)
