"""Which submission counts: the latest accepted version per enterprise, as known at a moment."""
from __future__ import annotations

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
