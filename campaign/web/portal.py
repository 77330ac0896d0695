"""What the portal shows one enterprise: its deliverables, versions, templates and results.

Every function takes the enterprise id from the caller's session identity and filters by it in SQL;
none accepts another enterprise's id from a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.calendar.clock import weekday_zh
from campaign.config.model import CampaignConfig, Deliverable, Enterprise
from campaign.db import models as m
from campaign.outgoing.store import template_file
from campaign.submissions.status import STATUS_ZH, VersionState, classify, version_state
from campaign.submissions.store import waived

NOT_STARTED = "not_started"
STATE_ZH = STATUS_ZH


@dataclass(frozen=True)
class Version:
    id: int
    version: int
    received_at: datetime
    original_name: str
    status: str  # accepted | rejected
    on_time: bool
    sha256: str
    problems: list[dict]
    filed: bool = False  # confirmed 已备案 by SASAC's review


@dataclass
class DeliverableRow:
    code: str
    title: str
    opens_on: date
    due: date
    due_weekday: str
    file_kinds: list[str]
    char_limit: int | None
    state: str  # not_started | missing | accepted | late | rejected | waived | filed
    state_zh: str
    overdue: bool
    days_left: int | None  # calendar days to the due date while nothing is accepted; negative = overdue
    has_template: bool
    versions: list[Version] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state != NOT_STARTED

    @property
    def timing_zh(self) -> str:
        if self.days_left is None:
            return ""
        if self.days_left > 0:
            return f"距截止还有 {self.days_left} 天"
        if self.days_left == 0:
            return "今日截止"
        return f"已逾期 {-self.days_left} 天"


def _sort_key(row: DeliverableRow) -> tuple:
    # Overdue first, then returned, then open and owed (nearest deadline first), then done, then not yet open.
    rank = 0 if row.overdue else {"rejected": 1, "missing": 2, NOT_STARTED: 4}.get(row.state, 3)
    return (rank, row.due, row.code)


def has_template(deliverable: Deliverable) -> bool:
    return deliverable.template is not None


def home_rows(session: Session, config: CampaignConfig, enterprise_id: int, as_of: datetime) -> list[DeliverableRow]:
    today = as_of.date()
    subs = session.scalars(
        select(m.Submission)
        .join(m.Deliverable)
        .where(m.Submission.enterprise_id == enterprise_id, m.Submission.received_at <= as_of)
        .order_by(m.Submission.version)
    ).all()
    by_code: dict[str, list[VersionState]] = {}
    names: dict[int, tuple[str, str]] = {}
    for sub in subs:
        by_code.setdefault(sub.deliverable.code, []).append(
            version_state(
                sub.id,
                sub.enterprise_id,
                sub.deliverable_id,
                sub.version,
                sub.status,
                sub.on_time,
                sub.received_at,
                sub.errors,
                sub.review,
                sub.reviewed_at,
                as_of=as_of,
            )
        )
        names[sub.id] = (sub.original_name, sub.content_hash)
    excused = {code for (ent, code) in _waived_codes(session, as_of) if ent == enterprise_id}
    rows = []
    for d in config.deliverables:
        versions = by_code.get(d.id, [])
        accepted = [v for v in versions if v.status == "accepted"]
        if d.opens_on > today and not versions:
            state = NOT_STARTED
        else:
            state = classify(accepted[-1] if accepted else None, versions[-1] if versions else None)
        if d.id in excused and state in ("missing", "rejected", NOT_STARTED):
            state = "waived"  # 免报: nothing is owed; a file sent anyway is still received
        owed = state in ("missing", "rejected")
        rows.append(
            DeliverableRow(
                code=d.id,
                title=d.title,
                opens_on=d.opens_on,
                due=d.due,
                due_weekday=weekday_zh(d.due),
                file_kinds=[str(k) for k in d.file_kinds],
                char_limit=d.char_limit,
                state=state,
                state_zh=STATE_ZH[state],
                overdue=owed and today > d.due,
                days_left=(d.due - today).days if owed else None,
                has_template=has_template(d),
                versions=[
                    Version(
                        v.id,
                        v.version,
                        v.received_at,
                        names[v.id][0],
                        v.status,
                        v.on_time,
                        names[v.id][1],
                        v.errors,
                        v.filed,
                    )
                    for v in reversed(versions)
                ],
            )
        )
    return sorted(rows, key=_sort_key)


def own_submission(session: Session, enterprise_id: int, submission_id: int) -> m.Submission | None:
    """A submission of this enterprise, or None: another enterprise's id reads exactly like a missing one."""
    return session.scalars(
        select(m.Submission).where(m.Submission.id == submission_id, m.Submission.enterprise_id == enterprise_id)
    ).one_or_none()


def submission_id_of(session: Session, enterprise_id: int, deliverable_code: str, version: int) -> int | None:
    return session.scalar(
        select(m.Submission.id)
        .join(m.Deliverable)
        .where(
            m.Submission.enterprise_id == enterprise_id,
            m.Deliverable.code == deliverable_code,
            m.Submission.version == version,
        )
    )


# -- templates -----------------------------------------------------------------------------------


def template_path(
    session: Session,
    config: CampaignConfig,
    home: Path,
    enterprise: Enterprise,
    deliverable: Deliverable,
    enterprise_id: int,
    as_of: datetime,
) -> Path | None:
    """The enterprise's own template: the file the flows wrote to outgoing/<id>/, made now if missing.

    None when the deliverable has no template, or (progress reports) no accepted task list to pre-fill.
    """
    made = template_file(session, config, home, enterprise, deliverable, enterprise_id, as_of)
    return None if made is None else home / "outgoing" / deliverable.id / made.name


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    row_no: int
    dimension: str
    title: str
    indicator: str | None
    target: float | None
    actual: float | None
    unit: str | None
    weight: float
    rule_text: str
    completion: float | None
    score: float | None
    adjusted: bool
    note: str


@dataclass(frozen=True)
class YearResult:
    year: int
    finalized_at: datetime | None
    total: float
    base_total: float
    rank: int
    category_size: int
    grade: str
    notes: list
    rows: list[ScoreRow]


def results(session: Session, config: CampaignConfig, enterprise_id: int) -> list[YearResult]:
    """Finalised annual assessments only: a score under review is SASAC's draft, not a result."""
    units = {i.name: i.unit for i in config.core_indicators}  # scores keep numbers; the six indicators have units
    out = []
    finals = select(m.Assessment).where(m.Assessment.status == "final").order_by(m.Assessment.year)
    for assessment in session.scalars(finals):
        result = session.scalars(
            select(m.AssessmentResult).where(
                m.AssessmentResult.assessment_id == assessment.id, m.AssessmentResult.enterprise_id == enterprise_id
            )
        ).one_or_none()
        if result is None:
            continue
        scores = session.scalars(
            select(m.AssessmentScore)
            .where(m.AssessmentScore.assessment_id == assessment.id, m.AssessmentScore.enterprise_id == enterprise_id)
            .order_by(m.AssessmentScore.row_no)
        ).all()
        out.append(
            YearResult(
                assessment.year,
                assessment.finalized_at,
                result.total,
                result.base_total,
                result.rank_in_category,
                result.category_size,
                result.grade,
                list(result.notes),
                [
                    ScoreRow(
                        s.row_no,
                        s.dimension,
                        s.title,
                        s.indicator,
                        s.target,
                        s.actual,
                        units.get(s.indicator or ""),
                        s.weight,
                        s.rule_text,
                        s.completion,
                        s.score,
                        s.adjusted,
                        s.note,
                    )
                    for s in scores
                ],
            )
        )
    return out


def _waived_codes(session: Session, as_of: datetime) -> set[tuple[int, str]]:
    codes = dict(session.execute(select(m.Deliverable.id, m.Deliverable.code)).all())
    return {(ent, codes[dlv]) for ent, dlv in waived(session, as_of)}
