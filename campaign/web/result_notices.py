"""Tell each enterprise its finalised annual result (total, grade, rank); the rows are on the portal."""
from __future__ import annotations

from datetime import datetime

from campaign.config import CampaignConfig
from campaign.messages import OutgoingMessage
from notifications.render import render_message


def result_notice_key(year: int, code: str) -> str:
    return f"result:assessment-{year}:{code}"


def build_result_notices(
    config: CampaignConfig, year: int, results: list[dict], as_of: datetime
) -> list[OutgoingMessage]:
    """`results`: finalize_year's rows ({code, name, category, total, bonus, rank "r/n", grade})."""
    messages = []
    for r in results:
        rank, size = (int(x) for x in str(r["rank"]).split("/"))
        title, body = render_message(
            "assessment_result", issuer=config.campaign.issuer, year=year, name=r["name"], category=r["category"],
            total=float(r["total"]), bonus=float(r["bonus"] or 0), grade=r["grade"], rank=rank, category_size=size,
            as_of=as_of.date(),
        )
        key = result_notice_key(year, r["code"])
        messages.append(OutgoingMessage(key, "result", r["code"], title, body, r["code"], None))
    return messages
