"""年度目标值 must be quantified (seed 说明1: 量化分解): "数值+单位", optionally with a comparator.

Accepted: 1200, 1200万元, 1,200.5 万元, 95%, ≥95%, 不低于95%, ≤65%, 3项, 10 个, -5%.
Not accepted: 提升, 显著提高, 完成改革任务, 3-5项 (a range is not a target), empty.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_COMPARATORS = "≥|≤|>=|<=|>|<|＞|＜|不低于|不高于|不少于|不多于|不超过|达到|约"
_PATTERN = re.compile(
    rf"^(?P<cmp>{_COMPARATORS})?\s*(?P<num>[-+]?\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)\s*"
    r"(?P<unit>[^\d\s\-+,.][^\d]{0,9})?$"
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％－＋", "0123456789.,%-+")


@dataclass(frozen=True)
class Target:
    value: float
    unit: str  # "" when the unit is implied by the row (core indicators name theirs in 二级任务)
    comparator: str  # "" or e.g. ≥ / 不低于


def parse_target(raw: object) -> Target | None:
    """The quantified target in a cell, or None when the cell does not hold one."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return Target(float(raw), "", "") if math.isfinite(raw) else None
    text = str(raw).translate(_FULLWIDTH).strip()
    match = _PATTERN.match(text)
    if not match:
        return None
    value = float(match.group("num").replace(",", ""))
    if not math.isfinite(value):
        return None
    return Target(value, (match.group("unit") or "").strip(), match.group("cmp") or "")
