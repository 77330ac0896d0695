"""Half-year summary rules: rates overall and per 功能分类, progress per dimension, who needs attention."""

from __future__ import annotations

import pytest

from campaign.half_year.rules import (
    EnterpriseStatus,
    ReportedRow,
    progress_ratio,
    summarize,
)

STATUSES = [
    EnterpriseStatus("A", "甲", "商业一类", "accepted"),
    EnterpriseStatus("B", "乙", "商业一类", "late"),
    EnterpriseStatus("C", "丙", "公益类", "rejected"),
    EnterpriseStatus("D", "丁", "公益类", "missing"),
    EnterpriseStatus("E", "戊", "公益类", "accepted"),
]


@pytest.mark.parametrize(
    ("target", "value", "direction", "expected"),
    [
        (100, 50, "higher", 0.5),
        (100, 300, "higher", 1.5),
        (65, 70, "lower", 65 / 70),
        (65, 0, "lower", 1.5),
        (0, 5, "higher", 1.0),
        (-50, -100, "higher", 0.0),
        (None, 5, "higher", None),
        (10, None, "higher", None),
    ],
)
def test_progress_ratio(target, value, direction, expected):
    result = progress_ratio(target, value, direction)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_rates_lists_and_attention():
    rows = [
        ReportedRow("A", "企业效益", "利润总额", 1000, 600, "利润总额", benchmark=1500),
        ReportedRow("A", "科技创新", "研发投入强度", 2, 1),
        ReportedRow("B", "企业效益", "利润总额", 1000, 200, "利润总额"),
        ReportedRow("E", "企业效益", "资产负债率", 65, 60, "资产负债率", direction="lower"),
    ]
    summary = summarize(STATUSES, rows, attention_below=0.4)
    assert (summary.on_time, summary.late, summary.rejected, summary.missing) == (["A", "E"], ["B"], ["C"], ["D"])
    assert summary.completeness_rate == 0.6 and summary.timeliness_rate == 0.4
    assert summary.by_category["商业一类"] == {
        "total": 2,
        "reported": 2,
        "on_time": 1,
        "completeness": 1.0,
        "timeliness": 0.5,
    }
    assert summary.by_category["公益类"]["completeness"] == pytest.approx(1 / 3, abs=1e-4)
    assert summary.dimension_progress["企业效益"] == pytest.approx((0.6 + 0.2 + 65 / 60) / 3, abs=1e-4)
    assert summary.indicators["利润总额"][0] == {
        "code": "A",
        "target": 1000,
        "value": 600,
        "benchmark": 1500,
        "progress": 0.6,
    }
    attention = {a["code"]: a["reasons"] for a in summary.attention}
    assert attention == {
        "B": ["逾期报送", "半年平均完成进度 20%，低于 40%"],
        "C": ["报送材料被退回，尚未重新报送合格材料"],
        "D": ["未报送进展情况"],
    }
