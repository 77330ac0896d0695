"""Gather the final review's inputs from the database, as of a business date (set-based, one pass).

Per enterprise, the latest accepted version of each source counts:
- task-list-<first year> gives the baseline (企业现状) and the benchmark (标杆企业现状) of each core indicator;
  its completion report carries the same columns and stands in when the list is missing;
- completion-<year> gives that year's targets and 实际完成值; for the last year, a missing completion-<year>
  is replaced by completion-final-2025 (its actuals are the final ones);
- finalised AssessmentResult rows give totals, ranks and grades; evaluation-report-2025 only whether and when.
Whatever is missing becomes a Chinese note on the enterprise, never an exception.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.rules import Item
from campaign.assessment.store import item_from_row
from campaign.calendar.clock import TZ
from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.final_review.rules import (
    Benchmarks,
    EnterpriseData,
    IndicatorPoints,
    Unit,
    YearScore,
    review_deliverables,
)
from campaign.submissions.store import deliverable_code, latest_accepted, task_items
from campaign.validation.targets import parse_target


def _code(config: CampaignConfig, kind: str, year: int | None = None) -> str | None:
    if year is None:
        return next((d.id for d in config.deliverables if d.kind == kind), None)
    return deliverable_code(config, kind, year)


def _accepted(session: Session, code: str | None, as_of: datetime) -> dict[int, m.Submission]:
    return latest_accepted(session, code, as_of) if code else {}


def _scores(session: Session, years: list[int]) -> dict[tuple[int, int], YearScore]:
    rows = session.execute(
        select(m.Assessment.year, m.AssessmentResult)
        .join(m.AssessmentResult, m.AssessmentResult.assessment_id == m.Assessment.id)
        .where(m.Assessment.year.in_(years), m.Assessment.status == "final")
    )
    return {
        (r.enterprise_id, year): YearScore(r.total, r.rank_in_category, r.category_size, r.grade) for year, r in rows
    }


def _value(text: str | None) -> float | None:
    parsed = parse_target(text)
    return parsed.value if parsed else None


def gather(session: Session, config: CampaignConfig, as_of: datetime) -> list[EnterpriseData]:
    years = sorted(config.final_review.years)
    first, last = years[0], years[-1]
    directions = {i.name: i.direction for i in config.core_indicators}
    units = {i.name: i.unit for i in config.core_indicators}
    completions = {y: _accepted(session, _code(config, "completion", y), as_of) for y in years}
    lists = {y: _accepted(session, _code(config, "task_list", y), as_of) for y in years}
    final = _accepted(session, _code(config, "completion_final"), as_of)
    reports = _accepted(session, _code(config, "evaluation_report"), as_of)
    attachments = [d for d in config.deliverables if d.kind == "targets" and d.year in years]
    attachment1 = [(d.title, _accepted(session, d.id, as_of)) for d in sorted(attachments, key=lambda d: -d.year)]
    scores = _scores(session, years)
    finalised = set(
        session.scalars(select(m.Assessment.year).where(m.Assessment.year.in_(years), m.Assessment.status == "final"))
    )

    used = {d.id: _accepted(session, d.id, as_of) for d in review_deliverables(config)}
    titles = {d.id: d.title for d in review_deliverables(config)}

    wanted = {s.id for by in (*completions.values(), *lists.values(), final) for s in by.values()}
    rows = task_items(session, wanted)

    out = []
    for ent in session.scalars(select(m.Enterprise).where(m.Enterprise.active.is_(True)).order_by(m.Enterprise.code)):
        notes: list[str] = []
        year_rows: dict[int, list[m.TaskItem]] = {}
        for y in years:
            sub = completions[y].get(ent.id)
            if sub is None and y == last and ent.id in final:
                sub = final[ent.id]
                notes.append(f"未报送{y}年度完成情况，{y}年实际完成值取自{sub.deliverable.title}")
            elif sub is None:
                notes.append(f"未报送{y}年度完成情况")
            year_rows[y] = rows.get(sub.id, []) if sub else []
        items: dict[int, list[Item]] = {
            y: [item_from_row(r, directions, True) for r in rs] for y, rs in year_rows.items()
        }

        base_sub = lists[first].get(ent.id) or completions[first].get(ent.id)
        base_rows = _by_indicator(rows, base_sub)
        if base_sub is None:
            notes.append(f"没有{first}年度目标任务清单，核心指标缺少基期值和标杆值")
        target_rows = {y: _by_indicator(rows, lists[y].get(ent.id)) for y in years}
        indicators = []
        for name in (i.name for i in config.core_indicators):
            base = base_rows.get(name)
            targets = {}
            for y in years:
                done = next((r for r in year_rows[y] if r.core_indicator == name), None)
                planned = target_rows[y].get(name) or done
                targets[y] = planned.annual_target_value if planned else None
            actuals = {
                y: _value(next((r.actual_value for r in year_rows[y] if r.core_indicator == name), None)) for y in years
            }
            indicators.append(
                IndicatorPoints(
                    name,
                    units[name],
                    directions[name],
                    _value(base.current_status) if base else None,
                    _value(base.benchmark_status) if base else None,
                    targets,
                    actuals,
                )
            )
        ent_scores = {y: scores[(ent.id, y)] for y in years if (ent.id, y) in scores}
        for y in years:
            if y not in ent_scores:
                notes.append(f"{y}年度考核{'无本企业结果' if y in finalised else '尚未定稿'}")
        own = [(completions[y].get(ent.id), y) for y in years] + [(final.get(ent.id), None)]
        self_reviews = {
            sub.deliverable.title: sub.details["self_review"]
            for sub, _ in own
            if sub is not None and "self_review" in (sub.details or {})
        }
        benchmarks = next(
            (
                Benchmarks(sub.details["benchmarks"]["mode"], list(sub.details["benchmarks"]["names"]), title)
                for title, by in attachment1
                if (sub := by.get(ent.id)) is not None and "benchmarks" in (sub.details or {})
            ),
            None,
        )
        report = reports.get(ent.id)
        if report is None:
            notes.append("未报送评估报告（或未被接收）")
        out.append(
            EnterpriseData(
                ent.code,
                ent.name,
                ent.category,
                items,
                indicators,
                ent_scores,
                _local_date(report.received_at) if report else None,
                notes,
                [titles[code] for code, by in used.items() if ent.id not in by],
                self_reviews,
                benchmarks,
                _units(attachment1, ent.id),
            )
        )
    return out


VERSION = "final_review.version"


def inputs_fingerprint(session: Session, config: CampaignConfig, as_of: datetime) -> str:
    """What the review reads, as one hash: the accepted version of each file it uses and the finalised years.
    A late file accepted after a review changes it; a day on which nothing arrived does not."""
    parts = sorted(
        f"{code}:{s.id}"
        for code, by in ((d.id, _accepted(session, d.id, as_of)) for d in review_deliverables(config))
        for s in by.values()
    )
    finals = session.scalars(
        select(m.Assessment.id).where(m.Assessment.year.in_(config.final_review.years), m.Assessment.status == "final")
    )
    parts += [f"assessment:{i}" for i in sorted(finals)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def versions(session: Session) -> list[tuple[date, str]]:
    """Earlier versions of the review: (business date, inputs fingerprint), oldest first."""
    rows = session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == VERSION).order_by(m.AuditEvent.at))
    return [(date.fromisoformat(e.entity_key), str(e.detail.get("inputs", ""))) for e in rows]


def record_version(session: Session, as_of: datetime, fingerprint: str, outputs: dict[str, str]) -> None:
    day = as_of.date().isoformat()
    existing = session.scalars(
        select(m.AuditEvent).where(m.AuditEvent.action == VERSION, m.AuditEvent.entity_key == day)
    ).first()
    if existing is not None:
        existing.detail = {"inputs": fingerprint, "outputs": outputs}
        return
    record_audit(session, as_of, "system", VERSION, "final_review", day, {"inputs": fingerprint, "outputs": outputs})


def _units(attachment1: list[tuple[str, dict[int, m.Submission]]], enterprise_id: int) -> list[Unit] | None:
    """The 创标企业 named in the enterprise's latest accepted Attachment 1 that lists them."""
    for title, by in attachment1:
        sub = by.get(enterprise_id)
        if sub is not None and "chuangbiao" in (sub.details or {}):
            return [Unit(u["name"], u["business_line"], u["benchmark"], title) for u in sub.details["chuangbiao"]]
    return None


def _by_indicator(rows: dict[int, list[m.TaskItem]], sub: m.Submission | None) -> dict[str | None, m.TaskItem]:
    return {r.core_indicator: r for r in rows.get(sub.id, [])} if sub else {}


def _local_date(moment: datetime) -> date:
    return moment.astimezone(TZ).date()
