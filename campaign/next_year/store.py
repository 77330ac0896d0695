"""Last year's filed rows, results and scores: what next year's list is pre-filled from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.store import source_submissions
from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.next_year.outputs import PriorRow
from campaign.submissions.store import task_items


def prior_rows(
    session: Session, config: CampaignConfig, year: int, as_of: datetime
) -> tuple[dict[str, list[PriorRow]], bool]:
    """enterprise code -> last year's rows (with actual and score), and whether last year's assessment is final."""
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
    return prior, assessment is not None
