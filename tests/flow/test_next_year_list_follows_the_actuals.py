"""The 2024 list goes out on 2024-01-02 before the 2023 actuals exist: its notice says what will be filled in and
when. Once the 2023 完成情况 is accepted the list is regenerated with 企业现状 = the 2023 actual and 存在差距
recomputed, and the enterprise is told once."""

from __future__ import annotations

import shutil

from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.intake.core import process_file
from campaign.next_year.outputs import PriorRow, recomputed_gap
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.conftest import read_outbox
from tests.flow.test_half_year_collection import _file_list
from tests.support.filling import fill

CONFIG = load_config()
COL = {k: i for i, k in enumerate(s.COLUMN_KEYS, start=1)}
DEGREE_ROW = s.FIRST_DATA_ROW + 8  # 本科以上学历占比: 标杆 85%, 2023 目标 68%


def _prior(benchmark: str | None, actual: str | None, target: str = "") -> PriorRow:
    return PriorRow(5, "企业效益", "资产负债率（%）", "资产负债率", benchmark, "差距明显", "", "", target, actual, None)


def test_gap_is_recomputed_from_the_actual_in_the_direction_of_the_indicator():
    assert recomputed_gap(_prior("85%", "68%"), 2023, False) == "按2023年实际完成值（68%）计，低于标杆17个百分点"
    assert recomputed_gap(_prior("55%", "62.5%"), 2023, True) == "按2023年实际完成值（62.5%）计，高于标杆7.5个百分点"
    assert recomputed_gap(_prior("12000万元", "12500万元"), 2023, False) == (
        "按2023年实际完成值（12500万元）计，已达到标杆企业现状"
    )
    assert recomputed_gap(_prior("行业前10%水平", "68%"), 2023, False) is None  # the enterprise writes it
    assert recomputed_gap(_prior("85万元", "68%"), 2023, False) is None  # units differ: no arithmetic across them


def _list_cells(home, row):
    ws = load_workbook(home / "outgoing/task-list-2024/DDK001_task-list-2024.xlsx")[s.SHEET_TITLE]
    return ws.cell(row, COL["current_status"]).value, ws.cell(row, COL["gap"]).value


def test_list_is_regenerated_with_the_actuals_once_the_completion_is_accepted(
    prefect_harness, initialized_home, tmp_path
):
    from flows.intake import intake
    from flows.next_year_cycle import next_year_cycle

    _file_list(tmp_path, "DDK001")
    next_year_cycle(2024, as_of=resolve_as_of("2024-01-02"))

    notice = next(m for m in read_outbox(initialized_home) if m["key"] == "notice:cycle-2024:DDK001")
    assert (
        "“企业现状”“存在差距”两列暂时为空：贵单位的2023年度价值创造行动目标任务完成情况（材料编号：completion-2023，"
        "2024年1月31日前报送）接收后，区国资委将以2023年实际完成值填入“企业现状”，按实际完成值与“标杆企业现状”"
        "重新计算“存在差距”，重新生成本清单并另行通知。" in notice["body"]
    )
    assert "已填入2023年实际完成值" not in notice["body"]
    assert _list_cells(initialized_home, DEGREE_ROW) == (None, None)  # not the 2023 baseline's gap text

    blank = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("completion-2023"), tmp_path)

    def actuals(wb, ws, col):
        for row in range(s.FIRST_DATA_ROW, DEGREE_ROW + 1):
            ws.cell(row, col["actual_value"], "68%" if row == DEGREE_ROW else "1")

    report = fill(blank, tmp_path / "DDK001_completion-2023.xlsx", edit=actuals)
    (initialized_home / "inbox").mkdir(exist_ok=True)
    shutil.copy(report, initialized_home / "inbox" / report.name)
    first = intake(as_of=resolve_as_of("2024-01-20"))
    again = intake(as_of=resolve_as_of("2024-01-22"))

    assert (first["accepted"], first["lists_regenerated"], again["lists_regenerated"]) == (1, 1, 0)
    assert _list_cells(initialized_home, DEGREE_ROW) == (
        "2023年实际完成值：68%",
        "按2023年实际完成值（68%）计，低于标杆17个百分点",
    )
    told = [m for m in read_outbox(initialized_home) if m["key"].startswith("notice:cycle-2024:actuals:")]
    assert [m["key"] for m in told] == ["notice:cycle-2024:actuals:DDK001:v1"]
    assert told[0]["title"] == "【大渡口区国有资产监督管理委员会】2024年度目标任务清单已按2023年实际完成值更新"
    assert "“企业现状”已填入2023年实际完成值" in told[0]["body"]
    assert "DDK001_task-list-2024.xlsx（9 项任务）" in told[0]["body"]


def test_a_completion_filed_on_the_portal_is_picked_up_by_the_next_days_tick(
    prefect_harness, initialized_home, tmp_path
):
    """The portal records a submission without the intake flow; the day's campaign-tick regenerates the list even
    with an empty inbox. A completion accepted before the 编制 notice was already in it: no second message."""
    from flows.campaign_tick import campaign_tick
    from flows.next_year_cycle import next_year_cycle

    _file_list(tmp_path, "DDK001")
    _file_list(tmp_path, "DDK002")
    channels = load_channels(get_settings().apprise_config_path)

    def completion(code, as_of):
        blank = write_task_list(CONFIG, CONFIG.enterprise(code), CONFIG.deliverable("completion-2023"), tmp_path / code)

        def actuals(wb, ws, col):
            for row in range(s.FIRST_DATA_ROW, DEGREE_ROW + 1):
                ws.cell(row, col["actual_value"], "1")

        report = fill(blank, tmp_path / f"{code}_completion-2023.xlsx", edit=actuals)
        assert process_file(report, CONFIG, resolve_as_of(as_of), channels).accepted  # as the portal does

    completion("DDK002", "2024-01-01")  # before the 编制 notice: the notice's list already has the actuals
    next_year_cycle(2024, as_of=resolve_as_of("2024-01-02"))
    completion("DDK001", "2024-01-19")
    campaign_tick(as_of=resolve_as_of("2024-01-22"))

    keys = [m["key"] for m in read_outbox(initialized_home) if m["key"].startswith("notice:cycle-2024:actuals:")]
    assert keys == ["notice:cycle-2024:actuals:DDK001:v1"]
    notice = next(m for m in read_outbox(initialized_home) if m["key"] == "notice:cycle-2024:DDK002")
    assert "“企业现状”已填入2023年实际完成值" in notice["body"]
