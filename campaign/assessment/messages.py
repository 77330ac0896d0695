"""Tell each enterprise its finalised annual result (total, grade, rank); the rows are on the portal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from campaign.config.model import CampaignConfig
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message


class FinalRow(Protocol):
    """One enterprise's finalised result as finalize-year hands it over (tasks.assessment.ResultRow)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def total(self) -> float: ...
    @property
    def rank(self) -> str: ...  # "r/n": rank within the category / enterprises in it
    @property
    def grade(self) -> str: ...


def result_notice_key(year: int, code: str) -> str:
    return f"result:assessment-{year}:{code}"


def build_result_notices(
    config: CampaignConfig, year: int, results: Sequence[FinalRow], as_of: datetime
) -> list[OutgoingMessage]:
    messages = []
    for r in results:
        rank, size = (int(x) for x in r.rank.split("/"))
        title, body = render_message(
            "assessment_result",
            issuer=config.campaign.issuer,
            year=year,
            name=r.name,
            category=r.category,
            total=float(r.total),
            grade=r.grade,
            rank=rank,
            category_size=size,
            as_of=as_of.date(),
        )
        key = result_notice_key(year, r.code)
        messages.append(OutgoingMessage(key, "result", r.code, title, body, r.code, None))
    return messages
