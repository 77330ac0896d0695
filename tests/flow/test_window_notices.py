"""完成情况 / 评估报告 windows are announced when they open, with each enterprise's template, once."""

from __future__ import annotations

from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.workbook import schema as s
from tests.conftest import read_outbox


def test_completion_window_notice_with_templates_sent_once(prefect_harness, initialized_home):
    from flows.window_notices import window_notices

    first = window_notices(["completion-2023"], as_of=resolve_as_of("2024-01-02"))
    again = window_notices(["completion-2023"], as_of=resolve_as_of("2024-01-03"))
    assert (first["notices"], first["sent"], again["sent"]) == (9, 9, 0)
    notice = next(m for m in read_outbox(initialized_home) if m["key"] == "notice:completion-2023:DDK004")
    assert "2024年1月31日（星期三）前报送" in notice["body"]
    assert "区国资委生成的是空白模板：DDK004_completion-2023.xlsx" in notice["body"]
    template = initialized_home / "outgoing/completion-2023/DDK004_completion-2023.xlsx"
    meta = {r[0]: r[1] for r in load_workbook(template)[s.META_SHEET].iter_rows(values_only=True)}
    assert meta["deliverable_id"] == "completion-2023" and meta["enterprise_code"] == "DDK004"


def test_evaluation_window_groups_both_deliverables_in_one_notice(prefect_harness, initialized_home):
    from flows.window_notices import window_notices

    result = window_notices(["evaluation-report-2025", "completion-final-2025"], as_of=resolve_as_of("2025-03-03"))
    assert result["sent"] == 9
    notice = next(
        m
        for m in read_outbox(initialized_home)
        if m["key"] == "notice:evaluation-report-2025+completion-final-2025:DDK001"
    )
    assert "价值创造行动评估报告" in notice["title"] and "2025年6月30日（星期一）前报送" in notice["body"]
