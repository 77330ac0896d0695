"""Scoring of the 目标任务清单 rows (计分规则 / 年度考核得分): pure functions, SASAC's rule vocabulary.

Vocabulary (set per 一级任务 or per core indicator in config `scoring`):
- proportional:     completion = actual / target (direction-aware); below `floor` scores 0; counted up to `cap`.
                    `scale` says how a completion between `floor` and 100% is turned into points:
                    "from_floor" (the default) runs linearly from 0 points at `floor` to full marks at 100%, so a
                    near-miss does not score near full marks (floor 60%: 90% completion earns 75% of the row);
                    "ratio" pays the completion itself (90% earns 90%).
- threshold:        reached (full weight) or not reached (0).
- lower_is_better:  like proportional for indicators such as 资产负债率: completion = target / actual.
- manual:           qualitative rows; SASAC enters the score by hand (auto-scoring leaves it open).

Signs: a zero or negative target still has a meaning (扭亏: 净利润 target 0; 减亏: target -500). For
higher-is-better with target <= 0 the completion is target/actual while both are losses, and full marks
once the actual reaches the target. Missing actuals score 0 with a note, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

RuleKind = Literal["proportional", "threshold", "lower_is_better", "manual"]
Direction = Literal["higher", "lower"]
Scale = Literal["from_floor", "ratio"]
MAX_TOTAL = 100.0  # an annual total never exceeds this


@dataclass(frozen=True)
class Rule:
    kind: RuleKind = "proportional"
    floor: float = 0.0  # completion below this scores 0
    cap: float = 1.0  # completion counted at most this (1.0 = no credit for over-fulfilment)
    scale: Scale = "from_floor"

    def describe(self, weight: float) -> str:
        """The 计分规则 text SASAC writes into the enterprise's list."""
        w = _fmt(weight)
        if self.kind == "manual":
            return f"定性评价，由区国资委评定（满分{w}分）"
        if self.kind == "threshold":
            return f"达到年度目标值得{w}分，未达到不得分"
        ratio = "目标值÷实际完成值" if self.kind == "lower_is_better" else "实际完成值÷目标值"
        if self.scale == "from_floor" and self.floor > 0:
            span = 1.0 - self.floor
            parts = [
                f"完成率（{ratio}）达到100%得{w}分",
                f"{self.floor:.0%}至100%之间按（完成率−{self.floor:.0%}）÷{span:.0%}×{w}分折算",
                f"低于{self.floor:.0%}不得分",
            ]
            if self.cap > 1.0:
                parts.append(f"超额完成按完成率计，最高按{self.cap:.0%}计")
            return "，".join(parts)
        parts = [f"按完成率（{ratio}）×{w}分计分"]
        if self.floor > 0:
            parts.append(f"完成率低于{self.floor:.0%}不得分")
        parts.append(f"最高按{self.cap:.0%}计")
        return "，".join(parts)

    def points_share(self, ratio: float) -> float:
        """Share of the row's weight a completion ratio earns (0 below the floor; may exceed 1 up to cap)."""
        if ratio < self.floor:
            return 0.0
        if ratio >= 1.0 or self.scale == "ratio" or self.floor <= 0:
            return min(ratio, self.cap)
        return (ratio - self.floor) / (1.0 - self.floor)


@dataclass(frozen=True)
class RowScore:
    weight: float
    completion: float | None  # None when not computable (manual rows, missing actuals)
    score: float | None  # None = waiting for a manual score
    note: str = ""


def _fmt(value: float) -> str:
    return f"{value:g}"


def completion(kind: RuleKind, target: float, actual: float, direction: Direction = "higher") -> float:
    """Completion ratio (1.0 = target met exactly), direction- and sign-aware; may exceed 1."""
    lower = kind == "lower_is_better" or direction == "lower"
    if kind == "threshold":
        return 1.0 if (actual <= target if lower else actual >= target) else 0.0
    if lower:
        if target > 0:
            return math.inf if actual <= 0 else target / actual
        return 1.0 if actual <= target else 0.0
    if target > 0:
        return actual / target
    if target == 0:  # 扭亏: reached or not
        return 1.0 if actual >= 0 else 0.0
    # 减亏 (target < 0): both losses compare inversely; any profit beats the target
    return math.inf if actual >= 0 else target / actual


def score_row(
    rule: Rule, weight: float, target: float | None, actual: float | None, direction: Direction = "higher"
) -> RowScore:
    if rule.kind == "manual":
        return RowScore(weight, None, None, "定性指标，待区国资委评定")
    if target is None:
        return RowScore(weight, None, 0.0, "年度目标值未量化，不得分")
    if actual is None:
        return RowScore(weight, None, 0.0, "未填报实际完成值，不得分")
    ratio = completion(rule.kind, target, actual, direction)
    if ratio < rule.floor:
        return RowScore(weight, ratio, 0.0, f"完成率低于{rule.floor:.0%}，不得分")
    score = round(weight * rule.points_share(ratio), 2)
    if ratio < 1.0 and rule.kind != "threshold" and rule.scale == "from_floor" and rule.floor > 0:
        how = f"按（{ratio:.1%}−{rule.floor:.0%}）÷{1 - rule.floor:.0%}折算得{_fmt(score)}分"
        return RowScore(weight, ratio, score, f"完成率{ratio:.1%}，未达到目标，{how}")
    return RowScore(weight, ratio, score)


def met_target(target: float | None, actual: float | None, direction: Direction = "higher") -> bool:
    """The row reached its 年度目标值: the one test behind 达成比例 in the assessment, its grade and the final
    review."""
    if target is None or actual is None:
        return False
    return completion("proportional", target, actual, direction) >= 1.0


def allocate_weights(
    dimension_weights: dict[str, float],
    rows_per_dimension: dict[str, int],
    row_factors: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Split 100 points over an enterprise's rows: dimensions it has, rescaled to 100, then per row.

    Within a dimension rows share equally, or in proportion to `row_factors[dimension]` (one factor per
    row, e.g. a 功能分类's emphasis on some core indicators). Rounded to 0.01 with the rounding remainder
    on the last row, so the total is exactly 100.
    """
    present = {d: dimension_weights.get(d, 0.0) for d, n in rows_per_dimension.items() if n > 0}
    base = sum(present.values())
    if base <= 0:
        # Only dimensions without a configured weight (e.g. 其他): share equally.
        present = {d: 1.0 for d in present}
        base = float(len(present))
    if not present:
        return {}
    allocation: dict[str, list[float]] = {}
    total = 0.0
    order = list(present)
    for d in order:
        share = 100.0 * present[d] / base
        n = rows_per_dimension[d]
        factors = (row_factors or {}).get(d)
        if factors and len(factors) == n and sum(factors) > 0:
            allocation[d] = [round(share * f / sum(factors), 2) for f in factors]
        else:
            allocation[d] = [round(share / n, 2)] * n
        total += sum(allocation[d])
    remainder = round(100.0 - total, 2)
    last = next(d for d in reversed(order) if present[d] > 0)
    allocation[last][-1] = round(allocation[last][-1] + remainder, 2)
    return allocation


Band = tuple[float, str] | tuple[float, str, float]


def grade(total: float, bands: Sequence[Band], met_share: float | None = None) -> str:
    """bands: [(minimum, name)] or [(minimum, name, minimum share of quantified targets met)] in any order.

    The highest band whose minimum total the total reaches and, when the band asks for one and a share is
    given, whose minimum 达成比例 the share reaches too.
    """
    ordered = sorted(((b[0], b[1], b[2] if len(b) > 2 else 0.0) for b in bands), reverse=True)
    for minimum, name, min_share in ordered:
        if total >= minimum and (met_share is None or met_share >= min_share):
            return name
    return ordered[-1][1]
