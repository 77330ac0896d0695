"""Gather a half-year period's statuses and reported rows from the database for `campaign.half_year.rules`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.store import row_direction
from campaign.config.model import CampaignConfig, Deliverable
from campaign.db import models as m
from campaign.errors import InvalidRequest
from campaign.half_year.progress import latest_task_lists
from campaign.half_year.rules import EnterpriseStatus, ReportedRow
from campaign.submissions.status import classify, latest_versions
from campaign.validation.targets import parse_target


def progress_deliverable(config: CampaignConfig, period: str) -> Deliverable:
    for d in config.deliverables:
        if d.kind == "progress" and d.period == period.upper():
            return d
    known = "、".join(d.period for d in config.deliverables if d.kind == "progress")
    raise InvalidRequest(f"没有 {period} 的进展情况报送安排；已配置的半年度：{known}")


def gather(session: Session, config: CampaignConfig, deliverable: Deliverable, as_of: datetime) -> tuple[list[EnterpriseStatus], list[ReportedRow]]:
    dlv = session.scalars(select(m.Deliverable).where(m.Deliverable.code == deliverable.id)).one()
    enterprises = session.scalars(select(m.Enterprise).where(m.Enterprise.active.is_(True)).order_by(m.Enterprise.code)).all()
    latest_by_key, accepted_by_key = latest_versions(session, as_of, dlv.id)
    latest = {ent: sub for (ent, _), sub in latest_by_key.items()}
    accepted = {ent: sub for (ent, _), sub in accepted_by_key.items()}
    statuses = [
        EnterpriseStatus(e.code, e.name, e.category, classify(accepted.get(e.id), latest.get(e.id))) for e in enterprises
    ]
    lists = latest_task_lists(session, config, deliverable.year, as_of)
    task_items = {
        (i.enterprise_id, i.row_no): i
        for i in session.scalars(select(m.TaskItem).where(m.TaskItem.submission_id.in_([s.id for s in lists.values()])))
    } if lists else {}
    directions = {i.name: i.direction for i in config.core_indicators}
    codes = {e.id: e.code for e in enterprises}
    rows: list[ReportedRow] = []
    if accepted:
        for p in session.scalars(
            select(m.ProgressItem).where(m.ProgressItem.submission_id.in_([s.id for s in accepted.values()])).order_by(m.ProgressItem.task_row_no)
        ):
            item = task_items.get((p.enterprise_id, p.task_row_no))
            indicator = item.core_indicator if item else None
            benchmark = parse_target(item.benchmark_status) if item and item.benchmark_status else None
            direction = row_direction(item, directions) if item is not None else "higher"
            rows.append(
                ReportedRow(
                    code=codes[p.enterprise_id], dimension=p.dimension, title=p.title,
                    target=item.annual_target_value if item else None, value=p.value, indicator=indicator,
                    direction=direction, benchmark=benchmark.value if benchmark else None,
                )
            )
    return statuses, rows


def narratives(session: Session, deliverable: Deliverable, as_of: datetime) -> dict[str, str]:
    query = (
        select(m.Enterprise.code, m.ProgressNarrative.text, m.Submission.version)
        .join(m.Submission, m.Submission.id == m.ProgressNarrative.submission_id)
        .join(m.Enterprise, m.Enterprise.id == m.Submission.enterprise_id)
        .join(m.Deliverable, m.Deliverable.id == m.Submission.deliverable_id)
        .where(m.Deliverable.code == deliverable.id, m.Submission.status == "accepted", m.Submission.received_at <= as_of)
        .order_by(m.Submission.version)
    )
    return {code: text for code, text, _ in session.execute(query)}
