"""Generate Attachment 1 (目标任务) and the 部署推动情况报告 template as .docx (python-docx).

Identification travels in the core properties (identifier = 企业代码/材料编号, version = template
version), which Word and WPS keep when the enterprise saves the file.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from campaign.config.model import Deliverable, Enterprise
from campaign.documents import schema as d


def set_font(run_or_style, name: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = name
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)  # Chinese text uses the eastAsia font slot


def _new_document(title: str, limit: int | None) -> DocumentObject:
    doc = Document()
    set_font(doc.styles["Normal"], "仿宋_GB2312", 16)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run(title), "方正小标宋简体", 22)
    if limit:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(p.add_run(d.LIMIT_NOTE.format(limit=limit)), "楷体_GB2312", 16)
    return doc


def _heading(doc: DocumentObject, text: str, font: str) -> None:
    set_font(doc.add_paragraph().add_run(text), font, 16, bold=font == "楷体_GB2312")


def _identify(doc: DocumentObject, enterprise: Enterprise, deliverable: Deliverable, version: str) -> None:
    props = doc.core_properties
    props.identifier = f"{enterprise.code}/{deliverable.id}"
    props.version = version
    props.title = deliverable.title
    props.author = enterprise.name


def build_targets(enterprise: Enterprise, deliverable: Deliverable) -> DocumentObject:
    doc = _new_document(f"{enterprise.name}{deliverable.year}年度价值创造行动目标任务", deliverable.char_limit or 1500)
    for section in d.SECTIONS:
        _heading(doc, section, "黑体")
        for text in d.GUIDANCE.get(section, []):
            doc.add_paragraph(text)
    for sub in d.TASK_SUBSECTIONS:
        _heading(doc, sub, "楷体_GB2312")
        doc.add_paragraph("")
    _identify(doc, enterprise, deliverable, d.TARGETS_TEMPLATE_VERSION)
    return doc


def build_deployment_report(enterprise: Enterprise, deliverable: Deliverable) -> DocumentObject:
    doc = _new_document(f"{enterprise.name}部署推动情况报告", deliverable.char_limit or 500)
    doc.add_paragraph(d.REPORT_GUIDANCE)
    _identify(doc, enterprise, deliverable, d.REPORT_TEMPLATE_VERSION)
    return doc


BUILDERS = {"attachment1-targets": build_targets, "deployment-report": build_deployment_report}


def write_document(enterprise: Enterprise, deliverable: Deliverable, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{enterprise.code}_{deliverable.id}.docx"
    if deliverable.template is None:
        raise KeyError(None)  # what BUILDERS[None] raised before: this deliverable has no template to build
    # python-docx types save() as taking a str or a stream
    BUILDERS[deliverable.template](enterprise, deliverable).save(str(path))
    return path
