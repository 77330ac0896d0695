"""Annual assessment: scores per row, SASAC adjustments with reasons, totals, ranks within 功能分类, grades."""

from __future__ import annotations

import pytest

from campaign.assessment.rules import (
    Adjustment,
    Item,
    apply_adjustments,
    finalize,
    score_enterprise,
)
from campaign.config.model import load_config
from campaign.errors import AdjustmentError

SCORING = load_config().scoring


def _items(profit_actual: float, debt_actual: float = 60.0) -> list[Item]:
    return [
        Item(1, "企业效益", "利润总额", 1000, profit_actual, indicator="利润总额"),
        Item(2, "企业效益", "资产负债率", 65, debt_actual, indicator="资产负债率", direction="lower"),
        Item(3, "科技创新", "研发投入强度", 2.0, 2.0),
        Item(4, "企业文化", "价值创造理念宣贯", None, None),
    ]


def test_rows_are_scored_by_their_rules_and_weights_sum_to_100():
    r = score_enterprise("DDK003", "示例", "商业一类", _items(900), SCORING)
    assert sum(i.weight for i in r.items) == pytest.approx(100)
    profit, debt, rd, culture = r.items
    assert profit.score == pytest.approx(profit.weight * 0.75, abs=0.01)  # 90%: (90% − 60%) ÷ 40% of the row
    assert debt.score == pytest.approx(debt.weight)  # 60% <= 65% target: full marks, capped at 100%
    assert rd.score == rd.weight
    assert culture.score is None and culture.rule.kind == "manual"
    assert profit.rule_text.startswith("完成率（实际完成值÷目标值）达到100%得")


def test_adjustments_are_validated_and_returned_for_the_audit():
    results = {"DDK003": score_enterprise("DDK003", "示例", "商业一类", _items(900), SCORING)}
    culture_weight = results["DDK003"].items[3].weight
    changes = apply_adjustments(results, [Adjustment("DDK003", 4, culture_weight, "宣贯到位，现场检查确认")])
    assert [(c.row_no, c.old, c.new) for c in changes] == [(4, None, culture_weight)]
    assert results["DDK003"].items[3].adjusted
    with pytest.raises(AdjustmentError, match="第 4 行的得分应在 0 到"):
        apply_adjustments(results, [Adjustment("DDK003", 4, 999, "太高")])
    with pytest.raises(AdjustmentError, match="缺少理由"):
        apply_adjustments(results, [Adjustment("DDK003", 1, 1, " ")])
    with pytest.raises(AdjustmentError, match="没有第 9 行"):
        apply_adjustments(results, [Adjustment("DDK003", 9, 1, "x")])


def test_totals_ranks_within_category_and_grades():
    results = [
        score_enterprise("DDK002", "甲", "商业一类", _items(1300), SCORING),  # over-fulfils: no bonus for it
        score_enterprise("DDK003", "乙", "商业一类", _items(1300), SCORING),  # the same rows
        score_enterprise("DDK007", "丙", "商业一类", _items(500), SCORING),  # below the 60% floor on profit
        score_enterprise("DDK004", "丁", "公益类", _items(1000), SCORING),
    ]
    final = {r.code: r for r in finalize(results, SCORING)}
    assert final["DDK002"].total == final["DDK003"].total  # the seed has no bonus: the same rows, the same total
    assert [final[c].rank_in_category for c in ("DDK002", "DDK003", "DDK007")] == [1, 1, 3]
    assert (final["DDK004"].rank_in_category, final["DDK004"].category_size) == (1, 1)
    assert final["DDK007"].items[0].score == 0 and final["DDK007"].items[0].note == "完成率低于60%，不得分"
    assert "第4行（价值创造理念宣贯）为定性指标，未评定，按 0 分计" in final["DDK004"].notes  # no 序号 on this row
    assert final["DDK007"].grade == "不合格"


def test_equal_totals_share_a_rank():
    a = score_enterprise("DDK001", "甲", "商业二类", _items(1000), SCORING)
    b = score_enterprise("DDK006", "乙", "商业二类", _items(1000), SCORING)
    assert [r.rank_in_category for r in finalize([a, b], SCORING)] == [1, 1]
