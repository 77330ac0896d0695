"""Pure rules of the final review: completion, gap closed to the benchmark, candidate proposals."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.assessment.rules import Item
from campaign.config.model import FinalReviewConfig, load_config, parse_config
from campaign.errors import ConfigError
from campaign.final_review.rules import (
    BENCHMARK,
    EXEMPLAR,
    EnterpriseData,
    IndicatorPoints,
    Unit,
    YearScore,
    gap_closed,
    review,
    trajectory,
    year_completion,
)

RULES = FinalReviewConfig()


@pytest.mark.parametrize(
    ("baseline", "latest", "benchmark", "direction", "ratio", "status", "met", "note"),
    [
        (100, 150, 200, "higher", 0.5, "closed", True, "差距缩小 50%"),
        (100, 140, 200, "higher", 0.4, "closed", False, "差距缩小 40%"),
        (100, 250, 200, "higher", 1.5, "closed", True, "已追平或超越标杆"),
        (100, 80, 200, "higher", -0.2, "closed", False, "较基期退步，差距扩大 20%"),
        # 资产负债率: lower is better. 70% -> 62% against a 60% benchmark closes 80%.
        (70, 62, 60, "lower", 0.8, "closed", True, "差距缩小 80%"),
        (70, 72, 60, "lower", -0.2, "closed", False, "较基期退步"),
        # losses: -500 -> -100 against a benchmark of +300 closes half the gap
        (-500, -100, 300, "higher", 0.5, "closed", True, "差距缩小 50%"),
        # no gap at the start: kept or lost
        (200, 210, 200, "higher", None, "no_gap", True, "仍保持在标杆水平"),
        (200, 190, 200, "higher", None, "no_gap", False, "已落后于标杆水平"),
        (55, 58, 60, "lower", None, "no_gap", True, "基期已达到或优于标杆水平"),
        (55, 61, 60, "lower", None, "no_gap", False, "已落后于标杆水平"),
        (None, 150, 200, "higher", None, "missing", False, "缺少基期值（企业现状）"),
        (100, 150, None, "higher", None, "missing", False, "缺少标杆值（标杆企业现状）"),
        (100, None, None, "higher", None, "missing", False, "缺少最新实际值、标杆值"),
    ],
)
def test_gap_closed(baseline, latest, benchmark, direction, ratio, status, met, note):
    gap = gap_closed(baseline, latest, benchmark, direction, 0.5)
    assert gap.ratio == (pytest.approx(ratio) if ratio is not None else None)
    assert (gap.status, gap.met) == (status, met)
    assert note in gap.note


def _item(target, actual, direction="higher", indicator=None):
    return Item(1, "企业效益", indicator or "x", target, actual, indicator, direction)


@pytest.mark.parametrize(
    ("items", "quantified", "reached", "ratio", "missing"),
    [
        ([_item(100, 100), _item(100, 50)], 2, 1, 0.75, 0),
        ([_item(65, 60, "lower"), _item(65, 70, "lower")], 2, 1, (65 / 60 + 65 / 70) / 2, 0),
        ([_item(100, None), _item(None, 5)], 1, 0, 0.0, 1),  # unquantified rows do not count
        ([_item(0, 10), _item(-500, -200)], 2, 2, 1.0, 0),  # 扭亏 and 减亏 reached count as 1.0 (progress_ratio)
        ([_item(100, 400)], 1, 1, 1.5, 0),  # one runaway value is clipped
    ],
)
def test_year_completion(items, quantified, reached, ratio, missing):
    c = year_completion(items)
    assert (c.quantified, c.reached, c.missing_actuals) == (quantified, reached, missing)
    assert c.average_ratio == pytest.approx(ratio, abs=1e-4)


def test_year_completion_without_quantified_rows_is_none():
    assert year_completion([]) is None
    assert year_completion([_item(None, 3)]) is None


def test_trajectory_uses_latest_available_year():
    p = IndicatorPoints("利润总额", "万元", "higher", 100, 200, {2023: 120, 2024: 150}, {2023: 130, 2024: None})
    t = trajectory(p, 0.5)
    assert (t.latest, t.latest_year, t.gap.ratio) == (130, 2023, pytest.approx(0.3))


def _points(closed: list[bool]) -> list[IndicatorPoints]:
    # baseline 100, benchmark 200: latest 160 closes 60%, 120 closes 20%
    return [
        IndicatorPoints(f"指标{i}", "万元", "higher", 100, 200, {2024: 150}, {2023: 110, 2024: 160 if c else 120})
        for i, c in enumerate(closed)
    ]


LOGISTICS = Unit("甲物流有限公司", "现代物流", "中国外运股份有限公司", "2024年度价值创造行动目标任务（附件1）")


def _ent(
    code="E1",
    units=(LOGISTICS,),
    grades=("优秀", "优秀"),
    totals=(95, 96),
    closed=(True, True, True),
    report=date(2025, 5, 10),
    reached=(2, 2),
):
    scores = {y: YearScore(t, 1, 3, g) for y, g, t in zip((2023, 2024), grades, totals, strict=False) if g}
    items = {
        y: [_item(100, 100 if k < r else 50) for k in range(2)] for y, r in zip((2023, 2024), reached, strict=False)
    }
    return EnterpriseData(
        code, f"企业{code}", "商业一类", items, _points(list(closed)), scores, report, units=list(units)
    )


@pytest.mark.parametrize(
    ("enterprise", "kinds"),
    [
        (_ent(), {EXEMPLAR, BENCHMARK}),
        (_ent(units=()), {EXEMPLAR}),  # 标杆 are its 创标 subsidiaries: none named, none proposed
        (_ent(grades=("优秀", "良好"), totals=(95, 88)), {BENCHMARK}),  # one year not 优秀
        (_ent(closed=(True, True, False)), {BENCHMARK}),  # two indicators closed, three required
        (_ent(report=None), {EXEMPLAR}),  # 标杆 requires the evaluation report
        (_ent(totals=(95, 70), grades=("优秀", "优秀")), {EXEMPLAR}),  # average 82.5 < 85
        (_ent(reached=(2, 1)), {EXEMPLAR}),  # 2024: 1 of 2 rows reached is 50% < 60%
        (_ent(grades=("优秀", None)), set()),  # 2024 not assessed: neither
        (_ent(totals=(60, 70), grades=("合格", "合格")), set()),
    ],
)
def test_candidates(enterprise, kinds):
    rules = load_config().final_review
    result = review([enterprise], rules)
    assert {c.kind for c in result.candidates} == kinds


def test_candidate_explanations_name_the_numbers():
    rules = load_config().final_review
    result = review([_ent(totals=(95, 96.5))], rules)
    by_kind = {c.kind: c.explanation for c in result.candidates}
    assert by_kind[EXEMPLAR] == (
        "2023年度考核“优秀”（95分）、2024年度考核“优秀”（96.5分），均达到“优秀”；"
        "3项核心指标与标杆差距缩小比例达到50%（要求至少3项）：指标0 60%、指标1 60%、指标2 60%。"
    )
    assert by_kind[BENCHMARK] == (
        "在2024年度价值创造行动目标任务（附件1）中列为创标企业（重点培育为标杆的子企业），业务板块：现代物流，"
        "对标企业：中国外运股份有限公司；所属企业2个年度考核平均95.75分（不低于85分）：2023年95分、2024年96.5分；"
        "量化目标达成比例均不低于60%：2023年2/2项（100%）、2024年2/2项（100%）；评估报告已于2025年5月10日报送并接收。"
    )


def test_category_summary_averages_over_enterprises():
    a, b = _ent("A", totals=(90, 100)), _ent("B", totals=(70, 80), grades=("合格", "良好"), reached=(0, 2))
    cat = review([a, b], RULES).categories[0]
    assert (cat.category, cat.enterprises) == ("商业一类", 2)
    assert cat.average_total == {2023: 80, 2024: 90}
    assert cat.completion_share == {2023: 0.5, 2024: 1.0}


def test_config_rules_are_validated():
    raw = load_config().model_dump(mode="json")
    raw["final_review"]["exemplar"]["grade"] = "卓越"
    with pytest.raises(ConfigError, match="final_review.exemplar.grade"):
        parse_config(raw)
    raw = load_config().model_dump(mode="json")
    raw["final_review"]["years"] = [2023, 2026]
    with pytest.raises(ConfigError, match="2026 年度没有完成情况"):
        parse_config(raw)
    raw = load_config().model_dump(mode="json")
    raw["final_review"]["gap_closed_threshold"] = 0
    with pytest.raises(ConfigError, match="final_review.gap_closed_threshold"):
        parse_config(raw)


def test_an_enterprise_with_a_required_file_missing_is_never_proposed_and_the_files_are_named():
    from dataclasses import replace

    rules = load_config().final_review
    files = ["价值创造行动评估报告", "价值创造行动目标任务完成情况（2023—2024年度汇总）"]
    owes = replace(_ent(code="E2"), missing=files)
    result = review([_ent(), owes], rules)
    assert {c.code for c in result.candidates} == {"E1"}
    assert {(c.code, c.kind) for c, _ in result.withheld} == {("E2", EXEMPLAR), ("E2", BENCHMARK)}
    assert [(r.data.code, files) for r, files in result.missing] == [
        ("E2", ["价值创造行动评估报告", "价值创造行动目标任务完成情况（2023—2024年度汇总）"])
    ]
    assert result.missing_files == 2


def test_value_creation_benchmarks_are_the_enterprises_named_subsidiaries_with_the_evidence():
    rules = load_config().final_review
    park = Unit("甲园区运营有限公司", "园区运营", "苏州工业园区股份有限公司", "2024年度价值创造行动目标任务（附件1）")
    result = review([_ent(units=(LOGISTICS, park)), _ent(code="E2", units=())], rules)
    benchmarks = [c for c in result.candidates if c.kind == BENCHMARK]
    assert [(c.code, c.unit.name if c.unit else None) for c in benchmarks] == [
        ("E1", "甲物流有限公司"),
        ("E1", "甲园区运营有限公司"),
    ]
    assert benchmarks[1].who == "甲园区运营有限公司（企业E1所属，园区运营）"
    assert "业务板块：园区运营，对标企业：苏州工业园区股份有限公司" in benchmarks[1].explanation
    # E2 meets the rule but named no 创标企业: nobody to propose, and the review says so
    assert "E2 企业E2：满足价值创造标杆条件，但目标任务中说明没有创标企业，没有可推荐的标杆单位" in result.notes
