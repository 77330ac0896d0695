"""Half-year progress in the database: the rows each enterprise reports on (its accepted list), what it
reported, and a period's statuses and reported rows for `campaign.half_year.rules`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.store import row_direction
from campaign.calendar.clock import TZ
from campaign.calendar.plan import half_year_close_day
from campaign.config.model import CampaignConfig, Deliverable
from campaign.db import models as m
from campaign.errors import InvalidRequest
from campaign.half_year.rules import EnterpriseStatus, ReportedRow
from campaign.submissions.status import VersionState, classify, latest_versions, timeliness_state
from campaign.submissions.store import accepted_as_of, deliverable_code, latest_accepted, task_items, waived
from campaign.validation.targets import parse_target
from campaign.workbook.progress import PlannedRow, ProgressReport


def progress_deliverable(config: CampaignConfig, period: str) -> Deliverable:
    for d in config.deliverables:
        if d.kind == "progress" and d.period == period.upper():
            return d
    # Every progress deliverable has a period (the config requires one), so the filter drops nothing.
    known = "、".join(d.period for d in config.deliverables if d.kind == "progress" and d.period is not None)
    raise InvalidRequest(f"没有 {period} 的进展情况报送安排；已配置的半年度：{known}")


def gather(
    session: Session, config: CampaignConfig, deliverable: Deliverable, as_of: datetime
) -> tuple[list[EnterpriseStatus], list[ReportedRow]]:
    dlv = session.scalars(select(m.Deliverable).where(m.Deliverable.code == deliverable.id)).one()
    enterprises = session.scalars(
        select(m.Enterprise).where(m.Enterprise.active.is_(True)).order_by(m.Enterprise.code)
    ).all()
    latest_by_key, accepted_by_key, _ = latest_versions(session, as_of, dlv.id)
    latest = {ent: sub for (ent, _), sub in latest_by_key.items()}
    accepted = {ent: sub for (ent, _), sub in accepted_by_key.items()}
    # 免报: an excused enterprise that filed nothing is not counted (completeness is over those who owe it).
    excused = {ent for ent, d in waived(session, as_of) if d == dlv.id} - set(accepted)
    statuses = [
        EnterpriseStatus(
            e.code,
            e.name,
            e.category,
            timeliness_state(classify(accepted.get(e.id), latest.get(e.id)), _on_time(accepted.get(e.id))),
            _day(accepted.get(e.id)),
        )
        for e in enterprises
        if e.id not in excused
    ]
    lists = latest_task_lists(session, config, deliverable.year, as_of)
    planned = {
        (i.enterprise_id, i.row_no): i
        for rows_of in task_items(session, [s.id for s in lists.values()]).values()
        for i in rows_of
    }
    directions = {i.name: i.direction for i in config.core_indicators}
    codes = {e.id: e.code for e in enterprises}
    rows: list[ReportedRow] = []
    if accepted:
        for p in session.scalars(
            select(m.ProgressItem)
            .where(m.ProgressItem.submission_id.in_([s.id for s in accepted.values()]))
            .order_by(m.ProgressItem.task_row_no)
        ):
            item = planned.get((p.enterprise_id, p.task_row_no))
            indicator = item.core_indicator if item else None
            benchmark = parse_target(item.benchmark_status) if item and item.benchmark_status else None
            direction = row_direction(item, directions) if item is not None else "higher"
            rows.append(
                ReportedRow(
                    code=codes[p.enterprise_id],
                    dimension=p.dimension,
                    title=p.title,
                    target=item.annual_target_value if item else None,
                    value=p.value,
                    indicator=indicator,
                    direction=direction,
                    benchmark=benchmark.value if benchmark else None,
                )
            )
    return statuses, rows


def _day(sub: VersionState | None) -> date | None:
    return sub.received_at.astimezone(TZ).date() if sub is not None else None


def _on_time(sub: VersionState | None) -> bool | None:
    return sub.on_time if sub is not None else None


def summarized_periods(config: CampaignConfig, deliverable_ids: set[str], day: date) -> list[str]:
    """Progress periods among these deliverables whose summary was already due (so a late or corrected
    report must refresh it): the day is on or after the period's close day."""
    return sorted(
        d.period
        for d in config.deliverables
        if d.kind == "progress" and d.id in deliverable_ids and d.period and day >= half_year_close_day(d)
    )


def narratives(session: Session, deliverable: Deliverable, as_of: datetime) -> dict[str, str]:
    query = (
        select(m.Enterprise.code, m.ProgressNarrative.text, m.Submission.version)
        .join(m.Submission, m.Submission.id == m.ProgressNarrative.submission_id)
        .join(m.Enterprise, m.Enterprise.id == m.Submission.enterprise_id)
        .join(m.Deliverable, m.Deliverable.id == m.Submission.deliverable_id)
        .where(m.Deliverable.code == deliverable.id, accepted_as_of(as_of), m.Submission.received_at <= as_of)
        .order_by(m.Submission.version)
    )
    return {code: text for code, text, _ in session.execute(query)}


def latest_task_lists(
    session: Session, config: CampaignConfig, year: int, as_of: datetime, enterprise_id: int | None = None
) -> dict[int, m.Submission]:
    """enterprise id -> its latest accepted 目标任务清单 for `year`, as known at `as_of`."""
    return latest_accepted(session, deliverable_code(config, "task_list", year), as_of, enterprise_id)


def planned_from_items(items: list[m.TaskItem]) -> list[PlannedRow]:
    return [
        PlannedRow(
            i.row_no,
            i.level1 or "其他",
            i.core_indicator or i.level2 or i.level1 or f"第{i.row_no}行",
            i.annual_target_text or "",
        )
        for i in sorted(items, key=lambda i: i.row_no)
    ]


def planned_rows(
    session: Session, config: CampaignConfig, enterprise_id: int, year: int, as_of: datetime
) -> list[PlannedRow]:
    submission = latest_task_lists(session, config, year, as_of, enterprise_id).get(enterprise_id)
    if submission is None:
        return []
    return planned_from_items(task_items(session, [submission.id])[submission.id])


def progress_rows(report: ProgressReport, submission: m.Submission) -> list:
    rows: list = [
        m.ProgressItem(
            submission_id=submission.id,
            enterprise_id=submission.enterprise_id,
            deliverable_id=submission.deliverable_id,
            task_row_no=r.task_row_no,
            dimension=r.dimension,
            title=r.title,
            target_text=r.target_text,
            value_text=r.value_text,
            value=r.value,
            note=r.note,
            issues=r.issues,
        )
        for r in report.rows
    ]
    if report.narrative:
        rows.append(m.ProgressNarrative(submission_id=submission.id, text=report.narrative))
    return rows
