"""目标任务完成情况 is the filed list with 实际完成值: the template holds every filed row with its targets locked,
a report that changes a row or a target is rejected with each difference named, and the assessment scores the
filed targets."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from campaign.assessment.store import collect_inputs
from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.outgoing.store import template_file
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from campaign.workbook.self_review import write_answers
from notifications.channels import load_channels
from tests.support.filling import CORE_TARGETS, SELF_REVIEW, fill

CONFIG = load_config()
COL = {c.key: i for i, c in enumerate(s.COLUMNS, start=1)}
FILED_AT = resolve_as_of("2023-05-20")
REPORTED_AT = resolve_as_of("2024-01-10")


def submit(path, as_of):
    return process_file(path, CONFIG, as_of, load_channels(get_settings().apprise_config_path))


@pytest.fixture
def filed_list(initialized_home, tmp_path):
    """DDK001's 2023 list as accepted: six core indicators and three tasks of its own (9 rows)."""
    blank = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "t")
    outcome = submit(fill(blank, tmp_path / "DDK001_task-list-2023.xlsx"), FILED_AT)
    assert outcome.status == "accepted"
    return initialized_home


def completion_template(home, deliverable="completion-2023", as_of=REPORTED_AT):
    with session_scope() as session:
        ent_id = session.scalar(select(m.Enterprise.id).where(m.Enterprise.code == "DDK001"))
        made = template_file(
            session, CONFIG, home, CONFIG.enterprise("DDK001"), CONFIG.deliverable(deliverable), ent_id, as_of
        )
    assert made is not None
    return home / "outgoing" / deliverable / made.name, made


def report(template, out, edit=None):
    """Fill 实际完成值 on every row, as the enterprise does; `edit` then changes what it should not."""
    wb = load_workbook(template)
    ws = wb[s.SHEET_TITLE]
    row = s.FIRST_DATA_ROW
    while ws.cell(row, COL["level1"]).value:
        ws.cell(row, COL["actual_value"], "1")
        row += 1
    write_answers(wb, SELF_REVIEW)  # the 自评 sheet every completion report carries
    if edit:
        edit(ws)
    wb.save(out)
    return out


def test_completion_template_is_the_filed_list_with_targets_locked_and_actuals_open(filed_list):
    path, made = completion_template(filed_list)
    ws = load_workbook(path)[s.SHEET_TITLE]
    assert ws.cell(s.TITLE_ROW, 1).value == "示例城市建设投资集团有限公司（示例）2023年度目标任务完成情况"
    rows = [
        [ws.cell(r, COL[k]).value for k in ("seq", "level1", "level2", "annual_target")]
        for r in range(s.FIRST_DATA_ROW, s.FIRST_DATA_ROW + 10)
    ]
    assert rows[:9] == [
        [1, "企业效益", "利润总额（万元）", "12000万元"],
        [2, "企业效益", "净利润（万元）", "9000"],
        [3, "企业效益", "资产负债率（%）", "≤65%"],
        [4, "企业效益", "净资产收益率（%）", "6.5%"],
        [5, "企业效益", "全员劳动生产率（万元/人）", "80万元/人"],
        [6, "企业效益", "营业现金比率（%）", "≥90%"],
        [7, "科技创新", "研发投入强度", "2%"],
        [8, "数字化变革", "业财一体化系统上线", "2个子企业"],
        [9, "人才队伍建设", "本科以上学历占比", "68%"],
    ]
    assert rows[9] == [None, None, None, None]
    assert (made.filed_version, made.filed_rows) == (1, 9)
    target, actual = ws.cell(s.FIRST_DATA_ROW, COL["annual_target"]), ws.cell(s.FIRST_DATA_ROW, COL["actual_value"])
    assert ws.protection.sheet and target.protection.locked and not actual.protection.locked
    assert ws.protection.insertRows and ws.protection.deleteRows  # the filed rows are the rows to report on


def test_final_completion_template_is_titled_for_both_years(filed_list):
    path, made = completion_template(filed_list, "completion-final-2025", resolve_as_of("2025-03-03"))
    title = load_workbook(path)[s.SHEET_TITLE].cell(s.TITLE_ROW, 1).value
    assert title == "示例城市建设投资集团有限公司（示例）2023—2024年度目标任务完成情况"
    assert made.filed_version is None  # no 2024 list filed: the blank list, under the completion title


def test_the_filled_template_is_accepted(filed_list, tmp_path):
    template, _ = completion_template(filed_list)
    outcome = submit(report(template, tmp_path / "DDK001_completion-2023.xlsx"), REPORTED_AT)
    assert (outcome.status, outcome.items) == ("accepted", 9)


def test_a_changed_target_a_dropped_row_and_an_added_row_are_each_named(filed_list, tmp_path):
    template, _ = completion_template(filed_list)

    def lower_target_drop_row_add_row(ws):
        ws.cell(s.FIRST_DATA_ROW + 2, COL["annual_target"], "≤70%")  # 序号 3 资产负债率
        ws.cell(s.FIRST_DATA_ROW + 7, COL["level2"], "业财一体化系统试运行")  # 序号 8
        ws.delete_rows(s.FIRST_DATA_ROW + 8)  # 序号 9
        ws.cell(s.FIRST_DATA_ROW + 8, COL["seq"], "10")
        ws.cell(s.FIRST_DATA_ROW + 8, COL["level1"], "企业实力")
        ws.cell(s.FIRST_DATA_ROW + 8, COL["level2"], "营业收入")
        ws.cell(s.FIRST_DATA_ROW + 8, COL["annual_target"], "5亿元")
        ws.cell(s.FIRST_DATA_ROW + 8, COL["actual_value"], "5亿元")

    outcome = submit(
        report(template, tmp_path / "DDK001_completion-2023.xlsx", lower_target_drop_row_add_row), REPORTED_AT
    )
    assert outcome.status == "rejected"
    messages = [p["message"] for p in outcome.problems]
    assert messages == [
        "序号 3（资产负债率（%））的“年度目标值”与备案的2023年度目标任务清单（第1版）不一致："
        "备案为“≤65%”，本次为“≤70%”。",
        "序号 8（业财一体化系统上线）的“二级任务”与备案的2023年度目标任务清单（第1版）不一致："
        "备案为“业财一体化系统上线”，本次为“业财一体化系统试运行”。",
        "序号 9（本科以上学历占比）是备案的2023年度目标任务清单（第1版）中的任务，本次完成情况中没有这一行。",
        "序号 10（营业收入）不在备案的2023年度目标任务清单（第1版）中，本次完成情况多了这一行。",
    ]
    with session_scope() as session:
        notice = session.scalars(select(m.Notification).where(m.Notification.key == outcome.message_key)).one()
    assert "备案为“≤65%”，本次为“≤70%”" in notice.body and "任务和年度目标值不能改动" in notice.body


def test_assessment_scores_the_filed_targets_not_the_ones_in_the_completion_report(initialized_home, tmp_path):
    """A completion report accepted before any list was filed carries its own targets; once the list is filed, the
    assessment takes rows and targets from the list and only 实际完成值 from the report."""
    blank = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("completion-2023"), tmp_path / "c")

    def lowered(wb, ws, col):
        for r in range(s.FIRST_DATA_ROW, s.FIRST_DATA_ROW + 9):
            ws.cell(r, col["actual_value"], "9500万元" if r == s.FIRST_DATA_ROW else "1")

    early = fill(
        blank, tmp_path / "DDK001_completion-2023.xlsx", core_targets=["9000万元", *CORE_TARGETS[1:]], edit=lowered
    )
    assert submit(early, REPORTED_AT).status == "accepted"
    filed = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "l")
    assert (
        submit(fill(filed, tmp_path / "DDK001_task-list-2023.xlsx"), resolve_as_of("2024-01-12")).status == "accepted"
    )
    with session_scope() as session:
        inputs = {i.code: i for i in collect_inputs(session, CONFIG, 2023, resolve_as_of("2024-02-05"))}
    profit = inputs["DDK001"].items[0]
    assert (profit.title, profit.target, profit.actual) == ("利润总额", 12000.0, 9500.0)
    assert "2023年度目标任务清单（附件2）（第1版）的任务和年度目标值" in inputs["DDK001"].source


def test_a_list_filed_with_a_blank_row_is_scored_on_the_rows_of_the_completion_report(initialized_home, tmp_path):
    """The completion template lists the filed rows without gaps; scores are written back into that file, so each
    scored row carries the completion report's sheet row (and the filed 序号 and target)."""
    blank = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "t")

    def gap_after_core_rows(wb, ws, col):
        ws.insert_rows(s.FIRST_DATA_ROW + 6)

    filed = fill(blank, tmp_path / "DDK001_task-list-2023.xlsx", edit=gap_after_core_rows)
    assert submit(filed, FILED_AT).status == "accepted"
    template, made = completion_template(initialized_home)
    assert made.filed_rows == 9
    assert submit(report(template, tmp_path / "DDK001_completion-2023.xlsx"), REPORTED_AT).status == "accepted"
    with session_scope() as session:
        listed = session.scalars(select(m.TaskItem.row_no).where(m.TaskItem.level2 == "研发投入强度")).all()
        inputs = {i.code: i for i in collect_inputs(session, CONFIG, 2023, resolve_as_of("2024-02-05"))}
    assert sorted(listed) == [s.FIRST_DATA_ROW + 6, s.FIRST_DATA_ROW + 7]  # completion row, filed row
    rd = next(i for i in inputs["DDK001"].items if i.title == "研发投入强度")
    assert (rd.row_no, rd.seq, rd.target, rd.actual) == (s.FIRST_DATA_ROW + 6, "7", 2.0, 1.0)


def test_the_template_command_gives_the_same_completion_template(filed_list, tmp_path):
    from typer.testing import CliRunner

    from campaign.cli.app import app

    args = ["template", "--enterprise", "DDK001", "--deliverable", "completion-2023", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "按备案的目标任务清单（第1版，9 项任务）预填。" in result.output
    ws = load_workbook(tmp_path / "out" / "DDK001_completion-2023.xlsx")[s.SHEET_TITLE]
    assert ws.cell(s.TITLE_ROW, 1).value.endswith("2023年度目标任务完成情况")
    assert ws.cell(s.FIRST_DATA_ROW + 8, COL["level2"]).value == "本科以上学历占比"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["DDK001_completion-2023.xlsx"]
