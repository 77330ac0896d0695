"""`campaign template` / `campaign submit` end to end: one filled variant per rule, exit codes, --json."""

from __future__ import annotations

import json

import pytest
from docx import Document
from sqlalchemy import select
from typer.testing import CliRunner

from campaign.cli.app import app
from campaign.config.settings import server_secret
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.validation.meta import meta_signature
from campaign.workbook import schema as s
from tests.support.filling import fill, fill_attachment1

runner = CliRunner()


def make_template(out, enterprise="DDK001", deliverable="task-list-2023"):
    result = runner.invoke(
        app, ["template", "--enterprise", enterprise, "--deliverable", deliverable, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    ext = "xlsx" if "task-list" in deliverable or "completion" in deliverable else "docx"
    return out / f"{enterprise}_{deliverable}.{ext}"


def submit(path, enterprise="DDK001", deliverable="task-list-2023", as_of="2023-05-20"):
    result = runner.invoke(
        app, ["submit", "--enterprise", enterprise, "--deliverable", deliverable, "--as-of", as_of, "--json", str(path)]
    )
    return result.exit_code, json.loads(result.stdout)


def test_valid_task_list_exit_zero(initialized_home, tmp_path):
    path = fill(make_template(tmp_path))
    code, data = submit(path)
    assert (code, data["status"], data["version"], data["on_time"], data["problems"]) == (0, "accepted", 1, True, [])
    assert path.exists()  # submit copies; the staff member's file stays where it was
    code, data = submit(path, as_of="2023-06-01")
    assert (code, data["duplicate"], data["version"]) == (0, True, 1)


def test_completion_deliverable_reuses_the_workbook(initialized_home, tmp_path):
    def actuals(wb, ws, col):
        for row in range(s.FIRST_DATA_ROW, s.FIRST_DATA_ROW + 9):
            ws.cell(row, col["actual_value"], "已完成")

    path = fill(make_template(tmp_path, deliverable="completion-2023"), edit=actuals)
    code, data = submit(path, deliverable="completion-2023", as_of="2024-02-05")
    assert (code, data["status"], data["on_time"]) == (0, "accepted", False)
    with session_scope() as session:
        assert set(session.scalars(select(m.TaskItem.actual_value))) == {"已完成"}


def _rename_header(wb, ws, col):
    ws.cell(s.HEADER_ROW_2, col["annual_target"], "目标")


def _wrong_dimension(wb, ws, col):
    ws.cell(12, col["level1"], "安全生产")


def _not_quantified(wb, ws, col):
    ws.cell(9, col["annual_target"], "明显提高")


def _sasac_filled(wb, ws, col):
    ws.cell(7, col["scoring_rule"], "完成得10分")


def _core_missing(wb, ws, col):
    ws.delete_rows(8)  # 净资产收益率


def _old_version(wb, ws, col):
    """A template the system signed for last year's layout (re-signed here with the server key)."""
    meta = wb[s.META_SHEET]
    meta["B3"] = "attachment2-task-list/2022.1"
    pairs = {row[0].value: row[1].value for row in meta.iter_rows()}
    meta["B4"] = meta_signature(pairs, server_secret())


@pytest.mark.parametrize(
    "edit, expected_code, expected_message",
    [
        (_rename_header, "E_COLUMNS", "表头与模板不一致：第 8 列应为“年度目标值”，实为“目标”。"),
        (_wrong_dimension, "E_DIMENSION", "第 12 行的一级任务“安全生产”不在对标维度范围内。"),
        (
            _not_quantified,
            "E_TARGET_NOT_QUANTIFIED",
            "第 9 行（全员劳动生产率（万元/人））的年度目标值“明显提高”未量化。",
        ),
        (_sasac_filled, "E_SASAC_COLUMN_FILLED", "第 7 行填写了“计分规则”（内容：完成得10分）。"),
        (_core_missing, "E_CORE_INDICATOR_MISSING", "企业效益下缺少核心指标“净资产收益率”。"),
        (
            _old_version,
            "E_TEMPLATE_VERSION",
            "模板版本不符：文件使用的是“attachment2-task-list/2022.1”，本次应使用“attachment2-task-list/2023.1”。",
        ),
    ],
)
def test_one_variant_per_rule(initialized_home, tmp_path, edit, expected_code, expected_message):
    path = fill(make_template(tmp_path), edit=edit)
    code, data = submit(path)
    assert code == 3 and data["status"] == "rejected"
    assert [(p["code"], p["message"]) for p in data["problems"]] == [(expected_code, expected_message)]
    from tests.conftest import read_outbox

    [note] = read_outbox(initialized_home)
    assert expected_message in note["body"] and data["problems"][0]["hint"] in note["body"]


def test_unfilled_template_is_an_empty_list(initialized_home, tmp_path):
    code, data = submit(make_template(tmp_path))
    assert (code, [p["code"] for p in data["problems"]]) == (3, ["E_EMPTY_LIST"])


def test_another_enterprises_template(initialized_home, tmp_path):
    path = fill(make_template(tmp_path, enterprise="DDK002"))
    code, data = submit(path, enterprise="DDK001")
    assert code == 3 and [p["message"] for p in data["problems"]] == [
        "文件内置的模板信息为“DDK002 / task-list-2023”，与报送的“DDK001 / task-list-2023”不一致。"
    ]
    assert data["enterprise"] == "DDK001"  # staff's explicit claim decides whom the rejection goes to


def test_wrong_file_type_for_deliverable(initialized_home, tmp_path):
    docx = make_template(tmp_path, deliverable="targets-2023")
    code, data = submit(docx, deliverable="task-list-2023")
    assert code == 3 and [p["code"] for p in data["problems"]] == ["E_META_MISMATCH", "E_FILE_TYPE"]


def _fill_targets(path, body_chars=600, drop=None):
    doc = Document(str(path))
    fill_attachment1(doc)
    doc.add_paragraph("对" * body_chars)
    if drop:
        for p in doc.paragraphs:
            if p.text == drop:
                p.text = "（标题被删除）"
    doc.save(str(path))
    return path


def test_targets_docx(initialized_home, tmp_path):
    path = _fill_targets(make_template(tmp_path, deliverable="targets-2023"))
    code, data = submit(path, deliverable="targets-2023")
    assert (code, data["problems"]) == (0, [])


def test_targets_docx_too_long_and_missing_section(initialized_home, tmp_path):
    path = _fill_targets(
        make_template(tmp_path, deliverable="targets-2023"), body_chars=1600, drop="（三）在科技创新上对标世界一流"
    )
    code, data = submit(path, deliverable="targets-2023")
    assert code == 3
    assert [p["code"] for p in data["problems"]] == ["E_SECTION_MISSING", "E_TOO_LONG"]
    assert data["problems"][0]["message"] == "缺少“三、对标任务 （三）在科技创新上对标世界一流”部分。"
    assert data["problems"][1]["message"].startswith("目标任务共 ") and data["problems"][1]["message"].endswith(
        "字，超过上限 1500 字。"
    )


def test_deployment_report(initialized_home, tmp_path):
    path = make_template(tmp_path, deliverable="deployment-report-2023")
    code, data = submit(path, deliverable="deployment-report-2023")
    assert (code, [p["code"] for p in data["problems"]]) == (3, ["E_EMPTY_DOCUMENT"])
    doc = Document(str(path))
    doc.paragraphs[2].text = "公司召开价值创造行动启动会。" + "部署" * 243  # 14 + 486 = 500 字: at the limit
    doc.save(str(path))
    assert submit(path, deliverable="deployment-report-2023")[0] == 0
    doc.paragraphs[2].text += "。"
    doc.save(str(path))
    code, data = submit(path, deliverable="deployment-report-2023")
    assert code == 3 and [p["message"] for p in data["problems"]] == ["部署推动情况报告共 501 字，超过上限 500 字。"]


def test_template_for_deliverable_without_one(initialized_home, tmp_path):
    result = runner.invoke(
        app, ["template", "--enterprise", "DDK001", "--deliverable", "plan-2023", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2


def test_completion_without_actuals_rejected(initialized_home, tmp_path):
    path = fill(make_template(tmp_path, deliverable="completion-2023"))
    code, data = submit(path, deliverable="completion-2023", as_of="2024-01-20")
    assert code == 3 and {p["code"] for p in data["problems"]} == {"E_ACTUAL_MISSING"} and len(data["problems"]) == 9


def test_plan_accepts_pdf_and_docx_but_checks_the_content(initialized_home, tmp_path):
    pdf = tmp_path / "DDK001_plan-2023.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    assert submit(pdf, deliverable="plan-2023")[0] == 0
    fake = tmp_path / "DDK002_plan-2023.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    code, data = submit(fake, enterprise="DDK002", deliverable="plan-2023")
    assert code == 3 and [p["message"] for p in data["problems"]] == ["文件类型不符：扩展名为 .pdf，但内容不是 PDF。"]


def test_extra_sheet_before_the_list_is_ignored(initialized_home, tmp_path):
    def add_cover(wb, ws, col):
        cover = wb.create_sheet("封面", 0)
        cover["A1"] = "报送说明"

    code, data = submit(fill(make_template(tmp_path), edit=add_cover))
    assert (code, data["problems"]) == (0, [])
