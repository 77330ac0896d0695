"""Pure construction of phase notices (no I/O): who gets which notice, under which natural key."""

from __future__ import annotations

from datetime import datetime

from campaign.config.model import CampaignConfig
from campaign.errors import InvalidRequest
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message
from campaign.outgoing.rules import TemplateFile, filed_year

DEPLOYMENT_PHASE = "deployment"


def deployment_notice_key(enterprise_code: str) -> str:
    return f"notice:{DEPLOYMENT_PHASE}:{enterprise_code}"


def build_deployment_notices(
    config: CampaignConfig, as_of: datetime, templates: dict[str, dict[str, TemplateFile]] | None = None
) -> list[OutgoingMessage]:
    """One notice per enterprise. templates: code -> deliverable id -> the template prepared for it (named in the
    notice only when it was written)."""
    if as_of.date() < config.campaign.issue_date:
        raise InvalidRequest(
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
            templates=(templates or {}).get(enterprise.code, {}),
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


def cycle_notice_key(year: int, enterprise_code: str) -> str:
    """新年度编制 notice (目标任务及清单 of `year`)."""
    return f"notice:cycle-{year}:{enterprise_code}"


def actuals_notice_key(year: int, enterprise_code: str, completion_version: int) -> str:
    """The `year` list regenerated from last year's accepted 完成情况: one message per accepted version."""
    return f"notice:cycle-{year}:actuals:{enterprise_code}:v{completion_version}"


def window_notice_key(deliverable_ids: list[str], enterprise_code: str) -> str:
    return f"notice:{'+'.join(deliverable_ids)}:{enterprise_code}"


def build_window_notices(
    config: CampaignConfig,
    deliverable_ids: list[str],
    as_of: datetime,
    templates: dict[str, dict[str, TemplateFile]],
) -> list[OutgoingMessage]:
    """One notice per enterprise for deliverables whose window opens together. templates: code -> id -> template."""
    deliverables = [config.deliverable(i) for i in deliverable_ids]
    opens = min(d.opens_on for d in deliverables)
    if as_of.date() < opens:
        raise InvalidRequest(f"{'、'.join(deliverable_ids)} 的报送窗口 {opens} 才开启，as_of（{as_of.date()}）过早")
    messages = []
    for enterprise in config.enterprises:
        title, body = render_message(
            "notice_window",
            campaign=config.campaign,
            enterprise=enterprise,
            deliverables=deliverables,
            templates=templates.get(enterprise.code, {}),
            filed_year={d.id: filed_year(config, d) for d in deliverables},
            as_of=as_of.date(),
        )
        messages.append(
            OutgoingMessage(
                window_notice_key(deliverable_ids, enterprise.code),
                "notice",
                enterprise.code,
                title,
                body,
                enterprise.code,
                deliverable_ids[0],
            )
        )
    return messages
