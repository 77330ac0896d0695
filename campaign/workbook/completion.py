"""目标任务完成情况 (completion-2023, completion-2024, completion-final-2025): the filed list, reported on.

The seed files the 目标任务清单 with SASAC (报区国资委备案) and then asks for 目标任务完成情况 of that list. The
completion template is therefore the enterprise's accepted list of that year, every row, with everything filed
locked and only 实际完成值 and 备注 open; a completion file whose rows or 年度目标值 differ from the filed list
is rejected with each difference named, so targets cannot be lowered at year end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Protection

from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind, Enterprise
from campaign.reports.excel import write_cell
from campaign.validation.problems import Problem, problem, shorten
from campaign.validation.task_list import TaskItem
from campaign.workbook import schema as s
from campaign.workbook.generate import LOCKED_FILL, build_task_list

COMPLETION_KINDS = (DeliverableKind.COMPLETION, DeliverableKind.COMPLETION_FINAL)
# What the enterprise filed and may not change in its completion report (the rest of the filed columns are
# locked in the template as well; these decide what is scored).
COMPARED = ("level1", "level2", "annual_target")
FILLED_KEYS = (
    "seq",
    "level1",
    "level2",
    "benchmark_status",
    "current_status",
    "gap",
    "overall_target",
    "annual_target",
    "measures",
    "remarks",
)
OPEN_KEYS = ("actual_value", "remarks")  # what the enterprise fills in its completion report
MAX_DIFFERENCES = 30


@dataclass(frozen=True)
class FiledRow:
    """One row of the accepted 目标任务清单, as filed (texts as the enterprise wrote them)."""

    row_no: int
    seq: str | None
    level1: str
    level2: str | None
    benchmark_status: str | None
    current_status: str | None
    gap: str | None
    overall_target: str | None
    annual_target: str | None
    measures: str | None
    remarks: str | None

    @property
    def title(self) -> str:
        return self.level2 or self.level1 or f"第{self.row_no}行"


def is_completion(deliverable: Deliverable) -> bool:
    return deliverable.kind in COMPLETION_KINDS


def build_completion_workbook(
    config: CampaignConfig, enterprise: Enterprise, deliverable: Deliverable, filed: Sequence[FiledRow]
) -> Workbook:
    """The filed list with 实际完成值 to fill. Without a filed list: the blank list under the completion title."""
    wb = build_task_list(config, enterprise, deliverable, data_rows=max(s.DATA_ROWS, len(filed)))
    if not filed:
        return wb
    ws = wb[s.SHEET_TITLE]
    col = {key: i for i, key in enumerate(s.COLUMN_KEYS, start=1)}
    for offset in range(max(s.DATA_ROWS, len(filed))):
        row = s.FIRST_DATA_ROW + offset
        for key in s.COLUMN_KEYS:
            cell = ws.cell(row, col[key])
            cell.value = None
            if key not in OPEN_KEYS:
                cell.protection = Protection(locked=True)
                cell.fill = LOCKED_FILL
    for offset, filed_row in enumerate(filed):
        row = s.FIRST_DATA_ROW + offset
        for key in FILLED_KEYS:
            value: object = getattr(filed_row, key)
            if key == "seq" and isinstance(value, str) and value.isdigit():
                value = int(value)  # 序号 reads as the number it was typed as
            if value is not None:
                write_cell(ws, row, col[key], value)  # the enterprise's own filed text
    ws.data_validations.dataValidation = []  # nothing to choose: the filed 一级任务 stay as filed
    ws.protection.insertRows = True  # the filed rows are the rows to report on
    ws.protection.deleteRows = True
    return wb


def _norm(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def row_key(seq: object, position: int) -> str:
    """How a completion row finds its filed row: by 序号, else by its place in the list."""
    return _norm(seq) or f"#{position}"


def _label(seq: object, position: int, title: str | None) -> str:
    where = f"序号 {_norm(seq)}" if _norm(seq) else f"第 {position + 1} 项"
    return f"{where}（{shorten(title or '未命名任务', 16)}）"


def check_against_filed(items: Sequence[TaskItem], filed: Sequence[FiledRow], filed_name: str) -> list[Problem]:
    """Every row, 一级任务, 二级任务 and 年度目标值 that differs from the filed list, named (序号, column, values)."""
    headers = {c.key: c.header for c in s.COLUMNS}
    expected = {row_key(f.seq, n): (n, f) for n, f in enumerate(filed)}
    got = {row_key(i.values.get("seq"), n): (n, i) for n, i in enumerate(items)}
    problems: list[Problem] = []
    for key, (n, f) in expected.items():
        if key not in got:
            problems.append(
                problem(
                    "E_COMPLETION_ROW_MISSING",
                    row=_label(f.seq, n, f.title),
                    filed=filed_name,
                )
            )
            continue
        _, item = got[key]
        for column in COMPARED:
            before, after = getattr(f, column), item.text(column)
            if _norm(before) != _norm(after):
                problems.append(
                    problem(
                        "E_COMPLETION_CHANGED",
                        row=_label(f.seq, n, f.title),
                        column=headers[column],
                        filed=filed_name,
                        before=shorten(before or "（空）", 30),
                        after=shorten(after or "（空）", 30),
                    )
                )
    for key, (n, item) in got.items():
        if key not in expected:
            title = item.text("level2") or item.text("level1")
            problems.append(
                problem("E_COMPLETION_ROW_ADDED", row=_label(item.values.get("seq"), n, title), filed=filed_name)
            )
    return problems[:MAX_DIFFERENCES]
