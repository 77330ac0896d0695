"""The annual assessment separates good from poor performance (issue 11, item 6), read as the office would:
a row's points follow its completion rate, the grade weighs how many targets were met, totals stay within
100, 公益类 is weighted 结合实际, and 专项督导 lists exactly the enterprises the grades single out."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from campaign.assessment.rules import Item, finalize, score_enterprise
from campaign.assessment.scoring import Rule, score_row
from campaign.config.model import ConfigError, load_config, parse_config
from campaign.final_review.rules import EnterpriseData, YearScore, review, supervision

CONFIG = load_config()
SCORING = CONFIG.scoring
CORE = [i.name for i in CONFIG.core_indicators]


def _rows(ratio_of_target: list[float]) -> list[Item]:
    """Six core indicators (企业效益) and three extra rows, each at the given share of its target."""
    items = []
    for n, share in enumerate(ratio_of_target, start=1):
        if n <= 6:
            name = CORE[n - 1]
            lower = name == "资产负债率"
            target = 60.0 if lower else 1000.0
            actual = target / share if lower else target * share
            direction = "lower" if lower else "higher"
            items.append(Item(n, "企业效益", name, target, actual, indicator=name, direction=direction))
        else:
            dim = ["科技创新", "数字化变革", "人才队伍建设"][n - 7]
            items.append(Item(n, dim, f"任务{n}", 100.0, 100.0 * share))
    return items


@pytest.mark.parametrize(
    ("completion", "share_of_row"),
    [(1.00, 1.0), (0.95, 0.875), (0.90, 0.75), (0.80, 0.5), (0.60, 0.0), (0.59, 0.0)],
)
def test_a_near_miss_does_not_score_near_full_marks(completion, share_of_row):
    row = score_row(Rule("proportional", floor=0.6, cap=1.0), 10, 1000, 1000 * completion)
    assert row.score == pytest.approx(10 * share_of_row, abs=0.01)


def test_the_office_reads_how_a_missed_row_was_scored():
    row = score_row(Rule("proportional", floor=0.6, cap=1.0), 10, 1000, 900)
    assert row.note == "完成率90.0%，未达到目标，按（90.0%−60%）÷40%折算得7.5分"
    assert Rule("proportional", 0.6).describe(10) == (
        "完成率（实际完成值÷目标值）达到100%得10分，60%至100%之间按（完成率−60%）÷40%×10分折算，低于60%不得分"
    )


def test_meeting_one_of_nine_targets_is_not_excellent_whatever_the_total():
    # 1 of 9 targets met, the other eight at 97-99%: a total in the 90s that once read 优秀
    shares = [1.0] + [0.99, 0.98, 0.99, 0.97, 0.99, 0.98, 0.99, 0.99]
    near = score_enterprise("DDK003", "差一点", "商业一类", _rows(shares), SCORING)
    good = score_enterprise("DDK007", "达成", "商业一类", _rows([1.0] * 6 + [0.9, 0.9, 1.0]), SCORING)
    final = {r.code: r for r in finalize([near, good], SCORING)}
    assert final["DDK003"].total >= 90 and (final["DDK003"].targets_met, final["DDK003"].quantified) == (1, 9)
    assert final["DDK003"].grade == "合格"
    assert "量化目标达成1/9项（11%），低于“优秀”要求的50%，等级为“合格”" in final["DDK003"].notes[-1]
    assert final["DDK007"].grade == "优秀"


def test_a_grade_follows_the_share_of_targets_met_at_each_band():
    four_of_nine = _rows([1.0] * 4 + [0.99] * 5)
    five_of_nine = _rows([1.0] * 5 + [0.99] * 4)
    a = score_enterprise("DDK001", "四项", "商业二类", four_of_nine, SCORING)
    b = score_enterprise("DDK006", "五项", "商业二类", five_of_nine, SCORING)
    final = {r.code: r for r in finalize([a, b], SCORING)}
    assert (final["DDK001"].grade, final["DDK006"].grade) == ("良好", "优秀")  # 44% < half; 56% ≥ half


def test_a_total_never_exceeds_100_and_over_fulfilment_earns_no_bonus():
    over = _rows([1.3] * 9)
    capped = Rule("proportional", 0.6, 1.2)  # an office that counts over-fulfilment up to 120%
    scoring = SCORING.model_copy(update={"default_rule": SCORING.default_rule.model_copy(update={"cap": 1.2})})
    assert score_row(capped, 10, 1000, 1300).score == 12.0
    star = score_enterprise("DDK002", "超额", "商业一类", over, scoring)
    missed = score_enterprise("DDK007", "两项未完成", "商业一类", _rows([1.3] * 7 + [0.8, 0.8]), SCORING)
    final = {r.code: r for r in finalize([star, missed], scoring)}
    assert final["DDK002"].total == 100
    assert any("总分按100分计" in n for n in final["DDK002"].notes)
    m = final["DDK007"]  # over-fulfilling seven rows does not make up for the two missed (no 创标 bonus any more)
    assert m.total == m.base_total < 100


def test_public_welfare_enterprises_are_weighted_to_their_mission():
    rows = _rows([1.0] * 9)
    commercial = score_enterprise("DDK003", "商业", "商业一类", rows, SCORING)
    public = score_enterprise("DDK004", "公益", "公益类", rows, SCORING)
    weight = {r.code: {i.item.title: i.weight for i in r.items} for r in (commercial, public)}
    assert sum(weight["DDK004"].values()) == pytest.approx(100)
    # 企业效益 counts less for 公益类, and inside it profit counts half a row, operating cash 1.5 rows
    assert sum(weight["DDK004"][c] for c in CORE) < sum(weight["DDK003"][c] for c in CORE)
    assert weight["DDK004"]["利润总额"] == pytest.approx(weight["DDK004"]["营业现金比率"] / 3, abs=0.02)
    assert weight["DDK003"]["利润总额"] == pytest.approx(weight["DDK003"]["营业现金比率"], abs=0.02)


def test_special_supervision_lists_exactly_the_enterprises_the_grades_single_out():
    years = [2023, 2024]
    shares = {
        "DDK001": [1.0] * 9,
        "DDK003": [1.0] + [0.99] * 8,
        "DDK006": [1.0] * 3 + [0.7] * 6,
        "DDK007": [1.0] * 7 + [0.9] * 2,
    }
    graded = {}
    for year in years:
        results = [score_enterprise(c, c, "商业一类", _rows(s), SCORING) for c, s in shares.items()]
        for r in finalize(results, SCORING):
            graded.setdefault(r.code, {})[year] = r

    def scores(c: str) -> dict[int, YearScore]:
        return {y: YearScore(graded[c][y].total, graded[c][y].rank_in_category, 4, graded[c][y].grade) for y in years}

    data = [EnterpriseData(c, c, "商业一类", {y: _rows(shares[c]) for y in years}, [], scores(c), None) for c in shares]
    result = review(data, CONFIG.final_review)
    listed = {r.data.code: why for r, why in supervision(result.enterprises, years, CONFIG.final_review)}
    by_grade = {c for c in shares if any(graded[c][y].grade in ("合格", "不合格") for y in years)}
    assert set(listed) == by_grade == {"DDK003", "DDK006"}
    assert listed["DDK003"][0].startswith("2023年度考核“合格”") and "量化目标达成1/9项" in listed["DDK003"][0]
    assert all(graded[c][y].grade != "优秀" for c in listed for y in years)


def test_the_weights_and_the_supervision_grades_are_checked_when_the_config_loads():
    raw = CONFIG.model_dump(mode="json")
    raw["scoring"]["categories"] = {"公益类": {"indicator_emphasis": {"利润": 0.5}}}
    raw["final_review"]["supervision_grades"] = ["较差"]
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    assert "scoring.categories.公益类.indicator_emphasis：不是核心指标：利润" in str(err.value)
    assert "final_review.supervision_grades：“较差”不是 scoring.grades 中的等级" in str(err.value)


def test_the_annual_report_and_linkage_sheet_show_the_share_that_decided_the_grade(tmp_path):
    from campaign.assessment.workbooks import build_linkage_sheet

    shares = [1.0] + [0.99, 0.98, 0.99, 0.97, 0.99, 0.98, 0.99, 0.99]
    result = finalize([score_enterprise("DDK003", "差一点", "商业一类", _rows(shares), SCORING)], SCORING)
    build_linkage_sheet(2023, result, CONFIG.campaign.issuer).save(tmp_path / "linkage.xlsx")
    sheet = load_workbook(tmp_path / "linkage.xlsx").active
    header = [c.value for c in sheet[3]]
    row = dict(zip(header, [c.value for c in sheet[4]], strict=True))
    assert (row["等级"], row["量化目标达成"]) == ("合格", "1/9")
    assert "量化目标达成1/9项（11%），低于“优秀”要求的50%" in row["说明"]


def test_past_thirty_enterprises_the_totals_chart_shows_the_two_ends_of_the_ranking():
    from datetime import datetime

    from campaign.assessment.outputs import annual_report_context

    categories = ["商业一类", "商业二类", "公益类"]
    results = finalize(
        [
            score_enterprise(
                f"SIM{k:04d}", f"模拟企业{k:04d}", categories[k % 3], _rows([0.62 + 0.009 * k] * 9), SCORING
            )
            for k in range(40)
        ],
        SCORING,
    )
    ranked = sorted(results, key=lambda r: -r.total)
    svg = annual_report_context(CONFIG, 2023, results, datetime(2024, 3, 1))["charts"]["totals"]
    assert "2023年度考核总分（共40户，前10名与后10名）" in svg
    shown = [r.name for r in results if r.name in svg]
    assert sorted(shown) == sorted(r.name for r in ranked[:10] + ranked[-10:])  # the middle twenty are left out


def test_category_means_skip_missing_values_and_say_when_a_category_has_none():
    from campaign.reports.charts import category_means

    rows = [("公益类", 10.0), ("商业一类", 3.0), ("公益类", None), ("公益类", 20.0), ("商业二类", None)]
    assert category_means(rows) == {"公益类": 15.0, "商业一类": 3.0, "商业二类": None}


def test_past_thirty_enterprises_the_final_review_charts_show_category_means_and_the_ends_of_the_ranking():
    from campaign.final_review.outputs import charts
    from campaign.final_review.rules import IndicatorPoints

    years = sorted(CONFIG.final_review.years)
    categories = ["商业一类", "商业二类", "公益类"]

    def points(k: int) -> list[IndicatorPoints]:
        return [
            IndicatorPoints(
                i.name,
                i.unit,
                i.direction,
                100.0 + k,
                150.0,
                {y: 110.0 + k for y in years},
                {y: 105.0 + k for y in years},
            )
            for i in CONFIG.core_indicators
        ]

    data = [
        EnterpriseData(
            f"SIM{k:04d}",
            f"模拟企业{k:04d}",
            categories[k % 3],
            {y: _rows([0.9] * 9) for y in years},
            points(k),
            {y: YearScore(60.0 + k, 1, 14, "合格") for y in years},
            None,
        )
        for k in range(40)
    ]
    main, indicators = charts(review(data, CONFIG.final_review), CONFIG)
    assert "各企业年度考核总分（共40户，前10名与后10名）（按年均总分）" in main["scores"]
    assert "模拟企业0039" in main["scores"] and "模拟企业0000" in main["scores"]
    assert "模拟企业0020" not in main["scores"]  # the middle of the ranking is left out
    assert "各功能分类平均，共40户" in main["gaps"] and "模拟企业" not in main["gaps"]
    trajectory = next(iter(indicators.values()))
    assert "各功能分类平均" in trajectory and "商业一类平均" in trajectory and "模拟企业" not in trajectory
