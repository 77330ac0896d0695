"""Annual assessment (年度考核): score each enterprise's list, apply SASAC's adjustments, rank, grade.

Pure: the flow feeds rows in and stores what comes out. Ranks are within 功能分类 (分类考核, seed §一(二)4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from campaign.assessment.scoring import (
    Direction,
    RowScore,
    Rule,
    allocate_weights,
    grade,
    score_row,
    stretch_bonus,
)
from campaign.config.model import RuleConfig, ScoringConfig
from campaign.errors import AdjustmentError


@dataclass(frozen=True)
class Item:
    """One list row as the enterprise filed it, with its actual value for the year."""

    row_no: int
    dimension: str  # 一级任务
    title: str  # 二级任务, or the indicator's name
    target: float | None
    actual: float | None
    indicator: str | None = None  # one of the six core indicators, if it is one
    direction: Direction = "higher"


@dataclass(frozen=True)
class ScoredItem:
    item: Item
    weight: float
    rule: RuleConfig
    rule_text: str  # what SASAC writes into 计分规则
    completion: float | None
    score: float | None  # None: a manual row nobody has scored yet
    note: str = ""
    adjusted: bool = False


@dataclass(frozen=True)
class Adjustment:
    enterprise: str
    row_no: int
    score: float
    reason: str


@dataclass(frozen=True)
class ScoreChange:
    enterprise: str
    row_no: int
    old: float | None
    new: float
    reason: str


@dataclass
class EnterpriseResult:
    code: str
    name: str
    category: str
    tier: str
    items: list[ScoredItem]
    bonus: float = 0.0
    total: float = 0.0
    rank_in_category: int = 0
    category_size: int = 0
    grade: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def base_total(self) -> float:
        return round(sum(i.score or 0.0 for i in self.items), 2)

    @property
    def pending_manual(self) -> list[ScoredItem]:
        return [i for i in self.items if i.score is None]


def score_enterprise(
    code: str, name: str, category: str, tier: str, items: Iterable[Item], scoring: ScoringConfig
) -> EnterpriseResult:
    items = sorted(items, key=lambda i: i.row_no)
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.dimension] += 1
    allocation = {d: list(ws) for d, ws in allocate_weights(scoring.dimension_weights, counts).items()}
    scored = []
    for item in items:
        weight = allocation[item.dimension].pop(0)
        rule_cfg = scoring.rule_for(item.dimension, item.indicator)
        rule = Rule(rule_cfg.kind, rule_cfg.floor, rule_cfg.cap)
        result = score_row(rule, weight, item.target, item.actual, item.direction)
        scored.append(
            ScoredItem(item, weight, rule_cfg, rule.describe(weight), result.completion, result.score, result.note)
        )
    return EnterpriseResult(code, name, category, tier, scored)


def apply_adjustments(results: dict[str, EnterpriseResult], adjustments: Iterable[Adjustment]) -> list[ScoreChange]:
    """Apply SASAC's score changes; every change is returned for the audit trail. All-or-nothing."""
    changes: list[ScoreChange] = []
    staged: dict[str, list[ScoredItem]] = {code: list(r.items) for code, r in results.items()}
    for adj in adjustments:
        if adj.enterprise not in staged:
            raise AdjustmentError(f"调整的企业代码“{adj.enterprise}”不在本次考核范围内")
        rows = staged[adj.enterprise]
        index = next((i for i, s in enumerate(rows) if s.item.row_no == adj.row_no), None)
        if index is None:
            raise AdjustmentError(f"{adj.enterprise} 的清单中没有第 {adj.row_no} 行")
        current = rows[index]
        ceiling = round(current.weight * max(current.rule.cap, 1.0), 2)
        if not 0 <= adj.score <= ceiling:
            raise AdjustmentError(
                f"{adj.enterprise} 第 {adj.row_no} 行的得分应在 0 到 {ceiling:g} 之间，给出的是 {adj.score:g}"
            )
        if not adj.reason.strip():
            raise AdjustmentError(f"{adj.enterprise} 第 {adj.row_no} 行的调整缺少理由")
        changes.append(ScoreChange(adj.enterprise, adj.row_no, current.score, adj.score, adj.reason.strip()))
        rows[index] = replace(current, score=adj.score, adjusted=True, note=f"区国资委调整：{adj.reason.strip()}")
    for code, rows in staged.items():
        results[code].items = rows
    return changes


def finalize(results: Iterable[EnterpriseResult], scoring: ScoringConfig) -> list[EnterpriseResult]:
    """Totals (with the 创标 stretch bonus), ranks within 功能分类 (ties share a rank), grades."""
    results = list(results)
    bands = [(g.min, g.name) for g in scoring.grades]
    for r in results:
        r.notes = [f"第 {i.item.row_no} 行为定性指标，未评定，按 0 分计" for i in r.pending_manual]
        if not r.items:
            r.notes.append("未报送目标任务清单及完成情况，按 0 分计")
        elif all(i.item.actual is None for i in r.items if i.rule.kind != "manual"):
            r.notes.append("未报送完成情况（实际完成值），按 0 分计")
        bonus_cfg = scoring.stretch_bonus
        r.bonus = 0.0
        if bonus_cfg is not None and r.tier == bonus_cfg.tier.value:
            r.bonus = stretch_bonus(
                [RowScore(i.weight, i.completion, i.score) for i in r.items if not i.adjusted],
                bonus_cfg.max_points,
                bonus_cfg.stretch_cap,
            )
        r.total = round(r.base_total + r.bonus, 2)
        r.grade = grade(r.total, bands)
    by_category: dict[str, list[EnterpriseResult]] = defaultdict(list)
    for r in results:
        by_category[r.category].append(r)
    for group in by_category.values():
        group.sort(key=lambda r: (-r.total, r.code))
        for position, r in enumerate(group, start=1):
            r.rank_in_category = (
                position
                if position == 1 or r.total != group[position - 2].total
                else group[position - 2].rank_in_category
            )
            r.category_size = len(group)
    return sorted(results, key=lambda r: (r.category, r.rank_in_category, r.code))
