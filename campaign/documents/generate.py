"""Generate Attachment 1 (目标任务) and the 部署推动情况报告 template as .docx (python-docx).

Identification travels in the core properties (identifier = 企业代码/材料编号, version = template
version), which Word and WPS keep when the enterprise saves the file.
"""

from __future__ import annotations

from pathlib import Path

from defusedxml.ElementTree import fromstring
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

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


# GB/T 9704-2012《党政机关公文格式》: A4 (5.2.1); 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm (5.2.2), so the
# right margin is 210 − 28 − 156 = 26 mm and the bottom 297 − 37 − 225 = 35 mm; 22 lines of 28 characters (5.2.3);
# title 2号小标宋 (7.3.3), body 3号仿宋 (5.2.2), headings 黑体 / 楷体 (7.3.3).
A4_WIDTH, A4_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
TITLE_SIZE, BODY_SIZE = 22, 16  # 二号, 三号 (pt)
LINE_PITCH = Mm(225 / 22)  # 22 lines in the 225 mm type area
# Declared fallbacks (the font table's altName): a machine without the 公文 fonts shows these instead.
FONT_FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体", HEADING_FONT: "SimHei"}
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def official_document() -> DocumentObject:
    """An empty document laid out as a 公文: A4, GB/T 9704 margins and line pitch, 仿宋 三号 body with its
    first line indented two characters, and the 公文 fonts declared with their fallbacks."""
    doc = Document()
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
        for side, value in MARGINS.items():
            setattr(section, side, value)
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    fmt.first_line_indent = Pt(2 * BODY_SIZE)
    _declare_fallbacks(doc)
    return doc


def _declare_fallbacks(doc: DocumentObject) -> None:
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = fromstring(part.blob)
    known = {f.get(f"{{{W}}}name") for f in root.findall(f"{{{W}}}font")}
    extra = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="auto"/></w:font>'
        for name, alt in FONT_FALLBACKS.items()
        if name not in known
    )
    part._blob = part.blob.replace(b"</w:fonts>", extra.encode("utf-8") + b"</w:fonts>")


def centered(doc: DocumentObject, text: str, font: str, size: float):
    """A centred line without the body's first-line indent (title, subtitle)."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    if size > BODY_SIZE:
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.AT_LEAST  # a 二号 title needs more than the pitch
    set_font(p.add_run(text), font, size)
    return p


def _new_document(title: str, limit: int | None, label: str | None = None) -> DocumentObject:
    doc = official_document()
    if label:
        # GB/T 9704 8: the attachment's label, 3号黑体, at the top left of its first page
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(0)
        set_font(p.add_run(label), HEADING_FONT, BODY_SIZE)
    centered(doc, title, TITLE_FONT, TITLE_SIZE)
    if limit:
        centered(doc, d.LIMIT_NOTE.format(limit=limit), SUBHEADING_FONT, BODY_SIZE)
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
    title = f"{enterprise.name}{deliverable.year}年度价值创造行动目标任务"
    doc = _new_document(title, deliverable.char_limit or 1500, d.ATTACHMENT1_LABEL)
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
