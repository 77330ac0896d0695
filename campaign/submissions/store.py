"""Which submission counts: the latest accepted version per enterprise, as known at a moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.config.model import CampaignConfig
from campaign.db import models as m


def deliverable_code(config: CampaignConfig, kind: str, year: int) -> str | None:
    """The id of the deliverable of `kind` for `year` (e.g. completion 2023 -> completion-2023), if configured."""
    return next((d.id for d in config.deliverables if d.kind == kind and d.year == year), None)


def latest_accepted(
    session: Session, deliverable: str | None, as_of: datetime, enterprise_id: int | None = None
) -> dict[int, m.Submission]:
    """enterprise id -> its latest accepted version of `deliverable` received by `as_of`."""
    if deliverable is None:
        return {}
    query = (
        select(m.Submission)
        .join(m.Deliverable)
        .where(m.Deliverable.code == deliverable, m.Submission.status == "accepted", m.Submission.received_at <= as_of)
        .order_by(m.Submission.version)
    )
    if enterprise_id is not None:
        query = query.where(m.Submission.enterprise_id == enterprise_id)
    return {s.enterprise_id: s for s in session.scalars(query)}


def filed_details(session: Session, deliverable: str | None, as_of: datetime, key: str) -> dict[str, Any]:
    """enterprise code -> details[key] of its latest accepted version of `deliverable` (自评, 对标对象, 创标企业):
    what a file says as data besides its task rows, recorded by intake. Enterprises whose file has none are left out."""
    by_enterprise = latest_accepted(session, deliverable, as_of)
    codes = dict(session.execute(select(m.Enterprise.id, m.Enterprise.code)).tuples().all()) if by_enterprise else {}
    return {codes[e]: s.details[key] for e, s in by_enterprise.items() if key in (s.details or {})}


def latest_filed(
    session: Session, config: CampaignConfig, kind: str, key: str, as_of: datetime, up_to_year: int | None = None
) -> dict[str, tuple[str, Any]]:
    """enterprise code -> (deliverable title, details[key]) from the latest year's accepted `kind` deliverable that
    carries it, e.g. the 创标企业 of the newest Attachment 1 (up to `up_to_year` when given)."""
    out: dict[str, tuple[str, Any]] = {}
    for d in sorted((d for d in config.deliverables if d.kind == kind), key=lambda d: -d.year):
        if up_to_year is not None and d.year > up_to_year:
            continue
        for code, value in filed_details(session, d.id, as_of, key).items():
            out.setdefault(code, (d.title, value))
    return out


IN_CHUNK = 5000  # SQLite allows at most 32766 bound parameters per statement


def task_items(session: Session, submission_ids: Iterable[int]) -> dict[int, list[m.TaskItem]]:
    """The one loader of "the task items of the chosen submissions": submission id -> its rows in 序号 order.

    Every chosen submission has an entry (empty when it stored no rows)."""
    ids = sorted(set(submission_ids))
    rows: dict[int, list[m.TaskItem]] = {i: [] for i in ids}
    for start in range(0, len(ids), IN_CHUNK):
        query = (
            select(m.TaskItem)
            .where(m.TaskItem.submission_id.in_(ids[start : start + IN_CHUNK]))
            .order_by(m.TaskItem.submission_id, m.TaskItem.row_no)
        )
        for row in session.scalars(query):
            rows[row.submission_id].append(row)
    return rows
