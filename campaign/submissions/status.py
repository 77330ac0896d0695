"""Where each enterprise stands on each deliverable, as of a moment (set-based: three lean queries)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import case, null, select
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.submissions.store import waived

STATUS_ZH = {
    "not_started": "未开始",
    "missing": "未报送",
    "accepted": "已接收",
    "late": "逾期接收",
    "rejected": "已退回",
    "waived": "已免报",
    "filed": "已备案",
}
FILED_STATES = ("accepted", "late", "filed")  # something counts as filed for this deliverable
OWED_STATES = ("missing", "rejected")  # the enterprise still owes a file


@dataclass(frozen=True)
class StatusRow:
    enterprise: str
    enterprise_name: str
    deliverable: str
    deliverable_title: str
    due: str
    status: str  # not_started | missing | accepted | late | rejected | waived | filed (see STATUS_ZH)
    status_zh: str
    overdue: bool  # nothing accepted and the due date has passed
    version: int | None
    received_at: str | None
    errors: list
    on_time: bool | None = None  # of the version that counts (accepted), None when nothing counts
    versions: int = 0  # how many versions were received by the moment

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class VersionState:
    """One received version as it stood at the moment asked about (a later 备案 review not yet applied)."""

    id: int
    enterprise_id: int
    deliverable_id: int
    version: int
    status: str  # accepted | rejected
    on_time: bool
    received_at: datetime
    errors: list
    filed: bool  # confirmed as 已备案 by then


def classify(latest_accepted: VersionState | None, latest: VersionState | None) -> str:
    """Pure rule: an accepted version wins over a later rejected one; lateness is the accepted one's; a
    version SASAC confirmed is 已备案."""
    if latest_accepted is not None:
        if latest_accepted.filed:
            return "filed"
        return "accepted" if latest_accepted.on_time else "late"
    if latest is not None:
        return "rejected"
    return "missing"


def version_state(
    sid: int,
    enterprise_id: int,
    deliverable_id: int,
    version: int,
    status: str,
    on_time: bool,
    received_at: datetime,
    errors: list | None,
    review: str | None,
    reviewed_at: datetime | None,
    *,
    as_of: datetime,
) -> VersionState:
    """A stored version as it stood at `as_of`: a 备案 review made later is not applied yet."""
    reviewed = review is not None and reviewed_at is not None and reviewed_at <= as_of
    if review == "returned" and not reviewed:
        status, errors = "accepted", []  # as it stood before the return
    return VersionState(
        sid,
        enterprise_id,
        deliverable_id,
        version,
        status,
        on_time,
        received_at,
        list(errors or []),
        review == "filed" and reviewed,
    )


Versions = dict[tuple[int, int], VersionState]


def latest_versions(
    session: Session, as_of: datetime, deliverable_id: int | None = None
) -> tuple[Versions, Versions, dict[tuple[int, int], int]]:
    """(latest version, latest accepted version, version count) per (enterprise id, deliverable id), as seen
    at `as_of`: a version returned by review after `as_of` still shows as accepted."""
    S = m.Submission
    query = (
        select(
            S.id,
            S.enterprise_id,
            S.deliverable_id,
            S.version,
            S.status,
            S.on_time,
            S.received_at,
            # Only a rejected version's problems are ever shown: decoding every accepted one's empty JSON list
            # was most of the matrix's time at 1,000 enterprises.
            case((S.status == "rejected", S.errors), else_=null()).label("errors"),
            S.review,
            S.reviewed_at,
        )
        .where(S.received_at <= as_of)
        .order_by(S.version)
    )
    if deliverable_id is not None:
        query = query.where(S.deliverable_id == deliverable_id)
    latest: Versions = {}
    accepted: Versions = {}
    counts: dict[tuple[int, int], int] = {}
    for row in session.execute(query):
        state = version_state(*row, as_of=as_of)
        key = (state.enterprise_id, state.deliverable_id)
        latest[key] = state
        counts[key] = counts.get(key, 0) + 1
        if state.status == "accepted":
            accepted[key] = state
    return latest, accepted, counts


def campaign_status(session: Session, as_of: datetime, include_unopened: bool = False) -> list[StatusRow]:
    """One row per active enterprise and deliverable issued by `as_of` (with `include_unopened`, also those not
    yet open: 未开始), ordered by due date, deliverable, enterprise."""
    today = as_of.date()
    enterprises = session.execute(
        select(m.Enterprise.id, m.Enterprise.code, m.Enterprise.name)
        .where(m.Enterprise.active.is_(True))
        .order_by(m.Enterprise.code)
    ).all()
    query = select(m.Deliverable).order_by(m.Deliverable.due, m.Deliverable.code)
    if not include_unopened:
        query = query.where(m.Deliverable.opens_on <= today)
    deliverables = session.scalars(query).all()
    latest, latest_accepted, counts = latest_versions(session, as_of)
    excused = waived(session, as_of)
    rows = []
    for d in deliverables:
        unopened, dlv_code, dlv_title, due, due_text = d.opens_on > today, d.code, d.title, d.due, d.due.isoformat()
        for ent_id, code, name in enterprises:
            key = (ent_id, d.id)
            counted, last = latest_accepted.get(key), latest.get(key)
            status = "not_started" if unopened and last is None else classify(counted, last)
            if key in excused and status in (*OWED_STATES, "not_started"):
                status = "waived"  # a file accepted anyway still counts as filed
            shown = counted or last
            rows.append(
                StatusRow(
                    enterprise=code,
                    enterprise_name=name,
                    deliverable=dlv_code,
                    deliverable_title=dlv_title,
                    due=due_text,
                    status=status,
                    status_zh=STATUS_ZH[status],
                    overdue=status in OWED_STATES and today > due,
                    version=shown.version if shown else None,
                    received_at=shown.received_at.isoformat() if shown else None,
                    errors=list(shown.errors) if shown is not None and shown.status == "rejected" else [],
                    on_time=counted.on_time if counted else None,
                    versions=counts.get(key, 0),
                )
            )
    return rows


def timeliness_state(status: str, on_time: bool | None) -> str:
    """The state without the 备案 review (half-year summaries speak of timeliness only): 已备案 → its
    accepted version's 按时 or 逾期."""
    if status == "filed":
        return "accepted" if on_time else "late"
    return status


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
    "filed": ("备", "已备案（区国资委审核确认）"),
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
        received[r.deliverable] += r.status in FILED_STATES
        overdue[r.deliverable] += r.overdue
    return StatusMatrix(columns, sorted(enterprises), cells, received, overdue)
