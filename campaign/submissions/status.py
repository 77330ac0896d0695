"""Where each enterprise stands on each issued deliverable, as of a moment (set-based, two queries)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.db import models as m

STATUS_ZH = {"missing": "未报送", "accepted": "已接收", "late": "逾期接收", "rejected": "已退回"}


@dataclass(frozen=True)
class StatusRow:
    enterprise: str
    enterprise_name: str
    deliverable: str
    deliverable_title: str
    due: str
    status: str  # missing | accepted | late | rejected
    status_zh: str
    overdue: bool  # nothing accepted and the due date has passed
    version: int | None
    received_at: str | None
    errors: list

    def as_dict(self) -> dict:
        return asdict(self)


def classify(latest_accepted: m.Submission | None, latest: m.Submission | None) -> str:
    """Pure rule: an accepted version wins over a later rejected one; lateness is the accepted one's."""
    if latest_accepted is not None:
        return "accepted" if latest_accepted.on_time else "late"
    if latest is not None:
        return "rejected"
    return "missing"


Versions = dict[tuple[int, int], m.Submission]


def latest_versions(session: Session, as_of: datetime, deliverable_id: int | None = None) -> tuple[Versions, Versions]:
    """(latest version, latest accepted version) per (enterprise id, deliverable id), as seen at `as_of`."""
    query = select(m.Submission).where(m.Submission.received_at <= as_of).order_by(m.Submission.version)
    if deliverable_id is not None:
        query = query.where(m.Submission.deliverable_id == deliverable_id)
    latest: Versions = {}
    accepted: Versions = {}
    for sub in session.scalars(query):
        key = (sub.enterprise_id, sub.deliverable_id)
        latest[key] = sub
        if sub.status == "accepted":
            accepted[key] = sub
    return latest, accepted


def campaign_status(session: Session, as_of: datetime) -> list[StatusRow]:
    today = as_of.date()
    enterprises = session.scalars(
        select(m.Enterprise).where(m.Enterprise.active.is_(True)).order_by(m.Enterprise.code)
    ).all()
    deliverables = session.scalars(
        select(m.Deliverable).where(m.Deliverable.opens_on <= today).order_by(m.Deliverable.due, m.Deliverable.code)
    ).all()
    latest, latest_accepted = latest_versions(session, as_of)
    rows = []
    for d in deliverables:
        for e in enterprises:
            key = (e.id, d.id)
            status = classify(latest_accepted.get(key), latest.get(key))
            shown = latest_accepted.get(key) or latest.get(key)
            rows.append(
                StatusRow(
                    enterprise=e.code,
                    enterprise_name=e.name,
                    deliverable=d.code,
                    deliverable_title=d.title,
                    due=d.due.isoformat(),
                    status=status,
                    status_zh=STATUS_ZH[status],
                    overdue=status in ("missing", "rejected") and today > d.due,
                    version=shown.version if shown else None,
                    received_at=shown.received_at.isoformat() if shown else None,
                    errors=list(shown.errors) if shown is not None and shown.status == "rejected" else [],
                )
            )
    return rows


def status_counts(rows: list[StatusRow]) -> dict[str, int]:
    counts = {k: 0 for k in STATUS_ZH}
    for r in rows:
        counts[r.status] += 1
    counts["overdue"] = sum(r.overdue for r in rows)
    return counts
