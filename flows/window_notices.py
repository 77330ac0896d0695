"""Announce deliverables no phase flow announces (完成情况, 评估报告) when their window opens."""

from __future__ import annotations

from prefect import flow

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.config.model import load_config
from campaign.notices.rules import build_window_notices
from tasks.artifacts import publish_summary
from tasks.db import prepare_database
from tasks.notify import fail_if_undelivered, notify_all
from tasks.templates import prepare_templates


@flow(
    name="window-notices",
    description="报送通知：完成情况、评估报告等材料的报送窗口开启时，向每户企业下发通知（附本单位填报模板）；重复运行不会重复发送。",
)
def window_notices(deliverables: list[str], as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    templates = prepare_templates(deliverables, as_of)  # 本单位填报模板（完成情况按备案清单预填）
    messages = build_window_notices(load_config(), deliverables, as_of, templates)
    delivery = notify_all(messages, as_of)
    result = {
        "deliverables": deliverables,
        "notices": len(messages),
        "newly_recorded": delivery.recorded,
        "sent": len(delivery.sent),
        "failed": len(delivery.failed),
        "unknown": len(delivery.unknown),  # no answer in time: held, not resent
    }
    publish_summary(
        "window-notices",
        f"报送通知：{'、'.join(deliverables)}",
        as_of.date().isoformat(),
        {"通知企业（户）": len(messages), "本次发送": result["sent"], "发送失败": result["failed"]},
    )
    fail_if_undelivered(delivery, "通知", result)
    return result
