"""Pure construction of phase notices (no I/O): who gets which notice, under which natural key."""
from __future__ import annotations

from datetime import datetime

from campaign.config import CampaignConfig
from campaign.messages import OutgoingMessage
from notifications.render import render_message

DEPLOYMENT_PHASE = "deployment"


def deployment_notice_key(enterprise_code: str) -> str:
    return f"notice:{DEPLOYMENT_PHASE}:{enterprise_code}"


def build_deployment_notices(config: CampaignConfig, as_of: datetime) -> list[OutgoingMessage]:
    if as_of.date() < config.campaign.issue_date:
        raise ValueError(
            f"研究部署通知的印发日期为 {config.campaign.issue_date}，as_of（{as_of.date()}）早于该日期，不能提前印发"
        )
    deliverables = config.deliverables_of_phase(DEPLOYMENT_PHASE)
    due = max(d.due for d in deliverables)
    later = [p for p in config.phases if p.id != DEPLOYMENT_PHASE]
    messages = []
    for enterprise in config.enterprises:
        title, body = render_message(
            "notice_deployment",
            campaign=config.campaign,
            enterprise=enterprise,
            deliverables=deliverables,
            due=due,
            later_phases=later,
            dimensions=config.benchmark_dimensions,
            as_of=as_of.date(),
        )
        messages.append(
            OutgoingMessage(
                key=deployment_notice_key(enterprise.code),
                kind="notice",
                recipient=enterprise.code,
                title=title,
                body=body,
                enterprise_code=enterprise.code,
            )
        )
    return messages
