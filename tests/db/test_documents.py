from __future__ import annotations

import pytest

from campaign.config.model import load_config
from campaign.documents import schema as d
from campaign.documents.generate import write_document
from campaign.documents.read import read_document
from campaign.validation.documents import (
    benchmark_choice,
    check_char_limit,
    check_not_blank,
    check_sections,
    counted_text,
)

CONFIG = load_config()


def codes(problems):
    return [p.code for p in problems]


def test_targets_template_sections_and_identity(tmp_path):
    path = write_document(CONFIG.enterprise("DDK002"), CONFIG.deliverable("targets-2023"), tmp_path)
    assert path.name == "DDK002_targets-2023.docx"
    raw = read_document(path)
    texts = [t for t in raw.paragraphs if t]
    assert texts[0] == "附件1" and texts[2] == "（不超过1500字）"  # the attachment label above the title
    for heading in (*d.SECTIONS, *d.TASK_SUBSECTIONS):
        assert heading in texts
    assert texts.index("三、对标任务") < texts.index("（一）在产品质量、服务质量上对标世界一流")
    assert raw.meta == {
        "enterprise_code": "DDK002",
        "deliverable_id": "targets-2023",
        "template_version": d.TARGETS_TEMPLATE_VERSION,
    }
    assert check_sections(raw.paragraphs) == []
    assert codes(check_not_blank(raw.paragraphs, texts[1])) == ["E_EMPTY_DOCUMENT"]


def test_deployment_report_template(tmp_path):
    path = write_document(CONFIG.enterprise("DDK001"), CONFIG.deliverable("deployment-report-2023"), tmp_path)
    raw = read_document(path)
    assert "（不超过500字）" in raw.paragraphs and d.REPORT_GUIDANCE in raw.paragraphs
    assert raw.meta["template_version"] == d.REPORT_TEMPLATE_VERSION


def test_sections_missing():
    paragraphs = [
        "一、对标对象",
        "x",
        "三、 对标任务",
        *d.TASK_SUBSECTIONS[:3],
        "(四)在企业效益上对标世界一流",
        *d.TASK_SUBSECTIONS[5:],
    ]
    found = check_sections(paragraphs)
    assert [p.message for p in found if p.code == "E_SECTION_MISSING"] == [
        "缺少“二、对标目标”部分。",
        "缺少“三、对标任务 （五）在人才队伍建设上对标世界一流”部分。",
    ]


def test_subsections_before_section_three_do_not_count():
    paragraphs = [*d.TASK_SUBSECTIONS, "一、对标对象", "二、对标目标", "三、对标任务"]
    assert len(check_sections(paragraphs)) == 8


def test_char_limit_counts_without_title_note_and_spaces():
    body = ["标题", "（不超过500字）", "对" * 300 + " " * 50, "标，" * 100]
    assert counted_text(body, "标题").count("标题") == 0
    assert check_char_limit(body, 500, "部署推动情况报告", "标题") == []
    found = check_char_limit(body + ["多"], 500, "部署推动情况报告", "标题")
    assert [p.message for p in found] == ["部署推动情况报告共 501 字，超过上限 500 字。"]


def _attachment1(tmp_path, edit) -> list[str]:
    """The enterprise's own copy of Attachment 1, edited the way a sender would, read back as intake reads it."""
    from docx import Document

    path = write_document(CONFIG.enterprise("DDK003"), CONFIG.deliverable("targets-2023"), tmp_path)
    doc = Document(str(path))
    edit(doc)
    doc.save(str(path))
    return read_document(path).paragraphs


def _fill_under(doc, heading: str, text: str) -> None:
    at = next(i for i, p in enumerate(doc.paragraphs) if p.text == heading)
    doc.paragraphs[at + 1].insert_paragraph_before(text) if at + 1 < len(doc.paragraphs) else doc.add_paragraph(text)


def test_attachment1_with_only_guidance_under_its_headings_is_rejected_naming_each_empty_section(tmp_path):
    # every heading followed by nothing but the template's guidance, plus one sentence appended at the end
    paragraphs = _attachment1(tmp_path, lambda doc: doc.add_paragraph("我公司将认真落实价值创造行动各项要求。"))
    # not the blank template: it has one sentence of its own
    assert check_not_blank(paragraphs, "示例产业投资集团有限公司（示例）2023年度价值创造行动目标任务") == []
    messages = [p.message for p in check_sections(paragraphs)]
    assert messages == [
        "“一、对标对象”下只有模板的提示文字，没有填写贵单位的内容。",
        "“二、对标目标”下只有模板的提示文字，没有填写贵单位的内容。",
        *(f"“三、对标任务 {sub}”下只有模板的提示文字，没有填写贵单位的内容。" for sub in d.TASK_SUBSECTIONS[:7]),
    ]  # the appended sentence stands under （八）, the last heading: that one dimension has text


def test_the_blank_attachment1_template_stays_rejected_as_blank(tmp_path):
    paragraphs = _attachment1(tmp_path, lambda doc: None)
    title = "示例产业投资集团有限公司（示例）2023年度价值创造行动目标任务"
    assert title in paragraphs and codes(check_not_blank(paragraphs, title)) == ["E_EMPTY_DOCUMENT"]
    assert check_sections(paragraphs) == []  # one problem for a blank document, not ten


def test_a_dimension_may_say_it_does_not_apply_but_only_with_a_reason(tmp_path):
    def edit(doc, culture: str):
        _fill_under(doc, "一、对标对象", "对标方式：单户。对标企业：招商局集团有限公司。")
        _fill_under(doc, "二、对标目标", "到2025年，公司发展成为全区领先的城市综合服务企业。")
        for sub in d.TASK_SUBSECTIONS:
            _fill_under(doc, sub, culture if sub.startswith("（七）") else "对照标杆找差距，明确责任部门和时间节点。")

    reason = "本维度不适用：本单位企业文化建设由集团统一开展。"
    with_reason = _attachment1(tmp_path / "a", lambda doc: edit(doc, reason))
    assert check_sections(with_reason) == []
    bare = _attachment1(tmp_path / "b", lambda doc: edit(doc, "不适用。"))
    assert [p.message for p in check_sections(bare)] == [
        "“三、对标任务 （七）在企业文化上对标世界一流”只写了“不适用”或“无”，没有说明原因。"
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("对标方式：单户。对标企业：招商局集团有限公司。", ("单户", ["招商局集团有限公司"])),
        (
            "对标方式：多户。对标企业：招商局集团有限公司、华润（集团）有限公司。",
            ("多户", ["招商局集团有限公司", "华润（集团）有限公司"]),
        ),
        ("对标方式：多户。对标企业：招商局集团有限公司。", "“一、对标对象”写明对标方式为“多户”，但列出了1户对标企业。"),
        ("对标企业：招商局集团有限公司。", "“一、对标对象”没有写明对标方式（单户或多户）。"),
        ("以重庆市属同类企业中的标杆为对标对象。", "“一、对标对象”没有写明对标方式（单户或多户）。"),
    ],
)
def test_benchmarks_are_read_from_attachment1_as_data_and_checked(written, expected):
    paragraphs = ["一、对标对象", written, "二、对标目标", "到2025年成为全区领先企业。", "三、对标任务"]
    choice, problems = benchmark_choice(paragraphs)
    if isinstance(expected, tuple):
        assert problems == [] and choice is not None and (choice.mode, choice.names) == expected
    else:
        assert choice is None and expected in [p.message for p in problems]
