"""Rules for the Attachment 2 task list, over plain rows (as read from the workbook): pure functions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from campaign.config.model import Indicator
from campaign.validation.problems import Problem, problem, shorten
from campaign.validation.targets import Target, parse_target
from campaign.workbook import schema as s

MAX_ITEMS = 500
MAX_CELL_CHARS = 2_000
_CONTENT_KEYS = (
    "benchmark_status",
    "current_status",
    "gap",
    "overall_target",
    "annual_target",
    "measures",
    "actual_value",
    "remarks",
)


@dataclass(frozen=True)
class TaskItem:
    row: int  # row number in the sheet (1-based), as the enterprise sees it
    values: dict[str, object]  # column key -> value (None when empty)
    target: Target | None

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip() or None


def _norm(value: object) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def find_header(rows: Sequence[Sequence[object]]) -> int | None:
    """Index (0-based) of the first header row: the row starting with 序号 within the first rows."""
    for i, row in enumerate(rows[:15]):
        if row and _norm(row[0]) == "序号":
            return i
    return None


def check_header(rows: Sequence[Sequence[object]]) -> list[Problem]:
    expected_1, expected_2 = s.expected_header_rows()
    expected_text = "、".join((f"{c.group}（{c.header}）" if c.group else c.header) for c in s.COLUMNS).replace(
        "发展目标（总体目标）、发展目标（年度目标值）", "发展目标（总体目标、年度目标值）"
    )
    at = find_header(rows)
    if at is None or at + 1 >= len(rows):
        return [problem("E_COLUMNS", detail="找不到以“序号”开头的表头行", expected=expected_text)]
    found_1 = [_norm(v) or None for v in list(rows[at]) + [None] * len(s.COLUMNS)]
    found_2 = [_norm(v) or None for v in list(rows[at + 1]) + [None] * len(s.COLUMNS)]
    diffs = []
    for idx, col in enumerate(s.COLUMNS):
        want = expected_2[idx] if col.group else expected_1[idx]
        got = found_2[idx] if col.group else found_1[idx]
        if got != want:
            diffs.append(f"第 {idx + 1} 列应为“{want}”，实为“{got or '空'}”")
    if expected_1[6] and found_1[6] != expected_1[6]:
        diffs.append(f"第 7 列上方应为“{expected_1[6]}”，实为“{found_1[6] or '空'}”")
    extra = [v for v in found_1[len(s.COLUMNS) :] + found_2[len(s.COLUMNS) :] if v]
    if extra:
        diffs.append(f"模板之外多了列“{shorten(extra[0], 10)}”")
    if not diffs:
        return []
    return [
        problem("E_COLUMNS", detail="；".join(diffs[:5]) + ("等" if len(diffs) > 5 else ""), expected=expected_text)
    ]


def extract_items(rows: Sequence[Sequence[object]]) -> list[TaskItem]:
    """Data rows between the header and the 总体情况 row; blank rows skipped.

    A blank 一级任务 inherits the one above: enterprises merge that column over a dimension's rows,
    and a merged cell reads as empty below its first row.
    """
    at = find_header(rows)
    if at is None:
        return []
    items: list[TaskItem] = []
    level1: object = None
    for offset, row in enumerate(rows[at + 2 :]):
        cells = list(row) + [None] * len(s.COLUMNS)
        if _norm(cells[0]) == s.TOTAL_LABEL:
            break
        values = dict(zip(s.COLUMN_KEYS, cells[: len(s.COLUMNS)], strict=False))
        if all(
            v in (None, "") or (isinstance(v, str) and not v.strip())
            for v in (values[k] for k in s.COLUMN_KEYS if k != "seq")
        ):
            continue
        if values["level1"] in (None, "") and level1 is not None:
            values["level1"] = level1
        level1 = values["level1"]
        items.append(TaskItem(at + 3 + offset, values, parse_target(values["annual_target"])))
    return items


def has_content(item: TaskItem) -> bool:
    return any(item.values.get(k) not in (None, "") for k in _CONTENT_KEYS)


def check_not_empty(items: Sequence[TaskItem]) -> list[Problem]:
    return [] if any(has_content(i) for i in items) else [problem("E_EMPTY_LIST")]


def check_row_count(items: Sequence[TaskItem]) -> list[Problem]:
    return [problem("E_TOO_MANY_ROWS", rows=len(items), limit=MAX_ITEMS)] if len(items) > MAX_ITEMS else []


def allowed_dimensions(dimensions: Sequence[str]) -> list[str]:
    return [*dimensions, s.OTHER_DIMENSION]


def dimension_ok(value: object, dimensions: Sequence[str]) -> bool:
    text = _norm(value)
    return text in dimensions or text.startswith(s.OTHER_DIMENSION)


def check_dimensions(items: Sequence[TaskItem], dimensions: Sequence[str]) -> list[Problem]:
    allowed = "、".join(allowed_dimensions(dimensions))
    return [
        problem("E_DIMENSION", row=i.row, value=shorten(i.values["level1"] or "空"), allowed=allowed)
        for i in items
        if not dimension_ok(i.values["level1"], dimensions)
    ]


def check_targets(items: Sequence[TaskItem]) -> list[Problem]:
    return [
        problem(
            "E_TARGET_NOT_QUANTIFIED",
            row=i.row,
            task=shorten(i.text("level2") or i.text("level1") or "未命名任务", 16),
            value=shorten(i.text("annual_target") or "空"),
        )
        for i in items
        if i.target is None
    ]


def check_actuals(items: Sequence[TaskItem]) -> list[Problem]:
    """完成情况 (completion-*) reports what was achieved: every task needs its 实际完成值."""
    return [
        problem("E_ACTUAL_MISSING", row=i.row, task=shorten(i.text("level2") or i.text("level1") or "未命名任务", 16))
        for i in items
        if i.text("actual_value") is None
    ]


def check_sasac_columns(items: Sequence[TaskItem]) -> list[Problem]:
    return [
        problem("E_SASAC_COLUMN_FILLED", row=i.row, column=col.header, value=shorten(i.values[col.key]))
        for i in items
        for col in s.SASAC_COLUMNS
        if i.values.get(col.key) not in (None, "")
    ]


def indicator_of(item: TaskItem, indicators: Sequence[Indicator]) -> Indicator | None:
    name = _norm(item.values.get("level2"))
    return next((ind for ind in indicators if name.startswith(ind.name)), None)


def check_core_indicators(items: Sequence[TaskItem], indicators: Sequence[Indicator]) -> list[Problem]:
    present = {
        ind.name
        for i in items
        if _norm(i.values.get("level1")) == "企业效益"
        for ind in [indicator_of(i, indicators)]
        if ind is not None
    }
    return [
        problem("E_CORE_INDICATOR_MISSING", indicator=ind.name, unit=ind.unit)
        for ind in indicators
        if ind.name not in present
    ]


def check_cell_lengths(items: Sequence[TaskItem]) -> list[Problem]:
    headers = {c.key: c.header for c in s.COLUMNS}
    return [
        problem("E_TOO_LONG", what=f"第 {i.row} 行“{headers[k]}”", count=len(str(v)), limit=MAX_CELL_CHARS)
        for i in items
        for k, v in i.values.items()
        if isinstance(v, str) and len(v) > MAX_CELL_CHARS
    ]


def unit_for(item: TaskItem, indicators: Sequence[Indicator]) -> str:
    """The unit of a target: written in the cell, else implied by a core indicator row."""
    if item.target and item.target.unit:
        return item.target.unit
    ind = indicator_of(item, indicators)
    return ind.unit if ind else ""


def validate_task_list(
    rows: Sequence[Sequence[object]],
    dimensions: Sequence[str],
    indicators: Sequence[Indicator],
    completion: bool = False,
) -> tuple[list[TaskItem], list[Problem]]:
    header = check_header(rows)
    if header:
        return [], header  # without the right columns, every other rule would read the wrong cells
    items = extract_items(rows)
    problems = check_not_empty(items) + check_row_count(items)
    if problems:
        return items, problems
    problems += check_dimensions(items, dimensions)
    problems += check_targets(items)
    if completion:
        problems += check_actuals(items)
    problems += check_sasac_columns(items)
    problems += check_core_indicators(items, indicators)
    problems += check_cell_lengths(items)
    return items, problems
