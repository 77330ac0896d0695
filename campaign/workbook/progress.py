"""进展情况 workbook (每半年报送进展情况, seed §三(三)一): pre-filled from the enterprise's accepted 目标任务清单.

The enterprise fills 半年完成值 (quantified like the target), 进展说明 and 存在问题及下步措施 per row,
and 总体进展情况 at the end. A hidden column carries each row's 清单行号 so a returned file maps back
to the task items it reports on; the `_meta` sheet identifies enterprise, deliverable and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

from campaign.config.model import Deliverable, Enterprise
from campaign.reports.excel import write_cell, write_meta_sheet
from campaign.validation.problems import Problem, problem, shorten
from campaign.validation.targets import parse_target
from campaign.workbook.self_review import add_sheet as add_self_review

TEMPLATE_ID = "progress"
TEMPLATE_VERSION = "progress/2023.1"
SHEET_TITLE = "进展情况"
HEADER = ("序号", "一级任务", "二级任务/指标", "年度目标值", "半年完成值", "进展说明", "存在问题及下步措施", "清单行号")
HEADER_ROW = 3
FIRST_ROW = 4
NARRATIVE_LABEL = "总体进展情况"
EDITABLE = {"半年完成值", "进展说明", "存在问题及下步措施"}
WIDTHS = (6, 16, 26, 14, 14, 36, 36, 8)

_BORDER = Border(*(Side(style="thin", color="000000"),) * 4)
_LOCKED = PatternFill("solid", fgColor="EDEDED")
_WRAP = Alignment(wrap_text=True, vertical="center")


@dataclass(frozen=True)
class PlannedRow:
    """A row of the accepted list, as the progress template shows it."""

    task_row_no: int
    dimension: str
    title: str
    target_text: str


@dataclass(frozen=True)
class ProgressRow:
    task_row_no: int
    dimension: str
    title: str
    target_text: str
    value_text: str | None
    value: float | None
    note: str | None
    issues: str | None


@dataclass(frozen=True)
class ProgressReport:
    rows: list[ProgressRow]
    narrative: str | None


def period_label(period: str) -> str:
    return f"{period[:4]}年{'上' if period.endswith('H1') else '下'}半年"


def build_progress_workbook(
    enterprise: Enterprise, deliverable: Deliverable, planned: Sequence[PlannedRow]
) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.cell(1, 1, f"{enterprise.name}{period_label(deliverable.period or '')}价值创造行动进展情况").font = Font(
        name="黑体", size=16
    )
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER) - 1)
    ws.cell(
        2, 1, "填报提示：灰色列由系统按备案的目标任务清单预填，请勿改动；“半年完成值”请填写与年度目标值同单位的数值。"
    ).font = Font(name="仿宋_GB2312", size=10)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADER) - 1)
    for col, title in enumerate(HEADER, start=1):
        cell = ws.cell(HEADER_ROW, col, title)
        cell.font = Font(name="黑体", bold=True)
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, row in enumerate(planned):
        r = FIRST_ROW + offset
        values = (offset + 1, row.dimension, row.title, row.target_text, None, None, None, row.task_row_no)
        for col, (title, value) in enumerate(zip(HEADER, values, strict=False), start=1):
            cell = write_cell(ws, r, col, value)  # 任务 and 目标 are the enterprise's own text
            cell.border = _BORDER
            cell.alignment = _WRAP
            cell.font = Font(name="宋体", size=11)
            if title in EDITABLE:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = _LOCKED
    label_row = FIRST_ROW + len(planned)
    ws.cell(label_row, 1, NARRATIVE_LABEL).font = Font(name="黑体", bold=True)
    ws.merge_cells(start_row=label_row, start_column=1, end_row=label_row, end_column=len(HEADER) - 1)
    narrative = ws.cell(label_row + 1, 1)
    narrative.protection = Protection(locked=False)
    narrative.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=label_row + 1, start_column=1, end_row=label_row + 1, end_column=len(HEADER) - 1)
    ws.row_dimensions[label_row + 1].height = 120
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[chr(64 + col)].width = width
    ws.column_dimensions["H"].hidden = True
    ws.freeze_panes = ws.cell(FIRST_ROW, 4)
    ws.protection.sheet = True
    add_self_review(wb, f"{enterprise.name}{period_label(deliverable.period or '')}价值创造行动自评")
    write_meta_sheet(
        wb, {"enterprise_code": enterprise.code, "deliverable_id": deliverable.id, "template_version": TEMPLATE_VERSION}
    )
    return wb


def write_progress_workbook(
    enterprise: Enterprise, deliverable: Deliverable, planned: Sequence[PlannedRow], out_dir: Path
) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{enterprise.code}_{deliverable.id}.xlsx"
    build_progress_workbook(enterprise, deliverable, planned).save(path)
    return path


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_progress(rows: Sequence[Sequence[object]]) -> tuple[ProgressReport | None, list[Problem]]:
    """Read the rows of a returned progress workbook (values only); structural problems only."""
    header_index = next(
        (i for i, r in enumerate(rows[:10]) if tuple(_text(v) for v in list(r)[: len(HEADER)]) == HEADER), None
    )
    if header_index is None:
        return None, [problem("E_COLUMNS", detail="找不到进展表的表头", expected="、".join(HEADER[:-1]))]
    parsed: list[ProgressRow] = []
    narrative = None
    body = rows[header_index + 1 :]
    for i, raw in enumerate(body):
        cells = list(raw) + [None] * (len(HEADER) - len(raw))
        if _text(cells[0]) == NARRATIVE_LABEL:
            narrative = _text(body[i + 1][0]) if i + 1 < len(body) and body[i + 1] else None
            break
        if all(_text(c) is None for c in cells[: len(HEADER)]):
            continue
        value_text = _text(cells[4])
        target = parse_target(value_text)
        row_no = cells[7]
        parsed.append(
            ProgressRow(
                task_row_no=int(row_no) if isinstance(row_no, (int, float)) else -1,
                dimension=_text(cells[1]) or "",
                title=_text(cells[2]) or "",
                target_text=_text(cells[3]) or "",
                value_text=value_text,
                value=target.value if target else None,
                note=_text(cells[5]),
                issues=_text(cells[6]),
            )
        )
    return ProgressReport(parsed, narrative), []


def check_rows_match(report: ProgressReport, planned: Sequence[PlannedRow]) -> list[Problem]:
    """The locked columns must still describe the filed list, row for row."""
    expected = {p.task_row_no: p for p in planned}
    got = {r.task_row_no for r in report.rows}
    missing = [p for n, p in expected.items() if n not in got]
    extra = [r for r in report.rows if r.task_row_no not in expected]
    changed = [
        r
        for r in report.rows
        if r.task_row_no in expected
        and (r.title, r.target_text) != (expected[r.task_row_no].title, expected[r.task_row_no].target_text)
    ]
    details = []
    if missing:
        details.append("删除了 " + "、".join(shorten(p.title) for p in missing[:5]))
    if extra:
        details.append(f"增加了 {len(extra)} 行")
    if changed:
        details.append("改动了 " + "、".join(shorten(r.title) for r in changed[:5]))
    return [problem("E_PROGRESS_ROWS_CHANGED", detail="；".join(details))] if details else []


def check_values(report: ProgressReport) -> list[Problem]:
    problems = []
    for offset, row in enumerate(report.rows):
        if parse_target(row.target_text) is not None and row.value is None:
            problems.append(
                problem(
                    "E_PROGRESS_NOT_QUANTIFIED",
                    row=FIRST_ROW + offset,
                    task=shorten(row.title),
                    value=shorten(row.value_text or "（空）"),
                    target=row.target_text,
                )
            )
    return problems


def check_narrative(report: ProgressReport) -> list[Problem]:
    return [] if report.narrative else [problem("E_NARRATIVE_MISSING")]


def validate_progress(
    rows: Sequence[Sequence[object]], planned: Sequence[PlannedRow] | None
) -> tuple[ProgressReport | None, list[Problem]]:
    report, problems = parse_progress(rows)
    if report is None:
        return None, problems
    if planned is not None:
        problems += check_rows_match(report, planned)
    problems += check_values(report) + check_narrative(report)
    return report, problems
