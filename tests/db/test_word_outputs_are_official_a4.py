"""Every .docx the system writes is laid out as a 公文 (issue 11, item 10): A4 with GB/T 9704 margins, title
方正小标宋简体 二号 and body 仿宋 三号 with declared fallback fonts, and Attachment 1 carries its "附件1" label.
Measured from the saved files, as Word or WPS would open them."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn

from campaign.calendar.clock import TZ
from campaign.config.model import load_config
from campaign.documents.generate import write_document
from campaign.final_review.docx import build_document
from campaign.final_review.rules import review
from campaign.simulation.files import _free_report
from campaign.validation.documents import check_not_blank, counted_text

CONFIG = load_config()
ENTERPRISE = CONFIG.enterprise("DDK001")


def _targets(tmp_path: Path) -> Path:
    return write_document(ENTERPRISE, CONFIG.deliverable("targets-2023"), tmp_path)


def _deployment_report(tmp_path: Path) -> Path:
    return write_document(ENTERPRISE, CONFIG.deliverable("deployment-report-2023"), tmp_path)


def _final_review(tmp_path: Path) -> Path:
    path = tmp_path / "价值创造行动总结评估报告.docx"
    as_of = datetime(2025, 7, 1, 9, tzinfo=TZ)
    build_document(CONFIG, review([], CONFIG.final_review), as_of).save(path)
    return path


def _simulated_plan(tmp_path: Path) -> Path:
    import random

    path = tmp_path / "DDK001_plan-2023.docx"
    _free_report(ENTERPRISE, CONFIG.deliverable("plan-2023"), [], random.Random(1), False).save(path)
    return path


WRITERS = [_targets, _deployment_report, _final_review, _simulated_plan]


def _mm(length) -> float:
    return round(length.mm, 1)


@pytest.mark.parametrize("write", WRITERS, ids=lambda w: w.__name__.strip("_"))
def test_every_word_output_is_a4_with_gbt9704_margins_and_type(tmp_path, write):
    path = write(tmp_path)
    doc = Document(str(path))
    for section in doc.sections:
        assert (_mm(section.page_width), _mm(section.page_height)) == (210.0, 297.0)  # A4, not US Letter
        assert (_mm(section.top_margin), _mm(section.bottom_margin)) == (37.0, 35.0)
        assert (_mm(section.left_margin), _mm(section.right_margin)) == (28.0, 26.0)  # 版心 156 × 225 mm
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 16  # 三号
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert round(normal.paragraph_format.line_spacing.mm * 22, 0) == 225  # 22 lines to the page
    fonts = zipfile.ZipFile(path).read("word/fontTable.xml").decode("utf-8")
    for font, fallback in (("方正小标宋简体", "宋体"), ("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体")):
        assert f'<w:font w:name="{font}"><w:altName w:val="{fallback}"/>' in fonts


@pytest.mark.parametrize("write", [_targets, _deployment_report, _final_review], ids=lambda w: w.__name__.strip("_"))
def test_the_title_is_xiaobiaosong_erhao_centred(tmp_path, write):
    doc = Document(str(write(tmp_path)))
    title = next(p for p in doc.paragraphs if p.runs and p.runs[0].font.size and p.runs[0].font.size.pt == 22)
    run = title.runs[0]
    assert run.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title.alignment == 1 and title.paragraph_format.first_line_indent == 0  # centred, not indented


def test_attachment_1_carries_its_label_at_the_top_left(tmp_path):
    doc = Document(str(_targets(tmp_path)))
    first = doc.paragraphs[0]
    assert first.text == "附件1"
    assert first.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体" and first.runs[0].font.size.pt == 16
    assert first.alignment is None and first.paragraph_format.first_line_indent == 0
    assert doc.paragraphs[1].text == f"{ENTERPRISE.name}2023年度价值创造行动目标任务"


def test_the_label_is_neither_counted_nor_taken_for_the_enterprises_own_text(tmp_path):
    doc = Document(str(_targets(tmp_path)))
    texts = [p.text for p in doc.paragraphs]
    title = texts[1]
    assert check_not_blank(texts, title)  # the blank template is still "not filled"
    assert "附件1" not in counted_text(texts, title)


def test_the_blank_attachment_1_template_is_still_rejected_as_unfilled(tmp_path):
    from campaign.intake.examine import examine

    path = _targets(tmp_path)
    assert [p.code for p in examine(path, CONFIG, 20 * 1024 * 1024).problems] == ["E_EMPTY_DOCUMENT"]
