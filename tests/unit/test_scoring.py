"""Scoring rules: table-driven, with the edge cases SASAC meets in practice."""

from __future__ import annotations

import math

import pytest

from campaign.assessment.scoring import (
    Rule,
    allocate_weights,
    completion,
    grade,
    score_row,
)

PROP = Rule("proportional", floor=0.6, cap=1.0)


@pytest.mark.parametrize(
    ("kind", "target", "actual", "direction", "expected"),
    [
        ("proportional", 1000, 800, "higher", 0.8),
        ("proportional", 1000, 1500, "higher", 1.5),  # over 100% is reported as such; the cap applies in scoring
        ("proportional", 0, 10, "higher", 1.0),  # 扭亏 target reached
        ("proportional", 0, -10, "higher", 0.0),  # still a loss
        ("proportional", -500, -1000, "higher", 0.5),  # 减亏: loss twice the allowed
        ("proportional", -500, -250, "higher", 2.0),
        ("proportional", -500, 100, "higher", math.inf),  # turned a profit
        ("lower_is_better", 65, 70, "lower", 65 / 70),  # 资产负债率 above target
        ("lower_is_better", 65, 60, "lower", 65 / 60),
        ("lower_is_better", 65, 0, "lower", math.inf),
        ("proportional", 65, 70, "lower", 65 / 70),  # a lower-is-better indicator under the default rule
        ("threshold", 100, 99.9, "higher", 0.0),
        ("threshold", 100, 100, "higher", 1.0),
        ("threshold", 65, 64, "lower", 1.0),
    ],
)
def test_completion(kind, target, actual, direction, expected):
    assert completion(kind, target, actual, direction) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("rule", "weight", "target", "actual", "direction", "score", "note"),
    [
        (PROP, 10, 1000, 800, "higher", 5.0, "完成率80.0%，未达到目标，按（80.0%−60%）÷40%折算得5分"),  # from the floor
        (Rule("proportional", 0.6, 1.0, "ratio"), 10, 1000, 800, "higher", 8.0, ""),  # the old口径, still configurable
        (PROP, 10, 1000, 1300, "higher", 10.0, ""),  # capped at 100%
        (Rule("proportional", 0.6, 1.2), 10, 1000, 1300, "higher", 12.0, ""),  # cap 120%
        (PROP, 10, 1000, 500, "higher", 0.0, "完成率低于60%，不得分"),
        (PROP, 10, 1000, None, "higher", 0.0, "未填报实际完成值，不得分"),
        (PROP, 10, None, 900, "higher", 0.0, "年度目标值未量化，不得分"),
        (
            Rule("lower_is_better", 0.8, 1.0),
            5,
            65,
            70,
            "lower",
            round(5 * (65 / 70 - 0.8) / 0.2, 2),
            "完成率92.9%，未达到目标，按（92.9%−80%）÷20%折算得3.21分",
        ),
        (Rule("threshold"), 6, 100, 120, "higher", 6.0, ""),
        (Rule("manual"), 6, 100, 120, "higher", None, "定性指标，待区国资委评定"),
    ],
)
def test_score_row(rule, weight, target, actual, direction, score, note):
    result = score_row(rule, weight, target, actual, direction)
    assert (result.score, result.note) == (score, note)


def test_weights_sum_to_exactly_100_and_skip_absent_dimensions():
    weights = {"企业效益": 40, "科技创新": 10, "企业文化": 6, "数字化变革": 8}
    alloc = allocate_weights(weights, {"企业效益": 6, "科技创新": 3, "企业文化": 0, "其他": 1})
    assert set(alloc) == {"企业效益", "科技创新", "其他"}
    assert alloc["其他"] == [0.0]  # no configured weight: 0 unless SASAC sets one
    assert sum(sum(v) for v in alloc.values()) == pytest.approx(100.0, abs=1e-9)
    assert alloc["企业效益"][0] == pytest.approx(100 * 40 / 50 / 6, abs=0.01)


def test_weights_when_only_unweighted_dimensions_exist():
    alloc = allocate_weights({}, {"其他": 3})
    assert sum(alloc["其他"]) == pytest.approx(100.0)


@pytest.mark.parametrize(("total", "name"), [(95, "优秀"), (90, "优秀"), (89.99, "良好"), (60, "合格"), (12, "不合格")])
def test_grade_bands(total, name):
    assert grade(total, [(90, "优秀"), (80, "良好"), (60, "合格"), (0, "不合格")]) == name


def test_rule_descriptions_are_what_sasac_writes_into_the_list():
    assert PROP.describe(10) == (
        "完成率（实际完成值÷目标值）达到100%得10分，60%至100%之间按（完成率−60%）÷40%×10分折算，低于60%不得分"
    )
    assert Rule("proportional", 0.6, 1.0, "ratio").describe(10) == (
        "按完成率（实际完成值÷目标值）×10分计分，完成率低于60%不得分，最高按100%计"
    )
    assert Rule("lower_is_better", cap=1.0).describe(5.5) == "按完成率（目标值÷实际完成值）×5.5分计分，最高按100%计"
    assert Rule("threshold").describe(6) == "达到年度目标值得6分，未达到不得分"
    assert Rule("manual").describe(6) == "定性评价，由区国资委评定（满分6分）"
