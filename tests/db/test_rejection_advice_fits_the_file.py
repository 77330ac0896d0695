"""A rejection for a file of the wrong type gives the advice that fixes it (issue 11, item 11): every kind the
deliverable accepts is listed, and a real .docx sent under .xlsx is told to rename, not "don't just rename"."""

from __future__ import annotations

import pytest
from docx import Document
from openpyxl import Workbook

from campaign.config.model import load_config
from campaign.intake.examine import examine

CONFIG = load_config()
MAX = 20 * 1024 * 1024


def _docx(path):
    doc = Document()
    doc.add_paragraph("一、对标对象")
    doc.save(path)
    return path


def _xlsx(path):
    wb = Workbook()
    wb.active["A1"] = "序号"
    wb.save(path)
    return path


def _pdf(path):
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return path


def _legacy(path):
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return path


def _file_type_hint(path) -> str:
    problems = [p for p in examine(path, CONFIG, MAX).problems if p.code == "E_FILE_TYPE"]
    assert len(problems) == 1, problems
    return problems[0].hint


def test_a_real_docx_sent_as_xlsx_to_a_word_deliverable_is_told_to_rename_it(tmp_path):
    hint = _file_type_hint(_docx(tmp_path / "DDK004_targets-2023.xlsx"))
    assert "请把扩展名改为 .docx（如 DDK004_targets-2023.docx）后重新报送，文件内容不必改动" in hint
    assert "不要只修改扩展名" not in hint and "不能转换" not in hint


def test_a_word_file_for_an_excel_deliverable_is_pointed_to_the_template(tmp_path):
    hint = _file_type_hint(_docx(tmp_path / "DDK001_task-list-2023.xlsx"))
    assert hint.startswith("本项材料只接收Excel 工作簿（.xlsx），不接收Word 文档（.docx）；")
    assert "请使用区国资委下发的模板填写" in hint
    assert "改为 .docx" not in hint


def test_an_old_format_file_is_told_to_save_as_and_sees_every_accepted_kind(tmp_path):
    hint = _file_type_hint(_legacy(tmp_path / "DDK001_plan-2023.doc"))
    assert "“另存为”Word 文档（.docx）、PDF 文件（.pdf）后重新报送" in hint
    assert "只修改扩展名不能转换格式" in hint


@pytest.mark.parametrize(
    ("name", "make", "accepted", "refused"),
    [
        ("DDK001_task-list-2023.pdf", _pdf, "Excel 工作簿（.xlsx）", "PDF 文件（.pdf）"),
        ("DDK001_plan-2023.xlsx", _xlsx, "Word 文档（.docx）、PDF 文件（.pdf）", "Excel 工作簿（.xlsx）"),
    ],
)
def test_a_kind_the_deliverable_does_not_take_lists_every_kind_it_does(tmp_path, name, make, accepted, refused):
    hint = _file_type_hint(make(tmp_path / name))
    assert hint.startswith(f"本项材料只接收{accepted}，不接收{refused}")


def test_a_pdf_sent_as_docx_to_a_deliverable_taking_pdf_is_told_to_rename_it(tmp_path):
    hint = _file_type_hint(_pdf(tmp_path / "DDK002_evaluation-report-2025.docx"))
    assert "请把扩展名改为 .pdf（如 DDK002_evaluation-report-2025.pdf）后重新报送" in hint
