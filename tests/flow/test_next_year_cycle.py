"""2024年初: next year's list is pre-filled from last year's list, actuals and scores, and it files cleanly."""

from __future__ import annotations

from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.next_year.outputs import PriorRow, carry_over_row
from campaign.workbook import schema as s
from tests.conftest import read_outbox
from tests.flow.test_half_year_collection import _submit
from tests.support.assessment import ACTUALS, file_list

CONFIG = load_config()


def test_carry_over_row_moves_actual_to_current_status_and_clears_the_target():
    prior = PriorRow(
        11, "科技创新", "研发投入强度", None, "行业标杆3%", "1.8个百分点", "达到3%", "设立研发专项资金", "2%", "1%", 0.0
    )
    values = carry_over_row(prior, 2023)
    assert values["current_status"] == "2023年实际完成值：1%"
    assert values["annual_target"] is None
    assert values["remarks"] == "2023年度目标值：2%；考核得分：0"
    assert values["benchmark_status"] == "行业标杆3%"


def test_next_year_cycle_prefills_and_the_filled_list_is_accepted(prefect_harness, initialized_home, tmp_path):
    from flows.annual_assessment import annual_assessment
    from flows.next_year_cycle import next_year_cycle

    file_list(tmp_path, "DDK005", "completion-2023", ACTUALS["weak"], "2024-01-25")
    final = annual_assessment(2023, as_of=resolve_as_of("2024-01-30"), approve_as="演练审核人")  # no pause
    assert final["status"] == "final" and final["reviewer"] == "演练审核人"
    result = next_year_cycle(2024, as_of=resolve_as_of("2024-02-01"))
    assert (result["notices"], result["sent"]) == (9, 9)
    assert next_year_cycle(2024, as_of=resolve_as_of("2024-02-02"))["sent"] == 0

    path = initialized_home / "outgoing/task-list-2024/DDK005_task-list-2024.xlsx"
    ws = load_workbook(path)[s.SHEET_TITLE]
    col = {k: i for i, k in enumerate(s.COLUMN_KEYS, start=1)}
    assert ws.cell(s.FIRST_DATA_ROW, col["level2"]).value == "利润总额（万元）"
    assert ws.cell(s.FIRST_DATA_ROW, col["current_status"]).value == "2023年实际完成值：6000"
    assert ws.cell(s.FIRST_DATA_ROW, col["annual_target"]).value is None
    assert ws.cell(s.FIRST_DATA_ROW + 6, col["level2"]).value == "研发投入强度"
    assert ws.cell(s.FIRST_DATA_ROW + 6, col["remarks"]).value == "2023年度目标值：2%；考核得分：0"  # below the floor
    assert (initialized_home / "outgoing/targets-2024/DDK005_targets-2024.docx").is_file()
    notice = next(m for m in read_outbox(initialized_home) if m["key"] == "notice:cycle-2024:DDK005")
    assert "2024年3月15日" in notice["body"] and "（9 项任务）" in notice["body"]

    wb = load_workbook(path)
    ws = wb[s.SHEET_TITLE]
    for row, target in zip(
        range(s.FIRST_DATA_ROW, s.FIRST_DATA_ROW + 9),
        ["13000万元", "9800", "≤64%", "7%", "85", "≥92%", "2.2%", "3", "70%"],
        strict=False,
    ):
        ws.cell(row, col["annual_target"], target)
    filled = tmp_path / "DDK005_task-list-2024.xlsx"
    wb.save(filled)
    outcome = _submit(filled, "2024-03-01")
    assert outcome.accepted, outcome.problems
    assert outcome.deliverable == "task-list-2024" and outcome.items == 9
