from __future__ import annotations

from campaign.config.model import load_config
from campaign.documents import schema as d
from campaign.documents.generate import write_document
from campaign.documents.read import read_document
from campaign.validation.documents import (
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
    assert texts[1] == "（不超过1500字）"
    for heading in (*d.SECTIONS, *d.TASK_SUBSECTIONS):
        assert heading in texts
    assert texts.index("三、对标任务") < texts.index("（一）在产品质量、服务质量上对标世界一流")
    assert raw.meta == {
        "enterprise_code": "DDK002",
        "deliverable_id": "targets-2023",
        "template_version": d.TARGETS_TEMPLATE_VERSION,
    }
    assert check_sections(raw.paragraphs) == []
    assert codes(check_not_blank(raw.paragraphs, texts[0])) == ["E_EMPTY_DOCUMENT"]


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
    assert [p.message for p in found] == [
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
