"""The cross-check's comparisons: every difference is named once, with both sides."""

from __future__ import annotations

from campaign.check.rules import MISSING, compare, half_year_word, score_statement


def test_agreeing_sides_give_no_disagreement():
    assert compare("半年汇总", "x.xlsx", {"DDK001": "按时报送"}, {"DDK001": "按时报送"}) == []


def test_a_difference_and_a_subject_missing_on_either_side_are_each_named():
    found = compare(
        "半年汇总", "x.xlsx", {"DDK001": "未报送", "DDK009": "按时报送"}, {"DDK001": "逾期报送", "DDK002": "未报送"}
    )
    assert [(d.subject, d.report_says, d.database_says) for d in found] == [
        ("DDK001", "未报送", "逾期报送"),
        ("DDK002", MISSING, "未报送"),
        ("DDK009", "按时报送", MISSING),
    ]
    assert found[0].line() == "[半年汇总] x.xlsx｜DDK001：报告为“未报送”，数据库为“逾期报送”"


def test_cells_are_read_as_the_reports_print_them():
    assert half_year_word("逾期报送（2023年7月20日接收）") == "逾期报送"
    assert half_year_word(None) == ""
    assert score_statement(87.4, "良好") == score_statement("87.40", "良好") == "87.40 良好"
    assert score_statement(None, None) == "— —"
