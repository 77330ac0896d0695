"""研究部署阶段 (seed §三(二)一): issue the campaign notice to every enterprise, once."""
from __future__ import annotations

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from campaign.clock import AsOfParam, resolve_as_of
from campaign.config import load_config
from campaign.notices import build_deployment_notices
from tasks.audit import audit
from tasks.db import prepare_database
from tasks.notify import deliver, record


@flow(
    name="deployment-phase",
    description="研究部署阶段：向每户区属国有企业印发行动方案通知及 2023-05-22 前的报送要求；重复运行不会重复发送。",
)
def deployment_phase(as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    config = load_config()
    messages = build_deployment_notices(config, as_of)
    newly_recorded = record(messages, as_of)
    delivered = deliver([msg.key for msg in messages], as_of)
    summary = {
        "as_of": as_of.isoformat(),
        "enterprises": len(messages),
        "newly_recorded": newly_recorded,
        "sent": len(delivered["sent"]),
        "failed": len(delivered["failed"]),
    }
    audit("notice.issued", "phase", "deployment", as_of, summary)
    create_markdown_artifact(
        key="deployment-phase-notices",
        markdown=_artifact(messages, delivered, summary),
        description="研究部署阶段通知发送情况",
    )
    if delivered["failed"]:
        raise RuntimeError(
            f"{len(delivered['failed'])} 条通知发送失败（已记录，重新运行本流程会补发，不会重复发送）："
            + "；".join(f"{k}: {v}" for k, v in delivered["failed"].items())
        )
    return summary


def _artifact(messages, delivered: dict, summary: dict) -> str:
    sent, failed = set(delivered["sent"]), delivered["failed"]
    lines = [
        f"## 研究部署阶段通知（as_of {summary['as_of'][:10]}）",
        "",
        f"企业 {summary['enterprises']} 户；本次发送 {summary['sent']} 条，失败 {summary['failed']} 条。",
        "",
        "| 企业代码 | 通知 | 状态 |",
        "|---|---|---|",
    ]
    for msg in messages:
        state = "本次已发送" if msg.key in sent else f"失败：{failed[msg.key]}" if msg.key in failed else "此前已发送"
        lines.append(f"| {msg.recipient} | {msg.title} | {state} |")
    return "\n".join(lines)
