"""Fill a generated Attachment 2 template the way an enterprise does (openpyxl, no Excel)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from campaign.workbook import schema as s
from campaign.workbook.self_review import SHEET_TITLE as SELF_REVIEW_SHEET
from campaign.workbook.self_review import write_answers

SELF_REVIEW = {
    "went_well": "利润总额、全员劳动生产率达到年度目标，成本管控成效明显。",
    "lagging": "资产负债率压降进度偏慢，研发投入强度与标杆仍有差距。",
    "adjustments": "加快应收账款清收和存量资产盘活，设立研发专项资金，按季度跟踪调整。",
}
CORE_TARGETS = ["12000万元", "9000", "≤65%", "6.5%", "80万元/人", "≥90%"]
EXTRA_ROWS = [
    ("科技创新", "研发投入强度", "行业标杆3%", "1.2%", "1.8个百分点", "研发投入强度达到3%", "2%", "设立研发专项资金"),
    (
        "数字化变革",
        "业财一体化系统上线",
        "全面上线",
        "未上线",
        "系统缺失",
        "全级次覆盖",
        "2个子企业",
        "融入市国资委数智业财一体化建设",
    ),
    ("人才队伍建设", "本科以上学历占比", "85%", "62%", "23个百分点", "80%", "68%", "校园招聘、在职学历提升"),
]


def fill(path: Path, out: Path | None = None, core_targets=CORE_TARGETS, extra_rows=EXTRA_ROWS, edit=None) -> Path:
    wb = load_workbook(path)
    ws = wb[s.SHEET_TITLE]
    col = {c.key: i for i, c in enumerate(s.COLUMNS, start=1)}
    row = s.FIRST_DATA_ROW
    for target in core_targets:
        ws.cell(row, col["benchmark_status"], "行业前10%水平")
        ws.cell(row, col["current_status"], "行业中游")
        ws.cell(row, col["gap"], "差距明显")
        ws.cell(row, col["overall_target"], "到2025年达到行业前列")
        ws.cell(row, col["annual_target"], target)
        ws.cell(row, col["measures"], "压降成本、提质增效")
        row += 1
    for level1, level2, bench, now, gap, overall, annual, measures in extra_rows:
        ws.cell(row, col["seq"], row - s.FIRST_DATA_ROW + 1)
        for key, value in zip(
            (
                "level1",
                "level2",
                "benchmark_status",
                "current_status",
                "gap",
                "overall_target",
                "annual_target",
                "measures",
            ),
            (level1, level2, bench, now, gap, overall, annual, measures),
            strict=False,
        ):
            ws.cell(row, col[key], value)
        row += 1
    if SELF_REVIEW_SHEET in wb.sheetnames:
        write_answers(wb, SELF_REVIEW)
    if edit is not None:
        edit(wb, ws, col)
    out = out or path
    wb.save(out)
    return out


# Attachment 1 in an enterprise's own words: every section filled, benchmarks and 创标 subsidiaries in the
# template's format (campaign/documents/schema.py BENCHMARK_FORMAT, CHUANGBIAO_FORMAT).
OWN_TEXT = {
    "可根据实际": "对标方式：多户。对标企业：招商局集团有限公司、华润（集团）有限公司。",
    "到2025年": "到2025年，公司发展成为全区领先的城市综合服务企业，利润总额、净资产收益率进入全区前列。",
    "以对标促达标": "创标企业：示例城市物流有限公司（业务板块：现代物流；对标企业：中国外运股份有限公司）。",
}


def fill_attachment1(doc, dimension: str = "对照标杆找差距，明确责任部门和时间节点，按季度跟踪推进。") -> None:
    """Replace the guidance of a python-docx Attachment 1 with own text and write under every dimension."""
    from campaign.documents import schema as d

    formats = {d.BENCHMARK_FORMAT, d.CHUANGBIAO_FORMAT}
    for i, p in enumerate(doc.paragraphs):
        own = next((text for start, text in OWN_TEXT.items() if p.text.startswith(start)), None)
        if own:
            p.text = own
        elif p.text in formats:
            p.text = ""
        elif not p.text and i > 0 and doc.paragraphs[i - 1].text in d.TASK_SUBSECTIONS:
            p.text = dimension


def file_attachment1(
    folder: Path, code: str, deliverable: str, as_of: str, benchmarks: str | None = None, units: str | None = None
):
    """Attachment 1 filled by `code` (fill_attachment1), optionally with its own 对标对象 / 创标企业 lines, sent
    through the real intake; returns the outcome."""
    from docx import Document

    from campaign.calendar.clock import resolve_as_of
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.documents.generate import write_document
    from campaign.intake.core import process_file
    from notifications.channels import load_channels

    config = load_config()
    path = write_document(config.enterprise(code), config.deliverable(deliverable), folder / deliverable / code)
    doc = Document(str(path))
    fill_attachment1(doc)
    for start, text in (("对标方式", benchmarks), ("创标企业", units)):
        if text:
            next(p for p in doc.paragraphs if p.text.startswith(start)).text = text
    doc.save(str(path))
    return process_file(path, config, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))
