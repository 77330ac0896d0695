"""Next year's 目标任务清单 pre-filled from last year's list and results (seed §三(二)二: 2024年初 …
编制完成2024年度价值创造行动目标任务，细化任务清单).

Carried over: 一级任务, 二级任务, 标杆企业现状, 总体目标, 主要措施. 企业现状 becomes last year's actual and 存在差距
is recomputed from it against 标杆企业现状 once last year's 完成情况 is accepted; until then both stay empty (last
year's gap text would describe last year's baseline). 年度目标值 is left empty for the enterprise to set; 备注
records last year's target and score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook

from campaign.config.model import CampaignConfig, Deliverable, Enterprise
from campaign.reports.excel import write_cell
from campaign.validation.targets import parse_target
from campaign.workbook import schema as s
from campaign.workbook.generate import build_task_list

LOWER_COMPARATORS = ("≤", "<=", "<", "＜", "不高于", "不多于", "不超过")


@dataclass(frozen=True)
class PriorRow:
    row_no: int
    level1: str
    level2: str | None
    core_indicator: str | None
    benchmark_status: str | None
    gap: str | None
    overall_target: str | None
    measures: str | None
    annual_target_text: str | None
    actual_value: str | None
    score: float | None


def _amount(value: float, unit: str) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + ("个百分点" if unit == "%" else unit)


def recomputed_gap(prior: PriorRow, prior_year: int, lower_is_better: bool) -> str | None:
    """存在差距 from last year's actual and 标杆企业现状 when both are numbers in one unit (pure); else None, and
    the enterprise writes it."""
    actual, benchmark = parse_target(prior.actual_value), parse_target(prior.benchmark_status)
    if actual is None or benchmark is None or (actual.unit and benchmark.unit and actual.unit != benchmark.unit):
        return None
    unit = actual.unit or benchmark.unit
    behind = actual.value - benchmark.value if lower_is_better else benchmark.value - actual.value
    basis = f"按{prior_year}年实际完成值（{prior.actual_value}）计，"
    if behind > 0:
        return basis + f"{'高于' if lower_is_better else '低于'}标杆{_amount(behind, unit)}"
    return basis + "已达到标杆企业现状"


def carry_over_row(prior: PriorRow, prior_year: int, lower_is_better: bool = False) -> dict[str, object]:
    """The values one prior row contributes to next year's list (pure)."""
    remarks = [f"{prior_year}年度目标值：{prior.annual_target_text or '未填'}"]
    if prior.score is not None:
        remarks.append(f"考核得分：{prior.score:g}")
    return {
        "level1": prior.level1,
        "level2": prior.level2,
        "benchmark_status": prior.benchmark_status,
        "current_status": f"{prior_year}年实际完成值：{prior.actual_value}" if prior.actual_value else None,
        "gap": recomputed_gap(prior, prior_year, lower_is_better) if prior.actual_value else None,
        "overall_target": prior.overall_target,
        "annual_target": None,
        "measures": prior.measures,
        "remarks": "；".join(remarks),
    }


def build_next_year_list(
    config: CampaignConfig, enterprise: Enterprise, deliverable: Deliverable, prior: Sequence[PriorRow], prior_year: int
) -> Workbook:
    wb = build_task_list(config, enterprise, deliverable)
    ws = wb[s.SHEET_TITLE]
    col = {key: i for i, key in enumerate(s.COLUMN_KEYS, start=1)}
    core_rows = {i.name: s.FIRST_DATA_ROW + n for n, i in enumerate(config.core_indicators)}
    next_free = s.FIRST_DATA_ROW + len(config.core_indicators)
    last_data = s.FIRST_DATA_ROW + s.DATA_ROWS - 1
    lower = {i.name for i in config.core_indicators if i.direction == "lower"}
    for row in sorted(prior, key=lambda r: r.row_no):
        target = parse_target(row.annual_target_text)
        lower_is_better = row.core_indicator in lower or bool(target and target.comparator in LOWER_COMPARATORS)
        values = carry_over_row(row, prior_year, lower_is_better)
        if row.core_indicator in core_rows:
            target_row = core_rows[row.core_indicator]
            values.pop("level1")
            values.pop("level2")  # keep the template's "利润总额（万元）" wording
        elif next_free <= last_data:
            target_row = next_free
            next_free += 1
            ws.cell(target_row, col["seq"], target_row - s.FIRST_DATA_ROW + 1)
        else:
            continue  # more rows than the template holds: the enterprise adds them itself
        for key, value in values.items():
            if value is not None:
                write_cell(ws, target_row, col[key], value)  # last year's text, as the enterprise filed it
    return wb
