"""Layout of the Attachment 2 workbook (目标任务清单), shared by the generator, the reader and the validators.

Columns follow the seed's template exactly; 发展目标 is split over two header rows into 总体目标 and
年度目标值. The unit of 年度目标值 lives inside the cell as "数值+单位" (e.g. 1200万元, 95%, 3项): this
keeps the seed's 13 columns unchanged while every target stays machine-readable (see
campaign/validation/targets.py). Rows pre-listing a core indicator carry the unit in 二级任务
("利润总额（万元）"), so a bare number there is unambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaign.reports.excel import META_SHEET  # noqa: F401  (very hidden + protected: identifies a returned file)

TEMPLATE_ID = "attachment2-task-list"
# Bump when the layout changes: returned files of an older layout are rejected with E_TEMPLATE_VERSION.
TEMPLATE_VERSION = "attachment2-task-list/2023.1"

SHEET_TITLE = "目标任务清单"


@dataclass(frozen=True)
class Column:
    key: str  # database / code name
    header: str  # second header row (or the merged one)
    group: str | None = None  # first header row when split (发展目标)
    width: float = 14
    enterprise_fills: bool = True  # False: SASAC fills (locked, must stay empty)


COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", width=6),
    Column("level1", "一级任务", width=16),
    Column("level2", "二级任务", width=22),
    Column("benchmark_status", "标杆企业现状", width=20),
    Column("current_status", "企业现状", width=20),
    Column("gap", "存在差距", width=20),
    Column("overall_target", "总体目标", group="发展目标", width=20),
    Column("annual_target", "年度目标值", group="发展目标", width=14),
    Column("measures", "主要措施", width=30),
    Column("actual_value", "实际完成值", width=12),
    Column("scoring_rule", "计分规则", width=16, enterprise_fills=False),
    Column("score", "年度考核得分", width=10, enterprise_fills=False),
    Column("remarks", "备注", width=14),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
SASAC_COLUMNS = tuple(c for c in COLUMNS if not c.enterprise_fills)

# Row numbers (1-based) of the generated sheet.
ATTACHMENT_ROW = 1  # "附件2", as in the seed
TITLE_ROW = 2
HEADER_ROW_1 = 3
HEADER_ROW_2 = 4
FIRST_DATA_ROW = 5
DATA_ROWS = 30  # six core indicators + 24 blank rows; enterprises may insert more
TOTAL_LABEL = "总体情况"
TOTAL_SCORE_LABEL = "总分"

OTHER_DIMENSION = "其他"  # 说明 2: enterprises may add dimensions beyond the eight

NOTES = (
    "说明：1．为推动落实，各企业应将目标任务量化分解到清单中，计分规则、年度考核得分不填。",
    "2．各企业根据实际，可在上述维度基础上增加其他维度。",
)
FILL_HINT = (
    "填报提示：年度目标值请填写“数值+单位”，如 1200万元、95%、3项、≤65%；"
    "一级任务请从下拉列表选择（新增维度选“其他”，并在二级任务中写明）；"
    "文件请勿改名为其他企业或材料，另存时保持 .xlsx 格式。"
)


def expected_header_rows() -> tuple[list[str | None], list[str | None]]:
    """The two header rows as a reader sees them (merged cells read as their top-left value only)."""
    first: list[str | None] = []
    second: list[str | None] = []
    seen_groups: set[str] = set()
    for col in COLUMNS:
        if col.group:
            first.append(None if col.group in seen_groups else col.group)
            seen_groups.add(col.group)
            second.append(col.header)
        else:
            first.append(col.header)
            second.append(None)
    return first, second
