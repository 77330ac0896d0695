"""Half-year summary (区国资委统筹开展评价总结): who reported, how far each dimension and core indicator got,
and who needs attention. Pure: the flow gathers the rows, this decides what they mean."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

CLIP = 1.5  # one runaway value must not dominate an average


@dataclass(frozen=True)
class EnterpriseStatus:
    code: str
    name: str
    category: str
    status: str  # accepted | late | rejected | missing


@dataclass(frozen=True)
class ReportedRow:
    code: str
    dimension: str
    title: str
    target: float | None
    value: float | None
    indicator: str | None = None
    direction: str = "higher"
    benchmark: float | None = None


@dataclass
class HalfYearSummary:
    total: int
    on_time: list[str]
    late: list[str]
    rejected: list[str]
    missing: list[str]
    completeness_rate: float
    timeliness_rate: float
    by_category: dict[str, dict[str, float]]
    dimension_progress: dict[str, float]
    indicators: dict[str, list[dict]]
    attention: list[dict] = field(default_factory=list)


def progress_ratio(target: float | None, value: float | None, direction: str) -> float | None:
    """How far the half-year value is toward the annual target (1.0 = reached), clipped to [0, CLIP]."""
    if target is None or value is None:
        return None
    if direction == "lower":
        if value <= 0:
            return CLIP
        ratio = target / value if target > 0 else (1.0 if value <= target else 0.0)
    elif target > 0:
        ratio = value / target
    else:
        ratio = 1.0 if value >= target else 0.0
    return max(0.0, min(ratio, CLIP))


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def summarize(statuses: list[EnterpriseStatus], rows: list[ReportedRow], attention_below: float) -> HalfYearSummary:
    by_status: dict[str, list[str]] = defaultdict(list)
    for s in statuses:
        by_status[s.status].append(s.code)
    total = len(statuses)
    reported = len(by_status["accepted"]) + len(by_status["late"])

    by_category: dict[str, dict[str, float]] = {}
    for category in sorted({s.category for s in statuses}):
        group = [s for s in statuses if s.category == category]
        on_time = sum(s.status == "accepted" for s in group)
        rep = sum(s.status in ("accepted", "late") for s in group)
        by_category[category] = {
            "total": len(group),
            "reported": rep,
            "on_time": on_time,
            "completeness": _rate(rep, len(group)),
            "timeliness": _rate(on_time, len(group)),
        }

    ratios_by_dim: dict[str, list[float]] = defaultdict(list)
    ratios_by_ent: dict[str, list[float]] = defaultdict(list)
    indicators: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        ratio = progress_ratio(r.target, r.value, r.direction)
        if ratio is not None:
            ratios_by_dim[r.dimension].append(ratio)
            ratios_by_ent[r.code].append(ratio)
        if r.indicator:
            indicators[r.indicator].append(
                {"code": r.code, "target": r.target, "value": r.value, "benchmark": r.benchmark, "progress": ratio}
            )
    dimension_progress = {d: round(sum(v) / len(v), 4) for d, v in ratios_by_dim.items()}

    names = {s.code: s.name for s in statuses}
    reasons: dict[str, list[str]] = defaultdict(list)
    for code in by_status["missing"]:
        reasons[code].append("未报送进展情况")
    for code in by_status["rejected"]:
        reasons[code].append("报送材料被退回，尚未重新报送合格材料")
    for code in by_status["late"]:
        reasons[code].append("逾期报送")
    for code, values in ratios_by_ent.items():
        average = sum(values) / len(values)
        if average < attention_below:
            reasons[code].append(f"半年平均完成进度 {average:.0%}，低于 {attention_below:.0%}")
    attention = [{"code": c, "name": names.get(c, c), "reasons": reasons[c]} for c in sorted(reasons)]
    return HalfYearSummary(
        total=total,
        on_time=sorted(by_status["accepted"]),
        late=sorted(by_status["late"]),
        rejected=sorted(by_status["rejected"]),
        missing=sorted(by_status["missing"]),
        completeness_rate=_rate(reported, total),
        timeliness_rate=_rate(len(by_status["accepted"]), total),
        by_category=by_category,
        dimension_progress=dimension_progress,
        indicators=dict(indicators),
        attention=attention,
    )
