"""深化评估 (seed §三(二)三, §三(三)二): the whole campaign reviewed per enterprise and per 功能分类.

Pure: the store gathers rows, this decides what they mean. Completion reuses the assessment's ratio
(`campaign.assessment.scoring.completion`, `campaign.half_year.rules.progress_ratio`); the gap closed to the
benchmark is direction-aware; candidate proposals follow the rules in config `final_review` and explain themselves
with the numbers that qualified them. Missing data is reported in Chinese, never raised.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean

from campaign.assessment.rules import Item
from campaign.assessment.scoring import met_target
from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind, FinalReviewConfig
from campaign.half_year.rules import progress_ratio

EXEMPLAR = "典范企业"
BENCHMARK = "价值创造标杆"


@dataclass(frozen=True)
class YearCompletion:
    quantified: int  # rows with a quantified 年度目标值
    reached: int  # of those, rows whose 实际完成值 reached the target
    average_ratio: float  # mean completion ratio, each row clipped to [0, 1.5] so one outlier cannot dominate
    missing_actuals: int

    @property
    def share(self) -> float:
        return self.reached / self.quantified if self.quantified else 0.0


@dataclass(frozen=True)
class YearScore:
    total: float
    rank: int
    category_size: int
    grade: str


@dataclass(frozen=True)
class IndicatorPoints:
    """One core indicator of one enterprise: baseline (企业现状 of the first list) -> actuals, with target
    and benchmark."""

    indicator: str
    unit: str
    direction: str
    baseline: float | None
    benchmark: float | None
    targets: dict[int, float | None]
    actuals: dict[int, float | None]


@dataclass(frozen=True)
class GapClosed:
    ratio: float | None  # share of the baseline gap closed; None when it cannot be computed
    status: str  # closed | no_gap | missing
    met: bool  # counts toward the threshold
    note: str  # Chinese


@dataclass(frozen=True)
class Trajectory:
    points: IndicatorPoints
    latest: float | None
    latest_year: int | None
    gap: GapClosed


@dataclass(frozen=True)
class Benchmarks:
    """对标对象 as filed in Attachment 1 一、对标对象: 单户 or 多户, and whom."""

    mode: str
    names: list[str]
    source: str  # the deliverable's title

    @property
    def text(self) -> str:
        return f"{self.mode}对标：{'、'.join(self.names)}"


@dataclass(frozen=True)
class Unit:
    """A 创标企业: a subsidiary the enterprise cultivates as a 标杆 (Attachment 1 二、对标目标)."""

    name: str
    business_line: str
    benchmark: str
    source: str  # the deliverable it was named in

    @property
    def text(self) -> str:
        return f"{self.name}（业务板块：{self.business_line}；对标企业：{self.benchmark}）"


@dataclass(frozen=True)
class EnterpriseData:
    code: str
    name: str
    category: str
    items: dict[int, list[Item]]  # year -> rows with actuals (from 完成情况)
    indicators: list[IndicatorPoints]
    scores: dict[int, YearScore]
    evaluation_report: date | None  # accepted on
    notes: list[str] = field(default_factory=list)  # data gaps found while gathering
    missing: list[str] = field(default_factory=list)  # titles of the deliverables the review uses not accepted
    # 自评 of its completion reports: deliverable title -> {went_well, lagging, adjustments}
    self_reviews: dict[str, dict[str, str]] = field(default_factory=dict)
    benchmarks: Benchmarks | None = None  # 对标对象 from its latest accepted Attachment 1
    units: list[Unit] | None = None  # its 创标企业 from the same Attachment 1 (None: not filed; []: none, with reason)


@dataclass(frozen=True)
class Candidate:
    kind: str  # 典范企业 (a district enterprise) | 价值创造标杆 (one of its 创标 subsidiaries)
    code: str  # the district enterprise
    name: str
    category: str
    reasons: list[str]
    unit: Unit | None = None  # 价值创造标杆: the subsidiary proposed

    @property
    def who(self) -> str:
        return f"{self.unit.name}（{self.name}所属，{self.unit.business_line}）" if self.unit else self.name

    @property
    def explanation(self) -> str:
        return "；".join(self.reasons) + "。"


@dataclass
class EnterpriseReview:
    data: EnterpriseData
    completion: dict[int, YearCompletion | None]
    trajectories: list[Trajectory]
    average_total: float | None

    @property
    def gaps_met(self) -> list[Trajectory]:
        return [t for t in self.trajectories if t.gap.met]


@dataclass
class CategoryReview:
    category: str
    enterprises: int
    completion_share: dict[int, float | None]
    average_ratio: dict[int, float | None]
    average_total: dict[int, float | None]


@dataclass
class FinalReview:
    years: list[int]
    enterprises: list[EnterpriseReview]
    categories: list[CategoryReview]
    candidates: list[Candidate]
    notes: list[str]
    withheld: list[tuple[Candidate, list[str]]] = field(default_factory=list)  # met the rule, files missing

    @property
    def missing(self) -> list[tuple[EnterpriseReview, list[str]]]:
        """Every enterprise with a file the review uses missing, each file named."""
        return [(r, r.data.missing) for r in self.enterprises if r.data.missing]

    @property
    def missing_files(self) -> int:
        return sum(len(files) for _, files in self.missing)


REVIEW_KINDS = (DeliverableKind.TASK_LIST, DeliverableKind.COMPLETION)


def review_deliverables(config: CampaignConfig) -> list[Deliverable]:
    """The deliverables the final review reads: each reviewed year's list and completion report, the final
    completion report and the evaluation report. The review runs only after all of them are past their deadline."""
    years = set(config.final_review.years)
    return [
        d
        for d in config.deliverables
        if (d.kind in REVIEW_KINDS and d.year in years)
        or d.kind in (DeliverableKind.COMPLETION_FINAL, DeliverableKind.EVALUATION_REPORT)
    ]


# --- completion -------------------------------------------------------------------------------


def year_completion(items: list[Item]) -> YearCompletion | None:
    quantified = [i for i in items if i.target is not None]
    if not quantified:
        return None
    reached = sum(1 for i in quantified if met_target(i.target, i.actual, i.direction))
    ratios = [progress_ratio(i.target, i.actual, i.direction) or 0.0 for i in quantified]
    missing = sum(1 for i in quantified if i.actual is None)
    return YearCompletion(len(quantified), reached, round(mean(ratios), 4), missing)


# --- gap closed to the benchmark --------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def gap_closed(
    baseline: float | None, latest: float | None, benchmark: float | None, direction: str, threshold: float
) -> GapClosed:
    """(latest - baseline) / (benchmark - baseline), with "better" meaning lower for lower-is-better indicators."""
    if baseline is None or latest is None or benchmark is None:
        missing = [
            label
            for label, v in (
                ("基期值（企业现状）", baseline),
                ("最新实际值", latest),
                ("标杆值（标杆企业现状）", benchmark),
            )
            if v is None
        ]
        return GapClosed(None, "missing", False, "缺少" + "、".join(missing) + "，无法计算差距缩小比例")
    sign = -1.0 if direction == "lower" else 1.0
    gap = sign * (benchmark - baseline)
    progress = sign * (latest - baseline)
    if gap <= 0:
        # Already at or beyond the benchmark at the start: the question is only whether it stayed there.
        kept = sign * (latest - benchmark) >= 0
        note = "基期已达到或优于标杆水平，" + ("最新实际值仍保持在标杆水平" if kept else "但最新实际值已落后于标杆水平")
        return GapClosed(None, "no_gap", kept, note)
    ratio = round(progress / gap, 4)
    if ratio >= 1:
        note = f"已追平或超越标杆（缩小 {ratio:.0%}）"
    elif ratio < 0:
        note = f"较基期退步，差距扩大 {-ratio:.0%}"
    else:
        note = f"差距缩小 {ratio:.0%}"
    return GapClosed(ratio, "closed", ratio >= threshold, note)


def trajectory(points: IndicatorPoints, threshold: float) -> Trajectory:
    latest_year = next((y for y in sorted(points.actuals, reverse=True) if points.actuals[y] is not None), None)
    latest = points.actuals[latest_year] if latest_year is not None else None
    return Trajectory(
        points, latest, latest_year, gap_closed(points.baseline, latest, points.benchmark, points.direction, threshold)
    )


# --- candidates -------------------------------------------------------------------------------


def _exemplar(review: EnterpriseReview, years: list[int], rules: FinalReviewConfig) -> list[str] | None:
    d, rule = review.data, rules.exemplar
    if any(y not in d.scores or d.scores[y].grade != rule.grade for y in years):
        return None
    met = review.gaps_met
    if len(met) < rule.min_indicators:
        return None
    grades = "、".join(f"{y}年度考核“{d.scores[y].grade}”（{_fmt(d.scores[y].total)}分）" for y in years)
    gaps = "、".join(
        t.points.indicator + (f" {t.gap.ratio:.0%}" if t.gap.ratio is not None else "（保持标杆水平）") for t in met
    )
    return [
        f"{grades}，均达到“{rule.grade}”",
        f"{len(met)}项核心指标与标杆差距缩小比例达到{rules.gap_closed_threshold:.0%}（要求至少{rule.min_indicators}项）：{gaps}",
    ]


def _benchmark(review: EnterpriseReview, years: list[int], rules: FinalReviewConfig) -> list[str] | None:
    d, rule = review.data, rules.benchmark
    if review.average_total is None or any(y not in d.scores for y in years):
        return None
    if review.average_total < rule.min_average_total:
        return None
    shares = {y: review.completion.get(y) for y in years}
    if rule.min_targets_met_share > 0 and any(
        c is None or c.share < rule.min_targets_met_share for c in shares.values()
    ):
        return None
    if rule.require_evaluation_report and d.evaluation_report is None:
        return None
    totals = "、".join(f"{y}年{_fmt(d.scores[y].total)}分" for y in years)
    reasons = [
        f"所属企业{len(years)}个年度考核平均{_fmt(review.average_total)}分（不低于{_fmt(rule.min_average_total)}分）："
        f"{totals}"
    ]
    if rule.min_targets_met_share > 0:
        # None is already excluded by the same condition above; the filter only tells the type checker.
        met = {y: c for y, c in shares.items() if c is not None}
        reached = "、".join(f"{y}年{c.reached}/{c.quantified}项（{c.share:.0%}）" for y, c in met.items())
        reasons.append(f"量化目标达成比例均不低于{rule.min_targets_met_share:.0%}：{reached}")
    if d.evaluation_report is not None:
        reasons.append(
            f"评估报告已于{d.evaluation_report.year}年{d.evaluation_report.month}月{d.evaluation_report.day}日报送并接收"
        )
    return reasons


def _named(unit: Unit) -> str:
    return (
        f"在{unit.source}中列为创标企业（重点培育为标杆的子企业），"
        f"业务板块：{unit.business_line}，对标企业：{unit.benchmark}"
    )


def unit_gaps(reviews: list[EnterpriseReview], years: list[int], rules: FinalReviewConfig) -> list[str]:
    """Enterprises that meet the 标杆 rule but name no 创标企业 to propose."""
    return [
        f"{r.data.code} {r.data.name}：满足价值创造标杆条件，但"
        + ("目标任务（附件1）未报送或未列明创标企业" if r.data.units is None else "目标任务中说明没有创标企业")
        + "，没有可推荐的标杆单位"
        for r in reviews
        if not r.data.units and _benchmark(r, years, rules)
    ]


def propose(
    reviews: list[EnterpriseReview], years: list[int], rules: FinalReviewConfig
) -> tuple[list[Candidate], list[tuple[Candidate, list[str]]]]:
    """Candidates, and those withheld: an enterprise whose required files are missing is never proposed, however
    its numbers look; it is listed with the files it still owes."""
    candidates: list[Candidate] = []
    withheld: list[tuple[Candidate, list[str]]] = []
    for kind, rule in ((EXEMPLAR, _exemplar), (BENCHMARK, _benchmark)):
        for review in reviews:
            reasons = rule(review, years, rules)
            if reasons:
                d = review.data
                proposed = [Candidate(kind, d.code, d.name, d.category, reasons)]
                if kind == BENCHMARK:  # 标杆 are built in the enterprise's units: its named 创标企业
                    proposed = [
                        Candidate(kind, d.code, d.name, d.category, [_named(u), *reasons], u) for u in d.units or []
                    ]
                if d.missing:
                    withheld += [(candidate, d.missing) for candidate in proposed]
                else:
                    candidates += proposed
    return candidates, withheld


# --- 专项督导 ----------------------------------------------------------------------------------


def supervision(
    reviews: list[EnterpriseReview], years: list[int], rules: FinalReviewConfig
) -> list[tuple[EnterpriseReview, list[str]]]:
    """Enterprises for 专项督导, each with why: a year graded in `supervision_grades` (the grade already weighs
    the total and the share of quantified targets met, so an 优秀 enterprise is never listed for its
    results), a year not scored, or a year's completion not filed."""
    listed = []
    for r in reviews:
        reasons = []
        for y in years:
            score = r.data.scores.get(y)
            if score is None:
                reasons.append(f"{y}年度未考核定稿")
            elif score.grade in rules.supervision_grades:
                done = r.completion.get(y)
                met = f"，量化目标达成{done.reached}/{done.quantified}项" if done else ""
                reasons.append(f"{y}年度考核“{score.grade}”（{_fmt(score.total)}分{met}）")
            if r.completion.get(y) is None:
                reasons.append(f"{y}年度完成情况未报送")
        if reasons:
            listed.append((r, reasons))
    return listed


# --- the whole review -------------------------------------------------------------------------


def _avg(values: list[float]) -> float | None:
    return round(mean(values), 4) if values else None


def review_enterprise(data: EnterpriseData, years: list[int], rules: FinalReviewConfig) -> EnterpriseReview:
    comp = {y: year_completion(data.items.get(y, [])) for y in years}
    totals = [data.scores[y].total for y in years if y in data.scores]
    average = round(mean(totals), 2) if len(totals) == len(years) else None
    return EnterpriseReview(data, comp, [trajectory(p, rules.gap_closed_threshold) for p in data.indicators], average)


def review(enterprises: list[EnterpriseData], rules: FinalReviewConfig) -> FinalReview:
    years = sorted(rules.years)
    reviews = [review_enterprise(d, years, rules) for d in enterprises]
    groups: dict[str, list[EnterpriseReview]] = defaultdict(list)
    for r in reviews:
        groups[r.data.category].append(r)
    categories = []
    for category in sorted(groups):
        group = groups[category]
        categories.append(
            CategoryReview(
                category,
                len(group),
                {y: _avg([c.share for c in (r.completion[y] for r in group) if c]) for y in years},
                {y: _avg([c.average_ratio for c in (r.completion[y] for r in group) if c]) for y in years},
                {y: _avg([r.data.scores[y].total for r in group if y in r.data.scores]) for y in years},
            )
        )
    notes = [f"{r.data.code} {r.data.name}：{n}" for r in reviews for n in r.data.notes]
    notes += unit_gaps(reviews, years, rules)
    candidates, withheld = propose(reviews, years, rules)
    return FinalReview(years, reviews, categories, candidates, notes, withheld)
