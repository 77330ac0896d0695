"""Where each enterprise stands on each issued deliverable, as of a moment (set-based, two queries)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.submissions.store import waived

STATUS_ZH = {"missing": "未报送", "accepted": "已接收", "late": "逾期接收", "rejected": "已退回", "waived": "已免报"}


@dataclass(frozen=True)
class StatusRow:
    enterprise: str
    enterprise_name: str
    deliverable: str
    deliverable_title: str
    due: str
    status: str  # missing | accepted | late | rejected | waived (免报, nothing accepted)
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
    excused = waived(session, as_of)
    rows = []
    for d in deliverables:
        for e in enterprises:
            key = (e.id, d.id)
            status = classify(latest_accepted.get(key), latest.get(key))
            if key in excused and status in ("missing", "rejected"):
                status = "waived"  # a file accepted anyway still counts as filed
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


# --- the matrix a person reads in a terminal ------------------------------------------------------

KIND_SHORT = {
    "plan": "方案",
    "targets": "目标",
    "task_list": "清单",
    "deployment_report": "部署",
    "progress": "进展",
    "completion": "完成",
    "evaluation_report": "评估",
    "completion_final": "汇总",
}
# state -> (mark, meaning); overdue variants of 未报送/已退回 get their own mark
MARKS = {
    "accepted": ("收", "已接收（按时）"),
    "late": ("迟", "逾期接收"),
    "rejected": ("退", "已退回，截止日未到"),
    "rejected_overdue": ("退!", "已退回，已过截止日仍未重报"),
    "missing": ("·", "未报送，截止日未到"),
    "missing_overdue": ("欠", "未报送，已过截止日"),
    "waived": ("免", "已免报（区国资委同意不报）"),
}


def short_codes(deliverables: list) -> dict[str, str]:
    """A short, unique column code per deliverable (config Deliverable: id, kind, year, period): 方案23, 进展23上…"""
    codes: dict[str, str] = {}
    for d in deliverables:
        kind = getattr(d.kind, "value", d.kind)
        code = KIND_SHORT.get(kind, kind) + str(d.year)[-2:]
        if kind == "progress" and d.period:
            code += "上" if d.period.upper().endswith("H1") else "下"
        while code in codes.values():
            code += "′"
        codes[d.id] = code
    return codes


def mark_key(row: StatusRow) -> str:
    return f"{row.status}_overdue" if row.overdue else row.status


@dataclass(frozen=True)
class StatusMatrix:
    columns: list[tuple[str, str, str, str]]  # (deliverable id, short code, title, due)
    enterprises: list[tuple[str, str]]  # (code, name)
    cells: dict[tuple[str, str], StatusRow]  # (enterprise, deliverable) -> row
    received: dict[str, int]  # per deliverable: accepted + late
    overdue: dict[str, int]  # per deliverable: nothing accepted and past due


def status_matrix(rows: list[StatusRow], codes: dict[str, str]) -> StatusMatrix:
    columns: list[tuple[str, str, str, str]] = []
    enterprises: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], StatusRow] = {}
    for r in rows:
        if not any(c[0] == r.deliverable for c in columns):
            columns.append((r.deliverable, codes.get(r.deliverable, r.deliverable), r.deliverable_title, r.due))
        if (r.enterprise, r.enterprise_name) not in enterprises:
            enterprises.append((r.enterprise, r.enterprise_name))
        cells[(r.enterprise, r.deliverable)] = r
    received = {c[0]: 0 for c in columns}
    overdue = {c[0]: 0 for c in columns}
    for r in rows:
        received[r.deliverable] += r.status in ("accepted", "late")
        overdue[r.deliverable] += r.overdue
    return StatusMatrix(columns, sorted(enterprises), cells, received, overdue)
