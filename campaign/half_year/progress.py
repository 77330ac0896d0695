"""Half-year progress (每半年报送进展情况): the rows an enterprise reports on, and what it reported."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.submissions.store import deliverable_code, latest_accepted
from campaign.workbook.progress import PlannedRow, ProgressReport


def latest_task_lists(session: Session, config: CampaignConfig, year: int, as_of: datetime, enterprise_id: int | None = None) -> dict[int, m.Submission]:
    """enterprise id -> its latest accepted 目标任务清单 for `year`, as known at `as_of`."""
    return latest_accepted(session, deliverable_code(config, "task_list", year), as_of, enterprise_id)


def planned_from_items(items: list[m.TaskItem]) -> list[PlannedRow]:
    return [
        PlannedRow(i.row_no, i.level1 or "其他", i.core_indicator or i.level2 or i.level1 or f"第{i.row_no}行", i.annual_target_text or "")
        for i in sorted(items, key=lambda i: i.row_no)
    ]


def planned_rows(session: Session, config: CampaignConfig, enterprise_id: int, year: int, as_of: datetime) -> list[PlannedRow]:
    submission = latest_task_lists(session, config, year, as_of, enterprise_id).get(enterprise_id)
    if submission is None:
        return []
    return planned_from_items(list(session.scalars(select(m.TaskItem).where(m.TaskItem.submission_id == submission.id))))


def progress_rows(report: ProgressReport, submission: m.Submission) -> list:
    rows: list = [
        m.ProgressItem(
            submission_id=submission.id, enterprise_id=submission.enterprise_id, deliverable_id=submission.deliverable_id,
            task_row_no=r.task_row_no, dimension=r.dimension, title=r.title, target_text=r.target_text,
            value_text=r.value_text, value=r.value, note=r.note, issues=r.issues,
        )
        for r in report.rows
    ]
    if report.narrative:
        rows.append(m.ProgressNarrative(submission_id=submission.id, text=report.narrative))
    return rows
