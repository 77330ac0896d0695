"""每半年报送进展情况 (seed §三(三)一): open a period with pre-filled templates, close it with a summary."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Literal

from prefect import flow

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.config.model import load_config
from campaign.errors import InvalidRequest
from campaign.half_year.store import progress_deliverable
from campaign.reports import markdown as md
from tasks.artifacts import publish_summary
from tasks.db import prepare_database
from tasks.half_year import prepare_templates, summarize_period
from tasks.notify import fail_if_undelivered, notify_all


@flow(
    name="half-year-collection",
    description="半年进展情况：窗口开启时按各企业备案的目标任务清单预填进展表并下发通知；截止后汇总报送完整率、及时率、"
    "各维度与核心指标进展和需关注企业，输出 Excel 与 HTML 报告。",
)
def half_year_collection(period: str, as_of: AsOfParam = None, mode: Literal["auto", "open", "close"] = "auto") -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    deliverable = progress_deliverable(load_config(), period)
    if as_of.date() < deliverable.opens_on:
        raise InvalidRequest(
            f"{deliverable.title}的报送窗口 {deliverable.opens_on} 才开启，as_of（{as_of.date()}）过早"
        )
    period = deliverable.period or period  # the configured spelling (progress_deliverable matched it)
    if mode == "auto":
        mode = "open" if as_of.date() <= deliverable.due else "close"
    if mode == "open":
        messages = prepare_templates(period, as_of)
        delivery = notify_all(messages, as_of)
        result = {
            "mode": "open",
            "period": period,
            "notices": len(messages),
            "newly_recorded": delivery.recorded,
            "sent": len(delivery.sent),
            "failed": len(delivery.failed),
            "unknown": len(delivery.unknown),  # no answer in time: held, not resent
        }
        publish_summary(
            f"{deliverable.id}-open",
            f"{deliverable.title}：已下发",
            as_of.date().isoformat(),
            {"通知企业（户）": len(messages), "本次发送": result["sent"], "发送失败": result["failed"]},
            notes=[f"截止日期 {deliverable.due}；预填模板位于 outgoing/{deliverable.id}/"],
        )
        fail_if_undelivered(delivery, "通知", result)
        return result
    closed = summarize_period(period, as_of)
    s = closed.summary
    attention = md.table(
        {"code": "企业代码", "name": "企业名称", "reasons": "原因"},
        [{**a, "reasons": "；".join(a["reasons"])} for a in s.attention],
    )
    publish_summary(
        f"{deliverable.id}-summary",
        f"{deliverable.title}汇总",
        as_of.date().isoformat(),
        {
            "报送完整率": f"{s.completeness_rate:.0%}",
            "按时报送率": f"{s.timeliness_rate:.0%}",
            "逾期（户）": len(s.late),
            "被退回未重报（户）": len(s.rejected),
            "未报送（户）": len(s.missing),
        },
        sections=[("需关注企业", attention)],
        links={"HTML 报告": Path(closed.outputs["html"]).as_uri(), "汇总表": Path(closed.outputs["xlsx"]).as_uri()},
    )
    return {"mode": "close", **asdict(closed)}  # what the UI and the CLI show: plain JSON
