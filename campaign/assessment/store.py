"""Annual assessment persistence: collect the year's rows, store scores, apply reviews, store results.

Sources per enterprise: rows and targets from the latest accepted 目标任务清单 (task-list-<year>, as filed), with
实际完成值 from the latest accepted 完成情况 (completion-<year>), matched by 序号; without a completion report every
row scores as "未填报实际完成值"; without a filed list, the completion report's own rows; else nothing (total 0,
noted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign.assessment.rules import (
    Adjustment,
    EnterpriseResult,
    Item,
    ScoreChange,
    ScoredItem,
    apply_adjustments,
    finalize,
    score_enterprise,
    unscored_manual,
)
from campaign.assessment.scoring import Direction
from campaign.config.model import CampaignConfig, RuleConfig
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.errors import AssessmentError
from campaign.submissions.store import deliverable_code, latest_accepted, task_items
from campaign.validation.targets import parse_target
from campaign.workbook.completion import row_key

_LOWER_COMPARATORS = {"≤", "<=", "<", "＜", "不高于", "不多于", "不超过"}


@dataclass
class EnterpriseInput:
    code: str
    name: str
    category: str
    items: list[Item] = field(default_factory=list)
    source: str = ""  # which deliverable the rows came from, or why there are none


def row_direction(row: m.TaskItem, directions: Mapping[str, Direction]) -> Direction:
    """lower-is-better when the core indicator says so (资产负债率) or the target reads "≤ …" / "不超过 …"."""
    if row.annual_target_comparator in _LOWER_COMPARATORS:
        return "lower"
    return directions.get(row.core_indicator or "", "higher")


def item_from_row(
    row: m.TaskItem, directions: Mapping[str, Direction], with_actual: bool, actual_text: str | None = None
) -> Item:
    """One scored row. `actual_text`: the 实际完成值 reported for this filed row in the completion report."""
    actual = parse_target(actual_text if actual_text is not None else row.actual_value) if with_actual else None
    direction = row_direction(row, directions)
    return Item(
        row_no=row.row_no,
        dimension=row.level1 or "其他",
        title=row.core_indicator or row.level2 or row.level1 or f"第{row.row_no}行",
        target=row.annual_target_value,
        actual=actual.value if actual else None,
        indicator=row.core_indicator,
        direction=direction,
        seq=(row.seq or "").strip() or None,
    )


def source_submissions(
    session: Session, config: CampaignConfig, year: int, as_of: datetime
) -> dict[int, tuple[m.Submission, bool]]:
    """enterprise id -> (the submission its rows come from, whether it carries 实际完成值)."""
    completion_code = deliverable_code(config, "completion", year)
    list_code = deliverable_code(config, "task_list", year)
    if completion_code is None and list_code is None:
        raise AssessmentError(f"配置中没有 {year} 年度的目标任务清单或完成情况，无法考核")
    completions = latest_accepted(session, completion_code, as_of)
    lists = latest_accepted(session, list_code, as_of)
    return {**{k: (v, False) for k, v in lists.items()}, **{k: (v, True) for k, v in completions.items()}}


def filed_items(
    list_rows: list[m.TaskItem], completion_rows: list[m.TaskItem], directions: Mapping[str, Direction]
) -> list[Item]:
    """The filed list's rows and targets, with the 实际完成值 the completion report gives each (matched by 序号).

    Intake rejects a completion report whose rows or targets differ from the filed list, so a target lowered at
    year end never reaches the assessment; a filed row the report does not cover scores as 未填报实际完成值. Each
    row keeps the completion report's sheet row, where the scores are written back."""
    reported = {row_key(r.seq, n): r for n, r in enumerate(completion_rows)}
    items = []
    for n, r in enumerate(list_rows):
        done = reported.get(row_key(r.seq, n))
        item = item_from_row(r, directions, True, (done.actual_value if done else None) or "")
        items.append(replace(item, row_no=done.row_no) if done else item)
    return items


def source_files(session: Session, config: CampaignConfig, year: int, as_of: datetime, home: Path) -> dict[str, Path]:
    """enterprise code -> the stored file its rows come from (to write the final scores into)."""
    return {
        sub.enterprise.code: home / sub.stored_path
        for sub, _ in source_submissions(session, config, year, as_of).values()
        if sub.stored_path
    }


def collect_inputs(session: Session, config: CampaignConfig, year: int, as_of: datetime) -> list[EnterpriseInput]:
    directions = {i.name: i.direction for i in config.core_indicators}
    chosen = source_submissions(session, config, year, as_of)
    lists = latest_accepted(session, deliverable_code(config, "task_list", year), as_of)
    rows_by_submission = task_items(session, [sub.id for sub, _ in chosen.values()] + [s.id for s in lists.values()])
    inputs = []
    for ent in session.scalars(select(m.Enterprise).where(m.Enterprise.active.is_(True)).order_by(m.Enterprise.code)):
        item = EnterpriseInput(ent.code, ent.name, ent.category)
        if ent.id in chosen:
            sub, with_actual = chosen[ent.id]
            filed = lists.get(ent.id)
            if with_actual and filed is not None:
                item.items = filed_items(rows_by_submission[filed.id], rows_by_submission[sub.id], directions)
                item.source = (
                    f"{filed.deliverable.title}（第{filed.version}版）的任务和年度目标值，"
                    f"{sub.deliverable.title}（第{sub.version}版）的实际完成值"
                )
            else:
                item.items = [item_from_row(r, directions, with_actual) for r in rows_by_submission.get(sub.id, [])]
                item.source = f"{sub.deliverable.title}（第{sub.version}版）" + (
                    "" if with_actual else "；未报送完成情况，实际完成值按未填报处理"
                )
        else:
            item.source = f"未报送{year}年度目标任务清单及完成情况"
        inputs.append(item)
    return inputs


def get_or_create(session: Session, year: int, as_of: datetime) -> m.Assessment:
    row = session.scalars(select(m.Assessment).where(m.Assessment.year == year)).one_or_none()
    if row is None:
        row = m.Assessment(year=year, status="scored", as_of=as_of)
        session.add(row)
        session.flush()
    return row


def save_auto_scores(
    session: Session, assessment: m.Assessment, config: CampaignConfig, inputs: list[EnterpriseInput]
) -> int:
    """(Re)compute auto-scores; rows SASAC already adjusted keep their adjusted score. Refuses a final one."""
    if assessment.status == "final":
        raise AssessmentError(f"{assessment.year} 年度考核已定稿，不能重新计分")
    ent_ids = dict(session.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
    kept = {
        (r.enterprise_id, r.row_no): r
        for r in session.scalars(
            select(m.AssessmentScore).where(
                m.AssessmentScore.assessment_id == assessment.id, m.AssessmentScore.adjusted.is_(True)
            )
        )
    }
    session.execute(
        delete(m.AssessmentScore).where(
            m.AssessmentScore.assessment_id == assessment.id, m.AssessmentScore.adjusted.is_(False)
        )
    )
    count = 0
    for inp in inputs:
        result = score_enterprise(inp.code, inp.name, inp.category, inp.items, config.scoring)
        for s in result.items:
            previous = kept.pop((ent_ids[inp.code], s.item.row_no), None)
            if previous is not None:
                previous.auto_score, previous.weight, previous.rule_text = s.score, s.weight, s.rule_text
                previous.target, previous.actual, previous.completion = (
                    s.item.target,
                    s.item.actual,
                    _finite(s.completion),
                )
                continue
            session.add(
                m.AssessmentScore(
                    assessment_id=assessment.id,
                    enterprise_id=ent_ids[inp.code],
                    row_no=s.item.row_no,
                    dimension=s.item.dimension,
                    title=s.item.title,
                    indicator=s.item.indicator,
                    direction=s.item.direction,
                    target=s.item.target,
                    actual=s.item.actual,
                    weight=s.weight,
                    rule_kind=s.rule.kind,
                    rule_text=s.rule_text,
                    completion=_finite(s.completion),
                    auto_score=s.score,
                    score=s.score,
                    adjusted=False,
                    note=s.note,
                )
            )
            count += 1
    session.flush()
    return count


def _finite(value: float | None) -> float | None:
    # "Turned a loss into a profit" is an infinite completion ratio; stored as a large, honest number.
    if value is None:
        return None
    return min(value, 99.0)


def load_results(session: Session, assessment: m.Assessment, config: CampaignConfig) -> dict[str, EnterpriseResult]:
    """Rebuild the pure results from stored rows (so review and finalisation survive a restart)."""
    results: dict[str, EnterpriseResult] = {}
    seqs = _printed_seqs(session, config, assessment)
    for ent in session.scalars(select(m.Enterprise).where(m.Enterprise.active.is_(True)).order_by(m.Enterprise.code)):
        results[ent.code] = EnterpriseResult(ent.code, ent.name, ent.category, [])
    for row in session.scalars(
        select(m.AssessmentScore)
        .where(m.AssessmentScore.assessment_id == assessment.id)
        .order_by(m.AssessmentScore.row_no)
    ):
        if row.enterprise.code not in results:
            continue
        rule = config.scoring.rule_for(row.dimension, row.indicator)
        results[row.enterprise.code].items.append(
            ScoredItem(
                Item(
                    row.row_no,
                    row.dimension,
                    row.title,
                    row.target,
                    row.actual,
                    row.indicator,
                    row.direction,
                    seqs.get((row.enterprise_id, row.row_no)),
                ),
                row.weight,
                RuleConfig(kind=row.rule_kind, floor=rule.floor, cap=rule.cap, scale=rule.scale),
                row.rule_text,
                row.completion,
                row.score,
                row.note,
                row.adjusted,
            )
        )
    return results


def _printed_seqs(session: Session, config: CampaignConfig, assessment: m.Assessment) -> dict[tuple[int, int], str]:
    """(enterprise id, sheet row) -> 序号 as printed in the list the rows were scored from."""
    try:
        chosen = source_submissions(session, config, assessment.year, assessment.as_of)
    except AssessmentError:
        return {}
    ids = [sub.id for sub, _ in chosen.values()]
    if not ids:
        return {}
    rows = session.execute(
        select(m.TaskItem.enterprise_id, m.TaskItem.row_no, m.TaskItem.seq).where(m.TaskItem.submission_id.in_(ids))
    )
    return {(e, r): s.strip() for e, r, s in rows if s and s.strip()}


def apply_review(
    session: Session,
    assessment: m.Assessment,
    config: CampaignConfig,
    adjustments: list[Adjustment],
    reviewer: str,
    at: datetime,
) -> list[ScoreChange]:
    """Validate all adjustments first (all-or-nothing), then write them with one audit event each."""
    results = load_results(session, assessment, config)
    changes = apply_adjustments(results, adjustments)
    ent_ids = dict(session.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
    for change in changes:
        row = session.scalars(
            select(m.AssessmentScore).where(
                m.AssessmentScore.assessment_id == assessment.id,
                m.AssessmentScore.enterprise_id == ent_ids[change.enterprise],
                m.AssessmentScore.row_no == change.row_no,
            )
        ).one()
        row.score, row.adjusted, row.note = change.new, True, f"区国资委调整：{change.reason}"
        record_audit(
            session,
            at,
            reviewer,
            "score.adjusted",
            "assessment_score",
            f"{assessment.year}:{change.enterprise}:{change.row_no}",
            {"old": change.old, "new": change.new, "reason": change.reason, "year": assessment.year},
        )
    session.flush()
    return changes


def finalize_assessment(
    session: Session, assessment: m.Assessment, config: CampaignConfig, reviewer: str, at: datetime
) -> list[EnterpriseResult]:
    """Refuses while any qualitative row is unscored (an unscored row is not a 0), naming each one."""
    loaded = load_results(session, assessment, config)
    pending = unscored_manual(loaded.values())
    if pending:
        year = assessment.year
        raise AssessmentError(
            f"{year} 年度考核还有 {len(pending)} 项定性指标未评定，不能定稿：\n"
            + "\n".join(f"- {p}" for p in pending)
            + f"\n请在评分表“调整后得分”“调整理由”中填写后用 campaign scores import 导入，或用 campaign resume {year} "
            "--adjust 企业代码:评分表行号:得分:理由 提交，然后再定稿。"
        )
    results = finalize(loaded.values(), config.scoring)
    ent_ids = dict(session.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
    session.execute(delete(m.AssessmentResult).where(m.AssessmentResult.assessment_id == assessment.id))
    for r in results:
        session.add(
            m.AssessmentResult(
                assessment_id=assessment.id,
                enterprise_id=ent_ids[r.code],
                base_total=r.base_total,
                total=r.total,
                rank_in_category=r.rank_in_category,
                category_size=r.category_size,
                grade=r.grade,
                notes=r.notes,
            )
        )
    assessment.status, assessment.reviewer, assessment.finalized_at = "final", reviewer, at
    record_audit(
        session,
        at,
        reviewer,
        "assessment.finalized",
        "assessment",
        str(assessment.year),
        {"enterprises": len(results), "totals": {r.code: r.total for r in results}},
    )
    session.flush()
    return results
