"""每半年报送进展情况 (seed §三(三)一): open a period with pre-filled templates, close it with a summary."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from campaign.clock import resolve_as_of
from campaign.config import load_config
from campaign.half_year_store import progress_deliverable
from tasks.db import prepare_database
from tasks.half_year import prepare_templates, summarize_period
from tasks.notify import deliver, record


@flow(
    name="half-year-collection",
    description="半年进展情况：窗口开启时按各企业备案的目标任务清单预填进展表并下发通知；截止后汇总报送完整率、及时率、"
    "各维度与核心指标进展和需关注企业，输出 Excel 与 HTML 报告。",
)
def half_year_collection(period: str, as_of: datetime | None = None, mode: Literal["auto", "open", "close"] = "auto") -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    deliverable = progress_deliverable(load_config(), period)
    if as_of.date() < deliverable.opens_on:
        raise ValueError(f"{deliverable.title}的报送窗口 {deliverable.opens_on} 才开启，as_of（{as_of.date()}）过早")
    if mode == "auto":
        mode = "open" if as_of.date() <= deliverable.due else "close"
    if mode == "open":
        messages = prepare_templates(deliverable.period, as_of)
        new = record(messages, as_of)
        delivered = deliver([msg.key for msg in messages], as_of)
        result = {"mode": "open", "period": deliverable.period, "notices": len(messages), "newly_recorded": new,
                  "sent": len(delivered["sent"]), "failed": len(delivered["failed"])}
        create_markdown_artifact(
            key=f"{deliverable.id}-open",
            markdown=f"## {deliverable.title}：已下发\n\n通知 {len(messages)} 户，本次发送 {result['sent']} 条，失败 {result['failed']} 条；"
            f"截止日期 {deliverable.due}。",
            description=f"{deliverable.title}下发情况",
        )
        return result
    closed = summarize_period(deliverable.period, as_of)
    s = closed["summary"]
    lines = [
        f"## {deliverable.title}汇总（截至 {as_of.date()}）",
        "",
        f"报送完整率 {s['completeness_rate']:.0%}，按时报送率 {s['timeliness_rate']:.0%}；"
        f"逾期 {len(s['late'])} 户，被退回未重报 {len(s['rejected'])} 户，未报送 {len(s['missing'])} 户。",
        "",
        "| 需关注企业 | 原因 |",
        "|---|---|",
        *[f"| {a['code']} {a['name']} | {'；'.join(a['reasons'])} |" for a in s["attention"]],
        "",
        f"- 报告：`{closed['outputs']['html']}`",
        f"- 汇总表：`{closed['outputs']['xlsx']}`",
    ]
    create_markdown_artifact(key=f"{deliverable.id}-summary", markdown="\n".join(lines), description=f"{deliverable.title}汇总")
    return {"mode": "close", **closed}
