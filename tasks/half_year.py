"""Half-year collection tasks: open the period (templates + notices), close it (summary + reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prefect import task
from sqlalchemy import select

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.half_year.outputs import write_outputs
from campaign.half_year.rules import HalfYearSummary, summarize
from campaign.half_year.store import (
    gather,
    latest_task_lists,
    narratives,
    planned_from_items,
    progress_deliverable,
    summarized_periods,
)
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message
from campaign.submissions.store import filed_details, latest_filed, task_items
from campaign.workbook.progress import write_progress_workbook


@task(name="prepare-progress-templates")
def prepare_templates(period: str, as_of: datetime) -> list[OutgoingMessage]:
    """Pre-fill every enterprise's progress workbook from its accepted list; build (not send) the notices."""
    config = load_config()
    deliverable = progress_deliverable(config, period)
    out_dir = get_settings().home_dir / "outgoing" / deliverable.id
    messages = []
    with session_scope() as session:
        lists = latest_task_lists(session, config, deliverable.year, as_of)
        rows = task_items(session, [s.id for s in lists.values()])
        items = {ent_id: rows[s.id] for ent_id, s in lists.items()}
        ids = dict(session.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
    for enterprise in config.enterprises:
        planned = planned_from_items(items.get(ids.get(enterprise.code, -1), []))
        template_name = ""
        if planned:
            template_name = write_progress_workbook(enterprise, deliverable, planned, out_dir).name
        title, body = render_message(
            "notice_progress",
            issuer=config.campaign.issuer,
            campaign_title=config.campaign.title,
            enterprise=enterprise,
            deliverable=deliverable,
            planned=len(planned),
            template_name=template_name,
            as_of=as_of.date(),
        )
        messages.append(
            OutgoingMessage(
                f"notice:{deliverable.id}:{enterprise.code}",
                "notice",
                enterprise.code,
                title,
                body,
                enterprise.code,
                deliverable.id,
            )
        )
    return messages


@dataclass(frozen=True)
class PeriodClosed:
    period: str
    deliverable: str
    summary: HalfYearSummary
    outputs: dict[str, str]  # "xlsx" / "html" -> path


@task(name="summarize-half-year")
def summarize_period(period: str, as_of: datetime) -> PeriodClosed:
    config = load_config()
    deliverable = progress_deliverable(config, period)
    with session_scope() as session:
        statuses, rows = gather(session, config, deliverable, as_of)
        texts = narratives(session, deliverable, as_of)
        reviews = filed_details(session, deliverable.id, as_of, "self_review")
        units = latest_filed(session, config, "targets", "chuangbiao", as_of, deliverable.year)
    summary = summarize(statuses, rows, config.half_year.attention_below)
    names = {s.code: s.name for s in statuses}
    categories = {s.code: s.category for s in statuses}
    outputs = write_outputs(
        get_settings().home_dir, config, deliverable, summary, names, categories, texts, as_of, reviews, units
    )
    return PeriodClosed(period, deliverable.id, summary, outputs)


@task(name="refresh-half-year-summaries")
def refresh_summaries(deliverable_ids: list[str], as_of: datetime) -> list[str]:
    """Regenerate the summaries of the periods these deliverables belong to, if they were already written."""
    config = load_config()
    periods = summarized_periods(config, set(deliverable_ids), as_of.date())
    for period in periods:
        summarize_period.fn(period, as_of)
    return periods
