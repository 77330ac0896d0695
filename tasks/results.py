"""The message each enterprise gets when its annual assessment is finalised (once: keyed per year and enterprise)."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from campaign.assessment.messages import build_result_notices
from campaign.config.model import load_config
from campaign.notices.message import OutgoingMessage
from tasks.assessment import ResultRow


@task(name="result-notices", cache_policy=NO_CACHE)
def result_notices(year: int, results: list[ResultRow], as_of: datetime) -> list[OutgoingMessage]:
    return build_result_notices(load_config(), year, results, as_of)
