"""Last year's filed rows, results and scores: what next year's list is pre-filled from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.store import source_submissions
from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.next_year.outputs import PriorRow
from campaign.notices.rules import actuals_notice_key, cycle_notice_key
from campaign.submissions.store import latest_accepted, task_items


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
    编制 notice and have not yet been told their list was regenerated from that version."""
    told = set(session.scalars(select(m.Notification.key).where(m.Notification.key.like(f"notice:cycle-{year}:%"))))
    codes = dict(session.execute(select(m.Enterprise.id, m.Enterprise.code)).all())
    accepted = {codes[ent_id]: sub.version for ent_id, sub in latest_accepted(session, completion_id, as_of).items()}
    return {
        code: version
        for code, version in accepted.items()
        if cycle_notice_key(year, code) in told and actuals_notice_key(year, code, version) not in told
    }
