"""研究部署阶段 (seed §三(二)一): issue the campaign notice to every enterprise, once."""

from __future__ import annotations

from typing import Any

from prefect import flow

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.config.model import load_config
from campaign.notices.message import OutgoingMessage
from campaign.notices.rules import DEPLOYMENT_PHASE, build_deployment_notices
from campaign.reports import markdown
from notifications.delivery import DeliveryReport
from tasks.artifacts import publish_summary
from tasks.audit import audit
from tasks.db import prepare_database
from tasks.notify import fail_if_undelivered, notify_all
from tasks.templates import prepare_templates


@flow(
    name="deployment-phase",
    description="研究部署阶段：向每户区属国有企业印发行动方案通知及 2023-05-22 前的报送要求；重复运行不会重复发送。",
)
def deployment_phase(as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    config = load_config()
    deliverables = [d.id for d in config.deliverables_of_phase(DEPLOYMENT_PHASE)]
    templates = prepare_templates(deliverables, as_of)  # 附件1、附件2、部署推动情况报告：每户企业一份
    messages = build_deployment_notices(config, as_of, templates)
    delivery = notify_all(messages, as_of)
    summary: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "enterprises": len(messages),
        "newly_recorded": delivery.recorded,
        "sent": len(delivery.sent),
        "failed": len(delivery.failed),
        "unknown": len(delivery.unknown),  # no answer in time: held, not resent
    }
    audit("notice.issued", "phase", "deployment", as_of, summary)
    publish_summary(
        "deployment-phase-notices",
        "研究部署阶段通知发送情况",
        summary["as_of"][:10],
        {"企业（户）": summary["enterprises"], "本次发送": summary["sent"], "发送失败": summary["failed"]},
        sections=[("逐户情况", _notice_table(messages, delivery))],
    )
    fail_if_undelivered(delivery, "通知", summary)
    return summary


def _notice_table(messages: list[OutgoingMessage], delivery: DeliveryReport) -> str:
    sent, failed = set(delivery.sent), delivery.undelivered

    def state(key: str) -> str:
        # Not sent by this run and not failed: an earlier run (or another worker) sent it.
        return "本次已发送" if key in sent else f"失败：{failed[key]}" if key in failed else "此前已发送"

    rows = [{"to": msg.recipient, "title": msg.title, "state": state(msg.key)} for msg in messages]
    return markdown.table({"to": "企业代码", "title": "通知", "state": "状态"}, rows)
