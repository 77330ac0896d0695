"""Last year's filed rows, results and scores: what next year's list is pre-filled from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.store import source_submissions
from campaign.config.model import CampaignConfig, Deliverable
from campaign.db import models as m
from campaign.next_year.outputs import PriorRow
from campaign.notices.rules import actuals_notice_key, cycle_notice_key
from campaign.submissions.store import deliverable_code, latest_accepted, task_items


@dataclass(frozen=True)
class Prior:
    rows: dict[str, list[PriorRow]]  # enterprise code -> last year's rows (with actual and score)
    scored: bool  # last year's assessment is final
    completions: dict[str, int]  # enterprise code -> version of its accepted 完成情况 the actuals come from


def prior_rows(session: Session, config: CampaignConfig, year: int, as_of: datetime) -> Prior:
    """Last year's filed rows, with 实际完成值 where last year's 完成情况 is accepted, and scores where final."""
    sources = source_submissions(session, config, year - 1, as_of)
    codes = dict(session.execute(select(m.Enterprise.id, m.Enterprise.code)).all())
    assessment = session.scalars(
        select(m.Assessment).where(m.Assessment.year == year - 1, m.Assessment.status == "final")
    ).one_or_none()
    scores: dict[tuple[int, int], float | None] = {}
    if assessment is not None:
        scores = {
            (r.enterprise_id, r.row_no): r.score
            for r in session.scalars(select(m.AssessmentScore).where(m.AssessmentScore.assessment_id == assessment.id))
        }
    prior: dict[str, list[PriorRow]] = {}
    for rows in task_items(session, [sub.id for sub, _ in sources.values()]).values():
        for item in rows:
            prior.setdefault(codes[item.enterprise_id], []).append(
                PriorRow(
                    item.row_no,
                    item.level1,
                    item.level2,
                    item.core_indicator,
                    item.benchmark_status,
                    item.gap,
                    item.overall_target,
                    item.measures,
                    item.annual_target_text,
                    item.actual_value,
                    scores.get((item.enterprise_id, item.row_no)),
                )
            )
    completions = {codes[ent_id]: sub.version for ent_id, (sub, with_actual) in sources.items() if with_actual}
    return Prior(prior, assessment is not None, completions)


def lists_to_refresh(session: Session, year: int, completion_id: str, as_of: datetime) -> dict[str, int]:
    """enterprise code -> version of its accepted previous-year 完成情况, for enterprises that were sent the `year`
    编制 notice before that version arrived (an earlier one was pre-filled into the notice's list already) and
    have not yet been told their list was regenerated from it."""
    told = dict(
        session.execute(
            select(m.Notification.key, m.Notification.created_at).where(
                m.Notification.key.like(f"notice:cycle-{year}:%")
            )
        ).all()
    )
    codes = dict(session.execute(select(m.Enterprise.id, m.Enterprise.code)).all())
    pending = {}
    for ent_id, sub in latest_accepted(session, completion_id, as_of).items():
        code = codes[ent_id]
        noticed = told.get(cycle_notice_key(year, code))
        if noticed is None or actuals_notice_key(year, code, sub.version) in told or sub.received_at < noticed:
            continue
        pending[code] = sub.version
    return pending


def lists_being_compiled(config: CampaignConfig, as_of: datetime) -> list[tuple[Deliverable, str]]:
    """(目标任务清单 of a year, id of the previous year's 完成情况) for lists whose filing window is open."""
    out = []
    for task_list in (d for d in config.deliverables if d.kind == "task_list"):
        completion_id = deliverable_code(config, "completion", task_list.year - 1)
        if completion_id is not None and task_list.opens_on <= as_of.date() <= task_list.due:
            out.append((task_list, completion_id))
    return out


def any_list_to_refresh(session: Session, config: CampaignConfig, as_of: datetime) -> bool:
    """Whether some enterprise's list awaits regeneration from an accepted 完成情况 (e.g. one filed on the portal)."""
    return any(
        lists_to_refresh(session, task_list.year, completion_id, as_of)
        for task_list, completion_id in lists_being_compiled(config, as_of)
    )
