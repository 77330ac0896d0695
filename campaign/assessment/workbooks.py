"""Workbooks of the annual assessment.

- 评分表 (scoring sheet): every scored row with its auto score; SASAC fills 调整后得分 and 调整理由 and
  imports it back (`campaign scores import`). A very hidden `_meta` sheet names the year.
- 负责人经营业绩考核挂钩表 (linkage sheet): totals, ranks within 功能分类, grades.
- 考核结果清单: each enterprise's own list with 计分规则 / 年度考核得分 and the 总分 written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils.exceptions import InvalidFileException

from campaign.assessment.rules import Adjustment, EnterpriseResult
from campaign.errors import ScoringSheetError
from campaign.reports.excel import META_SHEET, safe_cell, styled_cell, write_cell, write_meta_sheet
from campaign.workbook import schema as s

SCORING_KIND = "assessment-scoring"
SCORING_HEADER = (
    "企业代码",
    "企业名称",
    "功能分类",
    "行号",
    "一级任务",
    "任务/指标",
    "年度目标值",
    "实际完成值",
    "完成率",
    "权重",
    "计分规则",
    "自动得分",
    "调整后得分",
    "调整理由",
    "说明",
)
EDITABLE = {"调整后得分", "调整理由"}
HEADER_FONT = Font(name="黑体", bold=True)
TITLE_FONT = Font(name="黑体", size=14, bold=True)
EDIT_FILL = PatternFill("solid", fgColor="FFF2CC")
UNLOCKED = Protection(locked=False)


def build_scoring_sheet(year: int, results: list[EnterpriseResult]) -> Workbook:
    """Write-only (rows stream to disk, memory stays flat at any number of enterprises): save it once."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{year}年度考核评分表")
    ws.protection.sheet = True  # only 调整后得分 / 调整理由 can be typed into
    ws.freeze_panes = "E2"
    for letter, width in zip("ABCDEFGHIJKLMNO", (10, 30, 10, 6, 14, 24, 12, 12, 9, 8, 36, 9, 11, 30, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([styled_cell(ws, h, font=HEADER_FONT) for h in SCORING_HEADER])
    editable = {k for k, h in enumerate(SCORING_HEADER) if h in EDITABLE}
    for r in results:
        for i in r.items:
            values = (
                r.code,
                r.name,
                r.category,
                i.item.row_no,
                i.item.dimension,
                i.item.title,
                i.item.target,
                i.item.actual,
                None if i.completion is None else round(min(i.completion, 99.0), 4),
                i.weight,
                i.rule_text,
                None if i.adjusted else i.score,
                i.score if i.adjusted else None,
                None,
                i.note,
            )
            ws.append(
                [
                    styled_cell(ws, v, fill=EDIT_FILL, protection=UNLOCKED) if k in editable else safe_cell(v)
                    for k, v in enumerate(values)
                ]
            )
    write_meta_sheet(wb, {"kind": SCORING_KIND, "year": str(year)})
    return wb


@dataclass(frozen=True)
class ImportedScores:
    year: int
    adjustments: list[Adjustment]


def read_scoring_sheet(path: Path) -> ImportedScores:
    try:
        wb = load_workbook(path, read_only=False, data_only=False)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ScoringSheetError([f"无法打开 {path.name}：不是有效的 .xlsx 文件（{type(exc).__name__}）"]) from None
    if META_SHEET not in wb.sheetnames:
        raise ScoringSheetError(
            [f"{path.name} 不是系统导出的评分表（缺少标识），请用 campaign scores export 导出后填写"]
        )
    meta = {str(r[0]): str(r[1]) for r in wb[META_SHEET].iter_rows(values_only=True) if r and r[0]}
    if meta.get("kind") != SCORING_KIND or not meta.get("year", "").isdigit():
        raise ScoringSheetError([f"{path.name} 不是年度考核评分表"])
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = tuple(rows[0]) if rows else ()
    if tuple(header[: len(SCORING_HEADER)]) != SCORING_HEADER:
        raise ScoringSheetError(["表头被改动，请勿增删或重命名列"])
    col = {h: i for i, h in enumerate(SCORING_HEADER)}
    problems, adjustments = [], []
    for number, row in enumerate(rows[1:], start=2):
        new, reason = row[col["调整后得分"]], row[col["调整理由"]]
        if new in (None, ""):
            if reason not in (None, ""):
                problems.append(f"第 {number} 行：填写了调整理由但没有调整后得分")
            continue
        if isinstance(new, str) and new.startswith("="):
            problems.append(f"第 {number} 行：调整后得分不能是公式，请直接填写数值")
            continue
        try:
            score = float(new)
        except (TypeError, ValueError):
            problems.append(f"第 {number} 行：调整后得分“{new}”不是数值")
            continue
        code, row_no = row[col["企业代码"]], row[col["行号"]]
        if not reason or not str(reason).strip():
            problems.append(f"第 {number} 行（{code} 第 {row_no} 行）：调整得分必须填写调整理由")
            continue
        adjustments.append(Adjustment(str(code), int(row_no), score, str(reason).strip()))
    if problems:
        raise ScoringSheetError(problems)
    return ImportedScores(int(meta["year"]), adjustments)


LINKAGE_HEADER = (
    "企业代码",
    "企业名称",
    "功能分类",
    "各行得分合计",
    "总分",
    "分类排名",
    "等级",
    "说明",
    "量化目标达成",
)


def build_linkage_sheet(year: int, results: list[EnterpriseResult], issuer: str) -> Workbook:
    """与企业负责人经营业绩考核挂钩 (seed §三(三)): one row per enterprise, ranked within 功能分类.

    Write-only, like the scoring sheet: save it once."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("经营业绩考核挂钩")
    ws.freeze_panes = "C4"
    for letter, width in zip("ABCDEFGHI", (10, 34, 10, 12, 9, 10, 8, 40, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([styled_cell(ws, f"{year}年度价值创造行动考核结果（与企业负责人经营业绩考核挂钩）", font=TITLE_FONT)])
    ws.append([safe_cell(f"{issuer}　分类排名在同一功能分类内进行（分类考核）")])
    ws.append([styled_cell(ws, h, font=HEADER_FONT) for h in LINKAGE_HEADER])
    for r in results:
        ws.append(
            [
                safe_cell(v)
                for v in (
                    r.code,
                    r.name,
                    r.category,
                    r.base_total,
                    r.total,
                    f"{r.rank_in_category}/{r.category_size}",
                    r.grade,
                    "；".join(r.notes),
                    f"{r.targets_met}/{r.quantified}" if r.quantified else "—",
                )
            ]
        )
    return wb


def write_scores_into_list(original: Path, result: EnterpriseResult, out: Path) -> Path:
    """The enterprise's own list with SASAC's 计分规则, 年度考核得分 and 总分 filled in."""
    with original.open("rb") as fh:  # content-addressed files have no extension for openpyxl to check
        wb = load_workbook(fh)
    ws = wb[s.SHEET_TITLE] if s.SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
    rule_col = s.COLUMN_KEYS.index("scoring_rule") + 1
    score_col = s.COLUMN_KEYS.index("score") + 1
    for item in result.items:
        write_cell(ws, item.item.row_no, rule_col, item.rule_text)  # may carry a reviewer's adjustment note
        ws.cell(item.item.row_no, score_col, item.score if item.score is not None else 0)
    for row in range(s.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row, 1).value == s.TOTAL_LABEL:
            ws.cell(row, score_col, result.total)
            break
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
