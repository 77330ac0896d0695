"""Generate the Attachment 2 workbook for one enterprise and deliverable (openpyxl).

SASAC-only columns are the only locked cells of the data area (sheet protection), 一级任务 is a
drop-down, and a very hidden, protected `_meta` sheet makes a returned file identify itself.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind, Enterprise
from campaign.reports.excel import write_meta_sheet
from campaign.workbook import schema as s
from campaign.workbook.self_review import add_sheet as add_self_review

BODY_FONT = Font(name="宋体", size=11)
HEADER_FONT = Font(name="黑体", size=11, bold=True)
TITLE_FONT = Font(name="方正小标宋简体", size=18)
NOTE_FONT = Font(name="仿宋_GB2312", size=11)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")  # grey = filled by 区国资委
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)


def sheet_title(enterprise: Enterprise, deliverable: Deliverable, config: CampaignConfig | None = None) -> str:
    """ "…2023年度目标任务清单"; a completion report is "…2023年度目标任务完成情况", the final one covering every
    assessed year "…2023—2024年度目标任务完成情况"."""
    if deliverable.kind is DeliverableKind.COMPLETION:
        return f"{enterprise.name}{deliverable.year}年度目标任务完成情况"
    if deliverable.kind is DeliverableKind.COMPLETION_FINAL:
        years = sorted(d.year for d in (config.deliverables if config else []) if d.kind is DeliverableKind.COMPLETION)
        span = f"{years[0]}—{years[-1]}" if years else f"{deliverable.year - 2}—{deliverable.year - 1}"
        return f"{enterprise.name}{span}年度目标任务完成情况"
    return f"{enterprise.name}{deliverable.year}年度目标任务清单"


def build_task_list(
    config: CampaignConfig, enterprise: Enterprise, deliverable: Deliverable, data_rows: int = s.DATA_ROWS
) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = s.SHEET_TITLE
    last_col = get_column_letter(len(s.COLUMNS))

    ws.cell(s.ATTACHMENT_ROW, 1, "附件2").font = NOTE_FONT
    ws.cell(s.TITLE_ROW, 1, sheet_title(enterprise, deliverable, config)).font = TITLE_FONT
    ws.merge_cells(f"A{s.TITLE_ROW}:{last_col}{s.TITLE_ROW}")
    ws.cell(s.TITLE_ROW, 1).alignment = CENTER
    ws.row_dimensions[s.TITLE_ROW].height = 32

    _header(ws)
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join([*config.benchmark_dimensions, s.OTHER_DIMENSION]) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="一级任务",
        error="请从下拉列表中选择对标维度；新增维度请选“其他”，并在二级任务中写明。",
        promptTitle="一级任务",
        prompt="从下拉列表选择八个对标维度之一，或“其他”。",
        showInputMessage=True,
    )
    target_tip = DataValidation(
        type=None,
        showInputMessage=True,
        promptTitle="年度目标值",
        prompt="填写“数值+单位”，如 1200万元、95%、3项、≤65%。",
    )
    ws.add_data_validation(dv)
    ws.add_data_validation(target_tip)

    last_data = s.FIRST_DATA_ROW + data_rows - 1
    styled = []
    for idx, col in enumerate(s.COLUMNS, start=1):
        cell = ws.cell(s.FIRST_DATA_ROW, idx)
        cell.font = BODY_FONT
        cell.border = BORDER
        cell.alignment = CENTER if col.key == "seq" else WRAP
        if col.enterprise_fills:
            cell.protection = UNLOCKED
        else:
            cell.fill = LOCKED_FILL
        styled.append(cell)
    # The other data rows take the first row's style by its index array (what openpyxl's own sheet copy
    # does): assigning style objects looks each one up in the workbook's style tables, which made styling
    # the data area most of the time of building a template — one is built per enterprise and window.
    for row in range(s.FIRST_DATA_ROW + 1, last_data + 1):
        for idx, first in enumerate(styled, start=1):
            ws.cell(row, idx)._style = copy(first._style)
    for i, indicator in enumerate(config.core_indicators):
        row = s.FIRST_DATA_ROW + i
        ws.cell(row, 1, i + 1)
        ws.cell(row, 2, "企业效益")
        ws.cell(row, 3, f"{indicator.name}（{indicator.unit}）")
    dv.add(f"B{s.FIRST_DATA_ROW}:B{last_data}")
    target_tip.add(f"H{s.FIRST_DATA_ROW}:H{last_data}")

    _total_row(ws, last_data + 1)
    notes_at = last_data + 3
    for offset, text in enumerate((*s.NOTES, s.FILL_HINT)):
        cell = ws.cell(notes_at + offset, 1, text)
        cell.font = NOTE_FONT
        ws.merge_cells(
            start_row=notes_at + offset, start_column=1, end_row=notes_at + offset, end_column=len(s.COLUMNS)
        )
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[notes_at + offset].height = 30

    for idx, col in enumerate(s.COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    ws.freeze_panes = ws.cell(s.FIRST_DATA_ROW, 3)  # header rows and 序号/一级任务 stay visible
    ws.print_title_rows = f"{s.HEADER_ROW_1}:{s.HEADER_ROW_2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    # Protection guards the layout, not secrets: no password, rows may be inserted and formatted.
    p = ws.protection
    p.sheet = True
    p.insertRows = False
    p.deleteRows = False
    p.formatRows = False
    p.formatColumns = False
    p.formatCells = False
    p.autoFilter = False

    if deliverable.kind in (DeliverableKind.COMPLETION, DeliverableKind.COMPLETION_FINAL):
        add_self_review(wb, f"{enterprise.name}{deliverable.title}自评")  # seed: 相应自评和总结
    _meta(wb, enterprise, deliverable)
    return wb


def _header(ws) -> None:
    # Merged first, styled after: merging a range whose first cell has a border re-adds that border cell by
    # cell around the range (openpyxl), the slowest part of building a template; styling every cell of the
    # merged ranges afterwards draws the same borders.
    groups: dict[str, list[int]] = {}
    for idx, col in enumerate(s.COLUMNS, start=1):
        if col.group:
            groups.setdefault(col.group, []).append(idx)
        else:
            ws.merge_cells(start_row=s.HEADER_ROW_1, start_column=idx, end_row=s.HEADER_ROW_2, end_column=idx)
    for cols in groups.values():
        ws.merge_cells(start_row=s.HEADER_ROW_1, start_column=cols[0], end_row=s.HEADER_ROW_1, end_column=cols[-1])
    first, second = s.expected_header_rows()
    for idx, col in enumerate(s.COLUMNS, start=1):
        for row in (s.HEADER_ROW_1, s.HEADER_ROW_2):
            cell = ws.cell(row, idx)
            cell.font = HEADER_FONT
            cell.alignment = CENTER
            cell.border = BORDER
            if not col.enterprise_fills:
                cell.fill = LOCKED_FILL
        if first[idx - 1] is not None:
            ws.cell(s.HEADER_ROW_1, idx, first[idx - 1])
        if second[idx - 1] is not None:
            ws.cell(s.HEADER_ROW_2, idx, second[idx - 1])
    ws.row_dimensions[s.HEADER_ROW_1].height = 22
    ws.row_dimensions[s.HEADER_ROW_2].height = 22


def _total_row(ws, row: int) -> None:
    values = {"seq": s.TOTAL_LABEL, "level1": "——", "level2": "——", "scoring_rule": s.TOTAL_SCORE_LABEL}
    for idx, col in enumerate(s.COLUMNS, start=1):
        cell = ws.cell(row, idx, values.get(col.key))
        cell.font = HEADER_FONT if col.key in values else BODY_FONT
        cell.border = BORDER
        cell.alignment = CENTER
        if col.key in ("scoring_rule", "score"):
            cell.fill = LOCKED_FILL


def _meta(wb: Workbook, enterprise: Enterprise, deliverable: Deliverable) -> None:
    write_meta_sheet(
        wb,
        {"enterprise_code": enterprise.code, "deliverable_id": deliverable.id, "template_version": s.TEMPLATE_VERSION},
    )


def template_filename(enterprise: Enterprise, deliverable: Deliverable, ext: str) -> str:
    """The file-name convention announced in the deployment notice: 企业代码_材料编号.扩展名."""
    return f"{enterprise.code}_{deliverable.id}.{ext}"


def write_task_list(config: CampaignConfig, enterprise: Enterprise, deliverable: Deliverable, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_filename(enterprise, deliverable, "xlsx")
    build_task_list(config, enterprise, deliverable).save(path)
    return path
