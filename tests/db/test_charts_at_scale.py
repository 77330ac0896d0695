"""Past thirty enterprises a chart with a bar per enterprise is unreadable: the half-year report charts the
core indicators per 功能分类 (mean of each), and its tables still list every enterprise."""

from __future__ import annotations

from datetime import datetime

from campaign.config.model import load_config
from campaign.half_year.outputs import write_outputs
from campaign.half_year.rules import HalfYearSummary

CONFIG = load_config()
CATEGORIES = ["商业一类", "商业二类", "公益类"]


def test_half_year_core_indicator_charts_show_category_means_past_thirty_enterprises(tmp_path):
    codes = [f"SIM{k:04d}" for k in range(40)]
    categories = {c: CATEGORIES[k % 3] for k, c in enumerate(codes)}
    indicator = CONFIG.core_indicators[0].name
    rows = [
        # 商业一类 (k % 3 == 0) at target 100, the others at 10: the means differ by category.
        {"code": c, "target": 100.0 if k % 3 == 0 else 10.0, "value": 50.0, "benchmark": None, "progress": 0.5}
        for k, c in enumerate(codes)
    ]
    summary = HalfYearSummary(
        total=40,
        on_time=codes,
        late=[],
        rejected=[],
        missing=[],
        completeness_rate=1.0,
        timeliness_rate=1.0,
        by_category={
            c: {"total": 13, "reported": 13, "on_time": 13, "completeness": 1.0, "timeliness": 1.0} for c in CATEGORIES
        },
        dimension_progress={},
        indicators={indicator: rows},
    )
    deliverable = next(d for d in CONFIG.deliverables if d.period == "2023H1")
    names = {c: f"模拟企业{c[3:]}" for c in codes}
    out = write_outputs(tmp_path, CONFIG, deliverable, summary, names, categories, {}, datetime(2023, 7, 20, 9))
    html = open(out["html"], encoding="utf-8").read()
    chart = html[html.index("chart-indicator-1") :]
    chart = chart[: chart.index("</svg>")]
    assert f"{indicator}（各功能分类平均，共40户）" in chart
    assert "年度目标值（平均）" in chart and "模拟企业0001" not in chart
    assert all(c in chart for c in CATEGORIES)
