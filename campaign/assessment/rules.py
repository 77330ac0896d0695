"""Annual assessment (年度考核): score each enterprise's list, apply SASAC's adjustments, rank, grade.

Pure: the flow feeds rows in and stores what comes out. Ranks are within 功能分类 (分类考核, seed §一(二)4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from campaign.assessment.scoring import (
    MAX_TOTAL,
    Direction,
    Rule,
    allocate_weights,
    grade,
    met_target,
    score_row,
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
    seq: str | None = None  # 序号 as printed in the list (row_no is the sheet row)

    @property
    def label(self) -> str:
        """How a person finds the row in the list they filed: its 序号 (the sheet row only when it has none)."""
        return f"序号{self.seq}" if self.seq else f"第{self.row_no}行"


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
    items: list[ScoredItem]
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

    @property
    def quantified(self) -> int:
        """Rows with a quantified 年度目标值."""
        return sum(1 for i in self.items if i.item.target is not None)

    @property
    def targets_met(self) -> int:
        """Of those, rows whose 实际完成值 reached the target (the same test as the final review's 达成比例)."""
        met = (met_target(i.item.target, i.item.actual, i.item.direction) for i in self.items)
        return sum(met)

    @property
    def met_share(self) -> float | None:
        return self.targets_met / self.quantified if self.quantified else None


def score_enterprise(
    code: str, name: str, category: str, items: Iterable[Item], scoring: ScoringConfig
) -> EnterpriseResult:
    items = sorted(items, key=lambda i: i.row_no)
    counts: dict[str, int] = defaultdict(int)
    factors: dict[str, list[float]] = defaultdict(list)
    dimension_weights, emphasis = scoring.weights_for(category)
    for item in items:
        counts[item.dimension] += 1
        factors[item.dimension].append(emphasis.get(item.indicator or "", 1.0))
    allocation = {d: list(ws) for d, ws in allocate_weights(dimension_weights, counts, factors).items()}
    scored = []
    for item in items:
        weight = allocation[item.dimension].pop(0)
        rule_cfg = scoring.rule_for(item.dimension, item.indicator)
        if rule_cfg.kind == "manual" and item.target is not None:
            # a quantified target is scored by its completion, whatever the dimension
            rule_cfg = scoring.indicator_rules.get(item.indicator or "", scoring.default_rule)
        rule = Rule(rule_cfg.kind, rule_cfg.floor, rule_cfg.cap, rule_cfg.scale)
        result = score_row(rule, weight, item.target, item.actual, item.direction)
        scored.append(
            ScoredItem(item, weight, rule_cfg, rule.describe(weight), result.completion, result.score, result.note)
        )
    return EnterpriseResult(code, name, category, scored)


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


def unscored_manual(results: Iterable[EnterpriseResult]) -> list[str]:
    """Each qualitative row nobody has scored yet: enterprise, 序号 as printed in its list, task, 评分表行号."""
    return [
        f"{r.code} {r.name}：{i.item.label}（{i.item.dimension}：{i.item.title}；评分表行号 {i.item.row_no}）"
        for r in results
        for i in r.pending_manual
    ]


def finalize(results: Iterable[EnterpriseResult], scoring: ScoringConfig) -> list[EnterpriseResult]:
    """Totals (the rows' scores, never above 100; no bonus: the seed has none), ranks within 功能分类
    (ties share a rank), grades from the total and the share of quantified targets met."""
    results = list(results)
    bands = [(g.min, g.name, g.min_targets_met_share) for g in scoring.grades]
    for r in results:
        # only a year finalised before finalising refused unscored rows can still have one
        r.notes = [f"{i.item.label}（{i.item.title}）为定性指标，未评定，按 0 分计" for i in r.pending_manual]
        if not r.items:
            r.notes.append("未报送目标任务清单及完成情况，按 0 分计")
        elif all(i.item.actual is None for i in r.items if i.rule.kind != "manual"):
            r.notes.append("未报送完成情况（实际完成值），按 0 分计")
        r.total = round(min(r.base_total, MAX_TOTAL), 2)
        if r.base_total > MAX_TOTAL:
            r.notes.append(f"各行得分合计{r.base_total:g}分，总分按{MAX_TOTAL:g}分计")
        share = r.met_share if r.items else 0.0
        r.grade = grade(r.total, bands, share)
        by_total = grade(r.total, bands)
        if r.grade != by_total:
            needed = next(g.min_targets_met_share for g in scoring.grades if g.name == by_total)
            r.notes.append(
                f"总分{r.total:g}分达到“{by_total}”分数线，但量化目标达成{r.targets_met}/{r.quantified}项"
                f"（{(share or 0.0):.0%}），低于“{by_total}”要求的{needed:.0%}，等级为“{r.grade}”"
            )
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
