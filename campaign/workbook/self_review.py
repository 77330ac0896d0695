"""自评 (seed §三(三)一: "各企业要做好相应自评和总结……针对推进过程中出现的问题和薄弱环节，动态调整工作措施"):
a sheet in every progress and completion workbook, three questions, each answered in the enterprise's own words.

The sheet is written beside the main one (before the hidden metadata sheet) and read back as plain rows; whether
each answer is there is decided by `check_self_review` (campaign/validation/self_review.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Protection, Side

SHEET_TITLE = "自评"
ANSWER_COLUMN = 2
FIRST_ROW = 3
# key -> the question printed in column A
QUESTIONS = {
    "went_well": "做得好的方面（主要成效和经验）",
    "lagging": "滞后的方面（存在的问题和薄弱环节）",
    "adjustments": "动态调整工作措施（针对问题的调整和下一步安排）",
}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class SelfReview:
    went_well: str
    lagging: str
    adjustments: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def add_sheet(wb: Workbook, heading: str) -> None:
    """The 自评 sheet, placed second (after the main sheet); answers in column B, unlocked."""
    ws = wb.create_sheet(SHEET_TITLE, 1)
    ws.cell(1, 1, heading).font = Font(name="黑体", size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    ws.cell(2, 1, "请对照目标任务逐项自评，三项均须填写；如实写明滞后的方面和相应调整的工作措施。").font = Font(
        name="仿宋_GB2312", size=10
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=2)
    for offset, question in enumerate(QUESTIONS.values()):
        row = FIRST_ROW + offset
        label = ws.cell(row, 1, question)
        label.font = Font(name="黑体", bold=True)
        answer = ws.cell(row, ANSWER_COLUMN)
        answer.protection = Protection(locked=False)
        for cell in (label, answer):
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 90
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    ws.protection.sheet = True


def answers(rows: Sequence[Sequence[object]]) -> dict[str, str | None]:
    """Question key -> the answer written beside it (found by the question text, so row moves do not matter)."""
    by_label = {
        str(r[0]).strip(): (str(r[1]).strip() if len(r) > 1 and r[1] not in (None, "") else None)
        for r in rows
        if r and r[0] not in (None, "")
    }
    return {key: by_label.get(question) for key, question in QUESTIONS.items()}


def write_answers(wb: Workbook, answers_by_key: dict[str, str]) -> None:
    """Fill the 自评 sheet the way an enterprise does (the simulation and tests use it)."""
    ws = wb[SHEET_TITLE]
    for offset, key in enumerate(QUESTIONS):
        if key in answers_by_key:
            ws.cell(FIRST_ROW + offset, ANSWER_COLUMN, answers_by_key[key])
