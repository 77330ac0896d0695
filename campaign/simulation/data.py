"""What a synthetic enterprise writes in its lists: plausible figures per 功能分类, seeded.

Baselines (企业现状) and benchmarks (标杆企业现状) of the six core indicators are drawn around
values typical of the category (a 公益类 water company earns far less and borrows less than a
商业一类 investment group); each year's targets grow on the previous actuals (about a third of the
enterprises set stretch targets); actuals land around the target, better or worse depending on the enterprise's "form".
Extra rows are drawn across the eight benchmark dimensions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from campaign.config.model import CampaignConfig, Enterprise

# indicator -> {category: (low, high)} of the baseline value
CORE_BASE: dict[str, dict[str, tuple[float, float]]] = {
    "利润总额": {"商业一类": (8000, 20000), "商业二类": (3000, 12000), "公益类": (300, 2500)},
    "净利润": {"商业一类": (0.70, 0.80), "商业二类": (0.65, 0.78), "公益类": (0.75, 0.90)},  # share of 利润总额
    "资产负债率": {"商业一类": (55, 68), "商业二类": (60, 75), "公益类": (45, 65)},
    "净资产收益率": {"商业一类": (5, 9), "商业二类": (2, 5.5), "公益类": (0.5, 3)},
    "全员劳动生产率": {"商业一类": (60, 120), "商业二类": (40, 90), "公益类": (20, 50)},
    "营业现金比率": {"商业一类": (80, 98), "商业二类": (75, 95), "公益类": (85, 100)},
}
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
        bench = base - rng.uniform(8, 15) if lower else base * rng.uniform(1.3, 1.8)
        rows.append(
            _trajectory(rng, None, ind.name, ind.unit, lower, base, bench, years, ambition, form, "压降成本、提质增效")
        )
    for dim, task, unit, (low, high), mult, measures in rng.sample(EXTRA_POOL, rng.randint(2, 5)):
        base = rng.uniform(low, high)
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
