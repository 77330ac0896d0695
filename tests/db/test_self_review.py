"""自评 (seed: "各企业要做好相应自评和总结……动态调整工作措施"): progress and completion templates carry it, intake
requires each answer, and what the enterprise wrote is kept as data."""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from campaign.workbook.progress import PlannedRow, write_progress_workbook
from campaign.workbook.self_review import QUESTIONS, SHEET_TITLE, write_answers
from notifications.channels import load_channels
from tests.support.assessment import ACTUALS
from tests.support.filling import SELF_REVIEW, fill

CONFIG = load_config()


def _completion(tmp_path, review: dict[str, str] | None):
    template = write_task_list(
        CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("completion-2023"), tmp_path / "tpl"
    )

    def edit(wb, ws, col):
        for offset, value in enumerate(ACTUALS["exact"]):
            ws.cell(s.FIRST_DATA_ROW + offset, col["actual_value"], value)
        if review is not None:
            for row in wb[SHEET_TITLE].iter_rows(min_row=3, max_row=5):
                row[1].value = None
            write_answers(wb, review)

    path = fill(template, tmp_path / "DDK001_completion-2023.xlsx", edit=edit)
    return process_file(path, CONFIG, resolve_as_of("2024-01-25"), load_channels(get_settings().apprise_config_path))


def test_progress_and_completion_templates_carry_the_self_review_and_the_list_does_not(tmp_path):
    completion = load_workbook(
        write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("completion-2024"), tmp_path / "c")
    )
    assert completion.sheetnames[:2] == [s.SHEET_TITLE, "自评"]
    sheet = completion["自评"]
    assert sheet["A1"].value == "示例城市建设投资集团有限公司（示例）2024年度价值创造行动目标任务完成情况自评"
    assert [sheet.cell(r, 1).value for r in (3, 4, 5)] == [
        "做得好的方面（主要成效和经验）",
        "滞后的方面（存在的问题和薄弱环节）",
        "动态调整工作措施（针对问题的调整和下一步安排）",
    ]
    assert not sheet["B4"].protection.locked  # the answers are for the enterprise to write
    listing = load_workbook(
        write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "l")
    )
    assert "自评" not in listing.sheetnames
    planned = [PlannedRow(4, "企业效益", "利润总额", "12000万元")]
    progress = load_workbook(
        write_progress_workbook(
            CONFIG.enterprise("DDK002"), CONFIG.deliverable("progress-2023h1"), planned, tmp_path / "p"
        )
    )
    assert progress["自评"]["A1"].value == "示例文化旅游发展集团有限公司（示例）2023年上半年价值创造行动自评"


def test_a_completion_report_without_its_self_review_is_rejected_naming_each_missing_answer(initialized_home, tmp_path):
    outcome = _completion(tmp_path, {"went_well": "利润总额达到年度目标。", "lagging": "无", "adjustments": ""})
    assert not outcome.accepted
    assert [p["message"] for p in outcome.problems] == [
        "“自评”工作表中“滞后的方面（存在的问题和薄弱环节）”、“动态调整工作措施（针对问题的调整和下一步安排）”没有填写。"
    ]


def test_the_self_review_is_kept_with_the_accepted_version(initialized_home, tmp_path):
    outcome = _completion(tmp_path, None)  # fill() writes SELF_REVIEW into the sheet
    assert outcome.accepted, outcome.problems
    with session_scope() as session:
        details = session.scalars(sa.select(m.Submission.details).where(m.Submission.status == "accepted")).one()
    assert details["self_review"] == SELF_REVIEW and set(SELF_REVIEW) == set(QUESTIONS)
