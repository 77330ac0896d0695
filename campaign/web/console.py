"""What the SASAC console shows: the matrix of who has filed what, one cell's history, reports, audit.

Read-only queries over the same tables the CLI and the flows use; the states are campaign_status's,
so the console, `campaign status` and every report agree. Set-based: the matrix is three queries
whatever the number of enterprises.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from campaign.calendar.clock import TZ
from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.submissions.status import FILED_STATES, STATUS_ZH, StatusRow, campaign_status, short_codes
from campaign.submissions.store import latest_filed

TIERS = {"chuangbiao": "有创标企业", "dabiao": "仅达标", "unknown": "未报对标目标"}


@dataclass(frozen=True)
class MatrixFilters:
    """What the matrix is narrowed to (query parameters, checked against the configuration)."""

    phase: str = ""
    category: str = ""
    tier: str = ""
    state: str = ""


@dataclass
class Column:
    code: str
    short: str
    title: str
    phase: str
    opens_on: date
    due: date
    expected: int = 0  # enterprises that owe it (open, not excused)
    received: int = 0  # 已接收 + 逾期接收 + 已备案
    on_time: int = 0  # received by the due date
    filed: int = 0  # 已备案

    @property
    def completeness(self) -> float | None:
        """Reports received / reports expected (DHIS2's reporting rate); None before the window opens."""
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class MatrixRow:
    code: str
    name: str
    category: str
    tier: str
    cells: list[StatusRow]
    received: int = 0
    owed: int = 0
    overdue: int = 0


@dataclass
class Matrix:
    as_of: datetime
    filters: MatrixFilters
    columns: list[Column]
    rows: list[MatrixRow]
    counts: dict[str, int] = field(default_factory=dict)  # cells per state, over what is shown


def check_filters(config: CampaignConfig, filters: MatrixFilters) -> str | None:
    """A Chinese reason when a filter names nothing that exists (the page says so instead of showing nothing)."""
    if filters.phase and filters.phase not in {p.id for p in config.phases}:
        return f"没有阶段“{filters.phase}”"
    if filters.category and filters.category not in {str(e.category) for e in config.enterprises}:
        return f"没有功能分类“{filters.category}”"
    if filters.tier and filters.tier not in TIERS:
        return f"创标/达标筛选只能是：{'、'.join(TIERS.values())}"
    if filters.state and filters.state not in STATUS_ZH:
        return f"没有状态“{filters.state}”"
    return None


def build_matrix(session: Session, config: CampaignConfig, as_of: datetime, filters: MatrixFilters) -> Matrix:
    rows = campaign_status(session, as_of, include_unopened=True)
    codes = short_codes(config.deliverables)
    by_id = {d.id: d for d in config.deliverables}
    category = {e.code: str(e.category) for e in config.enterprises}
    units = latest_filed(session, config, "targets", "chuangbiao", as_of)
    tier = {code: ("chuangbiao" if found else "dabiao") for code, (_, found) in units.items()}

    columns: dict[str, Column] = {}
    for d in config.deliverables:
        if filters.phase and d.phase != filters.phase:
            continue
        columns[d.id] = Column(d.id, codes[d.id], d.title, d.phase, d.opens_on, d.due)
    table: dict[str, MatrixRow] = {}
    for r in rows:
        if r.deliverable not in columns:
            continue
        ent_tier = tier.get(r.enterprise, "unknown")
        if (filters.category and category.get(r.enterprise) != filters.category) or (
            filters.tier and ent_tier != filters.tier
        ):
            continue
        row = table.get(r.enterprise)
        if row is None:
            row = table[r.enterprise] = MatrixRow(
                r.enterprise, r.enterprise_name, category.get(r.enterprise, ""), ent_tier, []
            )
        row.cells.append(r)
    order = sorted(columns, key=lambda c: (by_id[c].due, c))
    position = {c: i for i, c in enumerate(order)}
    result_rows = []
    for row in sorted(table.values(), key=lambda x: x.code):
        row.cells.sort(key=lambda c: position[c.deliverable])
        if filters.state and not any(c.status == filters.state for c in row.cells):
            continue
        result_rows.append(row)
    counts = {k: 0 for k in STATUS_ZH}
    for row in result_rows:
        for cell in row.cells:
            column = columns[cell.deliverable]
            counts[cell.status] += 1
            if cell.status not in ("not_started", "waived"):
                column.expected += 1
            if cell.status in FILED_STATES:
                column.received += 1
                column.on_time += bool(cell.on_time)
                row.received += 1
            column.filed += cell.status == "filed"
            row.owed += cell.status in ("missing", "rejected")
            row.overdue += cell.overdue
    counts["overdue"] = sum(r.overdue for r in result_rows)
    return Matrix(as_of, filters, [columns[c] for c in order], result_rows, counts)


# --- one cell ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellVersion:
    id: int
    version: int
    original_name: str
    received_at: datetime
    on_time: bool
    status: str
    errors: list
    has_file: bool
    review: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str | None
    size_bytes: int


@dataclass(frozen=True)
class CellMessage:
    key: str
    kind: str
    title: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class CellWaiver:
    reason: str
    granted_by: str
    granted_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None


@dataclass
class Cell:
    enterprise: m.Enterprise
    deliverable: m.Deliverable
    state: StatusRow | None
    versions: list[CellVersion]
    messages: list[CellMessage]
    waivers: list[CellWaiver]

    @property
    def reviewable(self) -> CellVersion | None:
        """The version a reviewer can decide on: the newest accepted one, not yet reviewed."""
        for v in self.versions:  # newest first
            if v.status == "accepted":
                return v if v.review is None else None
        return None

    @property
    def waiver_in_force(self) -> CellWaiver | None:
        return next((w for w in self.waivers if w.revoked_at is None), None)


def cell(session: Session, enterprise_code: str, deliverable_code: str, as_of: datetime) -> Cell | None:
    ent = session.scalars(select(m.Enterprise).where(m.Enterprise.code == enterprise_code)).one_or_none()
    dlv = session.scalars(select(m.Deliverable).where(m.Deliverable.code == deliverable_code)).one_or_none()
    if ent is None or dlv is None:
        return None
    S = m.Submission
    versions = [
        CellVersion(
            s.id,
            s.version,
            s.original_name,
            s.received_at,
            s.on_time,
            s.status,
            list(s.errors or []),
            s.stored_path is not None,
            s.review,
            s.reviewed_by,
            s.reviewed_at,
            s.review_reason,
            s.size_bytes,
        )
        for s in session.scalars(
            select(S).where(S.enterprise_id == ent.id, S.deliverable_id == dlv.id).order_by(S.version.desc())
        )
    ]
    N = m.Notification
    messages = [
        CellMessage(n.key, n.kind, n.title, n.status, n.attempts, n.created_at, n.sent_at, n.last_error)
        for n in session.scalars(
            select(N).where(N.enterprise_id == ent.id, N.deliverable_id == dlv.id).order_by(N.created_at, N.id)
        )
    ]
    W = m.Waiver
    waivers = [
        CellWaiver(w.reason, w.granted_by, w.granted_at, w.revoked_by, w.revoked_at)
        for w in session.scalars(
            select(W).where(W.enterprise_id == ent.id, W.deliverable_id == dlv.id).order_by(W.granted_at.desc())
        )
    ]
    state = next(
        (
            r
            for r in campaign_status(session, as_of, include_unopened=True)
            if r.enterprise == ent.code and r.deliverable == dlv.code
        ),
        None,
    )
    return Cell(ent, dlv, state, versions, messages, waivers)


def stored_file(session: Session, home: Path, submission_id: int) -> tuple[Path, str] | None:
    """(path on disk, the name the enterprise gave it) of a stored version, or None."""
    row = session.execute(
        select(m.Submission.stored_path, m.Submission.original_name).where(m.Submission.id == submission_id)
    ).one_or_none()
    if row is None or row[0] is None:
        return None
    path = (home / row[0]).resolve()
    if not path.is_relative_to(home.resolve()) or not path.is_file():
        return None
    return path, row[1]


# --- reports and audit ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFile:
    path: str  # relative to $CAMPAIGN_HOME/reports, with forward slashes
    modified: datetime
    size_bytes: int

    @property
    def kind(self) -> str:
        return {".xlsx": "Excel", ".docx": "Word", ".html": "网页", ".md": "Markdown", ".svg": "图表"}.get(
            Path(self.path).suffix, Path(self.path).suffix.lstrip(".")
        )


def report_files(home: Path) -> list[ReportFile]:
    """Every generated report under $CAMPAIGN_HOME/reports, newest first."""
    root = home / "reports"
    if not root.is_dir():
        return []
    files = [
        ReportFile(p.relative_to(root).as_posix(), datetime.fromtimestamp(p.stat().st_mtime), p.stat().st_size)
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    ]
    return sorted(files, key=lambda f: (f.modified, f.path), reverse=True)


def report_path(home: Path, relative: str) -> Path | None:
    """The report file `relative` names, only if it is inside $CAMPAIGN_HOME/reports."""
    root = (home / "reports").resolve()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


# Filter groups of the audit page: (label, action prefixes).
AUDIT_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "submissions": ("报送", ("submission.accepted", "submission.rejected", "web.upload")),
    "reviews": ("备案审核", ("submission.filed", "submission.returned")),
    "waivers": ("免报", ("waiver.",)),
    "messages": ("消息", ("message.",)),
    "scores": ("考核评分", ("score.", "assessment.")),
    "signins": ("登录", ("web.signin", "staff.signin")),
    "accounts": ("账户与链接", ("staff.added", "staff.disabled", "staff.password_reset", "link.")),
    "runs": ("启动流程", ("console.run",)),
}


@dataclass(frozen=True)
class AuditFilters:
    enterprise: str = ""
    actor: str = ""
    group: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    detail: dict


AUDIT_PAGE = 500


def audit_lines(session: Session, filters: AuditFilters, limit: int | None = AUDIT_PAGE) -> tuple[list[AuditLine], int]:
    """Audit events matching the filters, newest first, and how many match in all."""
    A = m.AuditEvent
    query = select(A)
    if filters.enterprise:
        # Keys name the enterprise first ("DDK001:plan-2023:v2") or inside ("2023:DDK001:5" for a score row).
        code = filters.enterprise
        query = query.where(
            or_(A.entity_key == code, A.entity_key.startswith(f"{code}:"), A.entity_key.contains(f":{code}:"))
        )
    if filters.actor:
        query = query.where(A.actor.contains(filters.actor))
    if filters.group in AUDIT_GROUPS:
        query = query.where(or_(*(A.action.startswith(p) for p in AUDIT_GROUPS[filters.group][1])))
    if filters.date_from:
        query = query.where(A.at >= datetime.combine(filters.date_from, time.min, TZ))
    if filters.date_to:
        query = query.where(A.at < datetime.combine(filters.date_to + timedelta(days=1), time.min, TZ))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(A.at.desc(), A.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditLine(a.at, a.actor, a.action, a.entity, a.entity_key, dict(a.detail)) for a in session.scalars(query)
    ], total


def audit_workbook(lines: list[AuditLine], filters: AuditFilters) -> bytes:
    """The audit page as an .xlsx (write-only: constant memory however long the trail). Every value is
    written through the formula-safe writer: keys and reasons come from enterprises and staff."""
    import json

    from openpyxl import Workbook

    from campaign.reports.excel import safe_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计记录")
    ws.append(["时间", "操作人", "操作", "对象", "对象标识", "详情"])
    for line in lines:
        ws.append(
            [
                line.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S"),
                safe_cell(line.actor),
                safe_cell(line.action),
                safe_cell(line.entity),
                safe_cell(line.key),
                safe_cell(json.dumps(line.detail, ensure_ascii=False, default=str)),
            ]
        )
    about = wb.create_sheet("筛选条件")
    for label, value in (
        ("企业", filters.enterprise or "全部"),
        ("操作人", filters.actor or "全部"),
        ("类别", AUDIT_GROUPS[filters.group][0] if filters.group in AUDIT_GROUPS else "全部"),
        ("起始日期", filters.date_from.isoformat() if filters.date_from else "不限"),
        ("截止日期", filters.date_to.isoformat() if filters.date_to else "不限"),
        ("记录数", str(len(lines))),
    ):
        about.append([label, safe_cell(value)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
