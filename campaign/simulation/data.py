"""What a synthetic enterprise writes in its lists: plausible figures per 功能分类, seeded.

Baselines (企业现状) and benchmarks (标杆企业现状) of the six core indicators are drawn around
values typical of the category (a 公益类 water company earns far less and borrows less than a
商业一类 investment group; sources below); each year's targets grow on the previous actuals (about
a third of the enterprises set stretch targets); actuals land around the target, better or worse
depending on the enterprise's "form". Extra rows are drawn across the eight benchmark dimensions.
Half-year progress reports the same actuals (see files.py): the full-year figure of the H2 report is
within PROGRESS_TOLERANCE of the completion report's 实际完成值.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from campaign.config.model import CampaignConfig, Enterprise

# indicator -> {category: (low, high)} of the baseline value, per 功能分类. Where the ranges come from:
# - 资产负债率: 财政部资产管理司《全国国有及国有控股企业经济运行情况》(monthly, 2023): 国有企业资产负债率
#   64.7%–64.8% through 2023 (e.g. 3月末 64.7%, 4月末 64.8%, 7月末 64.7%). Ranges sit around it: 公益类 below
#   (capital injected for public services), 商业二类 (infrastructure, 城投-like) above.
# - 营业现金比率 (经营活动现金流量净额 ÷ 营业收入, the 2023 "一利五率" indicator): 新华财经 2023-05-10, 黄运成
#   《央企考核指标由营业收入利润率替换为营业现金比率》: 2022 A-share companies mean 10.16%, median 8.76%; 国有控股
#   mean 14.96%; 公用事业 23.95%, 交通运输 20.97%. So a few to twenty-odd percent, higher for utilities —
#   not ~100%, which is what 销售收现比 (cash received ÷ revenue) would look like.
# - 营业收入 (extra row) follows from 利润总额 and a 营业收入利润率 per category around the 财政部 monthly report's
#   totals (2023年1—7月 利润总额 27332.5亿元 ÷ 营业总收入 477160.7亿元 ≈ 5.7%).
# - 利润总额, 净资产收益率, 全员劳动生产率: scale of district-level (区属) enterprises, not from the statistics
#   above (national ROE ≈ 4%–5% bounds 商业一类 from above; 公益类 earn little by design).
CORE_BASE: dict[str, dict[str, tuple[float, float]]] = {
    "利润总额": {"商业一类": (3000, 12000), "商业二类": (1000, 6000), "公益类": (100, 1500)},
    "净利润": {"商业一类": (0.72, 0.80), "商业二类": (0.70, 0.80), "公益类": (0.75, 0.90)},  # share of 利润总额
    "资产负债率": {"商业一类": (55, 66), "商业二类": (62, 75), "公益类": (45, 62)},
    "净资产收益率": {"商业一类": (3.5, 7), "商业二类": (1.5, 4.5), "公益类": (0.3, 2.5)},
    "全员劳动生产率": {"商业一类": (40, 90), "商业二类": (30, 70), "公益类": (15, 40)},
    "营业现金比率": {"商业一类": (6, 15), "商业二类": (8, 20), "公益类": (12, 26)},
}
# 营业收入利润率 (利润总额 ÷ 营业收入) per category, around the national ≈5.7% above.
PROFIT_MARGIN: dict[str, tuple[float, float]] = {
    "商业一类": (0.06, 0.12),
    "商业二类": (0.03, 0.08),
    "公益类": (0.01, 0.05),
}
# Benchmark (标杆企业现状) over the baseline: a leading enterprise of the same trade, not a different order of size.
BENCH_MULT: dict[str, tuple[float, float]] = {"营业现金比率": (1.2, 1.6), "净资产收益率": (1.3, 1.8)}
# The H2 progress report (filed by 01-15) gives preliminary full-year figures; the completion report (by 01-31)
# the final ones: they differ by at most this share.
PROGRESS_TOLERANCE = 0.02
# (dimension, task, unit, baseline range, benchmark multiplier, measures)
EXTRA_POOL = [
    ("科技创新", "研发投入强度", "%", (0.5, 3.0), 1.6, "设立研发专项资金，与高校共建研发平台"),
    ("科技创新", "有效发明专利数", "件", (2, 30), 2.0, "完善专利激励办法"),
    ("数字化变革", "业财一体化覆盖子企业数", "个", (1, 8), 2.0, "融入市国资委数智业财一体化建设"),
    ("数字化变革", "数字化项目投资", "万元", (50, 800), 2.5, "推进智慧运营平台建设"),
    ("人才队伍建设", "本科以上学历占比", "%", (50, 80), 1.2, "校园招聘、在职学历提升"),
    ("人才队伍建设", "引进高层次人才", "人", (2, 20), 2.0, "实施人才引进专项计划"),
    ("产品质量服务质量", "客户满意度", "%", (85, 95), 1.04, "建立客户回访和投诉闭环机制"),
    ("市场化经营管理", "经理层成员任期制契约化覆盖率", "%", (60, 95), 1.05, "全面推行经理层成员任期制和契约化管理"),
    ("企业文化", "企业文化宣贯覆盖率", "%", (70, 95), 1.05, "开展企业文化进基层活动"),
    ("企业实力", "营业收入", "万元", (20000, 300000), 1.5, "拓展市场化业务"),
    ("企业效益", "成本费用利润率", "%", (3, 12), 1.5, "压降两金、严控非生产性支出"),
]


@dataclass(frozen=True)
class Row:
    dimension: str | None  # None: a pre-filled core indicator row
    task: str
    unit: str
    lower_is_better: bool
    baseline: float
    benchmark: float
    targets: dict[int, float]
    actuals: dict[int, float]
    measures: str


def _fmt(value: float, unit: str) -> str:
    if unit in ("件", "个", "人"):
        return f"{max(round(value), 0)}{unit}"
    digits = 0 if unit == "万元" and abs(value) >= 1000 else 1 if unit != "%" or abs(value) >= 10 else 2
    return f"{value:.{digits}f}{unit}"


def fmt(value: float, unit: str) -> str:
    return _fmt(value, unit)


def enterprise_rows(config: CampaignConfig, enterprise: Enterprise, seed: int, years: list[int]) -> list[Row]:
    rng = random.Random(f"data:{seed}:{enterprise.code}")
    category = enterprise.category.value
    ambition = 1.5 if random.Random(f"ambition:{enterprise.code}").random() < 0.3 else 1.0  # stretch targets
    form = rng.gauss(1.0, 0.06)  # how well this enterprise does against its own targets
    rows: list[Row] = []
    profit = rng.uniform(*CORE_BASE["利润总额"][category])
    for ind in config.core_indicators:
        low, high = CORE_BASE.get(ind.name, {}).get(category, (50, 100))
        base = (
            profit
            if ind.name == "利润总额"
            else profit * rng.uniform(low, high)
            if ind.name == "净利润"
            else rng.uniform(low, high)
        )
        lower = ind.direction == "lower"
        bench = base - rng.uniform(8, 15) if lower else base * rng.uniform(*BENCH_MULT.get(ind.name, (1.3, 1.8)))
        rows.append(
            _trajectory(rng, None, ind.name, ind.unit, lower, base, bench, years, ambition, form, "压降成本、提质增效")
        )
    for dim, task, unit, (low, high), mult, measures in rng.sample(EXTRA_POOL, rng.randint(2, 5)):
        base = profit / rng.uniform(*PROFIT_MARGIN[category]) if task == "营业收入" else rng.uniform(low, high)
        bench = min(base * mult, 100.0) if unit == "%" else base * mult
        rows.append(_trajectory(rng, dim, task, unit, False, base, bench, years, ambition, form, measures))
    return rows


def _trajectory(rng, dim, task, unit, lower, base, bench, years, ambition, form, measures) -> Row:
    targets, actuals, prev = {}, {}, base
    for year in years:
        if lower:
            target = prev - rng.uniform(0.5, 2.5) * ambition
            actual = target + rng.gauss(0, 1.5) - (form - 1) * 20
        else:
            target = prev * (1 + rng.uniform(0.04, 0.10) * ambition)
            actual = target * rng.gauss(form, 0.08)
        if unit == "%" and not lower:
            target, actual = min(target, 100.0), min(actual, 100.0)
        targets[year], actuals[year], prev = target, actual, actual
    return Row(dim, task, unit, lower, base, bench, targets, actuals, measures)


def target_text(row: Row, year: int) -> str:
    value = _fmt(row.targets[year], row.unit)
    return ("≤" + value) if row.lower_is_better else value
