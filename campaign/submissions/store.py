"""Which submission counts: the latest accepted version per enterprise, as known at a moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

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


def filed_list(
    session: Session, config: CampaignConfig, enterprise_id: int, year: int, as_of: datetime
) -> tuple[m.Submission | None, list[m.TaskItem]]:
    """The enterprise's filed (latest accepted) 目标任务清单 of `year` as known at `as_of`, and its rows."""
    chosen = latest_accepted(session, deliverable_code(config, "task_list", year), as_of, enterprise_id).get(
        enterprise_id
    )
    if chosen is None:
        return None, []
    return chosen, task_items(session, [chosen.id])[chosen.id]
